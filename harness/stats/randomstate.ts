// numpy.random.RandomState (legacy MT19937), hand-written because the verifier's bootstrap and MinCovDet's random
// starts must draw exactly numpy's numbers. Mirrors numpy 1.24: `_mt19937.pyx` _legacy_seeding (init_genrand for
// an int seed), `mt19937.c` (generation and tempering), `distributions.c` random_bounded_uint64_fill with masked
// rejection (legacy randint), random_interval (legacy shuffle) and the 53-bit double of random_sample.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 4294967296;
const MAX_SAFE_RANGE = Number.MAX_SAFE_INTEGER;

/** Smallest 2^k - 1 >= v (v >= 0), as numpy's gen_mask; v below 2^53. */
function maskAtLeast(v: number): number {
  let m = 1;
  while (m - 1 < v) m *= 2;
  return m - 1;
}

export class RandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState: seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    // init_genrand: key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >>> 30)) + i  (mod 2^32)
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  private generate(): void {
    const k = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (k[i] & UPPER_MASK) | (k[i + 1] & LOWER_MASK);
      k[i] = k[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      y = (k[i] & UPPER_MASK) | (k[i + 1] & LOWER_MASK);
      k[i] = k[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (k[N - 1] & UPPER_MASK) | (k[0] & LOWER_MASK);
    k[N - 1] = k[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }

  /** Next raw 32-bit output (tempered), as an unsigned number. */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's next_uint64 for MT19937: high word first. Returned as BigInt (exact). */
  private nextUint64(): bigint {
    const hi = BigInt(this.nextUint32());
    const lo = BigInt(this.nextUint32());
    return (hi << 32n) | lo;
  }

  /** numpy RandomState.random_sample(): identical double. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** One draw in [0, rng] by masked rejection (numpy's legacy bounded path); rng an integer in [0, 2^53). */
  private boundedMasked(rng: number): number {
    if (rng === 0) return 0;
    if (rng === 0xffffffff) return this.nextUint32();
    if (rng < 0xffffffff) {
      const mask = maskAtLeast(rng);
      let v: number;
      // mask < 2^32: `& mask` on the unsigned draw, done in doubles to stay unsigned
      do v = this.nextUint32() & mask; while ((v >>> 0) > rng);
      return v >>> 0;
    }
    const mask = BigInt(maskAtLeast(rng));
    const r = BigInt(rng);
    let v: bigint;
    do v = this.nextUint64() & mask; while (v > r);
    return Number(v);
  }

  /** numpy RandomState.randint(low, high, size) with the default int64 dtype: identical draws. */
  randint(low: number, high: number, size: number): number[] {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new RangeError(`randint: low and high must be safe integers, got ${low}, ${high}`);
    }
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`randint: size must be an integer >= 0, got ${size}`);
    if (high <= low) throw new RangeError(`randint: low >= high (${low} >= ${high})`);
    const rng = high - 1 - low;
    if (rng > MAX_SAFE_RANGE - 1) throw new RangeError(`randint: range ${rng + 1} too large (must be below 2**53)`);
    const out = new Array<number>(size);
    for (let i = 0; i < size; i++) out[i] = low + this.boundedMasked(rng);
    return out;
  }

  /** numpy's random_interval(max): uniform in [0, max] by masked rejection (32-bit draws while max fits). */
  private interval(max: number): number {
    if (max === 0) return 0;
    const mask = maskAtLeast(max);
    if (max <= 0xffffffff) {
      let v: number;
      do v = (this.nextUint32() & mask) >>> 0; while (v > max);
      return v;
    }
    const m = BigInt(mask);
    const r = BigInt(max);
    let v: bigint;
    do v = this.nextUint64() & m; while (v > r);
    return Number(v);
  }

  /** numpy RandomState.permutation(n): arange(n) shuffled by the legacy Fisher-Yates from the end. */
  permutation(n: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`permutation: n must be an integer >= 0, got ${n}`);
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
