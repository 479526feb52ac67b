// The floating-point kernels that numpy 1.24 / scipy 1.10 (Debian, OpenBLAS) run inside scikit-learn's MinCovDet,
// reproduced operation by operation. Hand-written on purpose: MinCovDet's decisions (which support wins, which
// points tie) depend on the last bit of these numbers, and no JS library computes them in numpy's order.
// Each model below was checked bit for bit against numpy on thousands of random inputs (harness/stats/
// mincovdet.test.ts keeps that check):
// - X.mean(axis=0) of an (n, 2) array: sequential sum down each column, then / n (not pairwise);
// - np.cov(X.T, bias=1): the same column means, then OpenBLAS dsyrk = a sequential fused multiply-add chain per
//   entry, then * (1 / n);
// - np.dot(A, P) with 2 columns: OpenBLAS dgemm = fma(a1, p1j, a0 * p0j);
// - scipy.linalg.eigh on 2x2 (LAPACK dsyevr -> dstemr's n = 2 case -> dlaev2, no fma), pinvh's cut-off and its
//   (u / s) @ u.T product through dgemm (fma);
// - np.linalg.slogdet on 2x2 (OpenBLAS dgetrf): partial pivoting, multiplier r * (1 / pivot), u11 = s - l * q,
//   then 0 + log|u00| + log|u11| with glibc's (correctly rounded) log.

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

function fromBits(b: bigint): number {
  U64[0] = b;
  return F64[0];
}

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)
const U32 = new Uint32Array(F64.buffer); // little-endian: U32[0] holds the low word of F64[0]

/** x + y rounded to odd: the neighbour with an odd last bit when the sum is inexact (s, e: its TwoSum). */
function roundToOdd(s: number, e: number): number {
  if (e === 0 || !Number.isFinite(s)) return s;
  F64[0] = s;
  if ((U32[0] & 1) === 1) return s;
  // even: step one ulp towards the exact value
  return fromBits(s > 0 === e > 0 ? U64[0] + 1n : U64[0] - 1n);
}

/**
 * Correctly rounded a * b + c, the x86 FMA that OpenBLAS kernels use (JS has none). Boldo & Melquiond's emulation
 * (IEEE Trans. Computers 57(4), 2008): RN(th + RO(tl + ul)) with a * b = uh + ul (Dekker) and c + uh = th + tl
 * (Knuth), written out without temporaries because it runs millions of times per bootstrap.
 */
export function fma(a: number, b: number, c: number): number {
  const uh = a * b;
  if (!Number.isFinite(uh) || Math.abs(uh) > 1e300 || (uh !== 0 && Math.abs(uh) < 1e-290)) {
    // Outside the range where the splitting is exact: fall back to the unfused value (never met on scores).
    return uh + c;
  }
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ul = ah * bh - uh + ah * bl + al * bh + al * bl;
  if (ul === 0) return uh + c;
  const th = c + uh;
  const bb = th - c;
  const tl = c - (th - bb) + (uh - bb);
  const v = tl + ul;
  const vb = v - tl;
  const ve = tl - (v - vb) + (ul - vb);
  return th + roundToOdd(v, ve);
}

// ---- correctly rounded natural logarithm -------------------------------------------------------------------
// V8's Math.log (fdlibm) is not correctly rounded; glibc's log, which numpy calls, almost always is. Near-equal
// determinants of different supports (symmetric tie-heavy data) are ordered by the last bit of log, so slogdet
// needs the correctly rounded value: evaluated here in double-double arithmetic (about 2^-100 relative error)
// and rounded once.
type DD = [number, number];

function ddAdd(a: DD, b: DD): DD {
  const s = a[0] + b[0];
  const bb = s - a[0];
  const e = a[0] - (s - bb) + (b[0] - bb) + a[1] + b[1];
  const hi = s + e;
  return [hi, e - (hi - s)];
}

function twoProdDD(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProdDD(a[0], b[0]);
  const lo = e + (a[0] * b[1] + a[1] * b[0]);
  const hi = p + lo;
  return [hi, lo - (hi - p)];
}

/** n / d for doubles, as a double-double. */
function ddDiv(n: number, d: DD): DD {
  const q1 = n / d[0];
  const [p, e] = twoProdDD(q1, d[0]);
  const r = n - p - e - q1 * d[1];
  const q2 = r / d[0];
  const hi = q1 + q2;
  return [hi, q2 - (hi - q1)];
}

const LN2_DD: DD = [0.6931471805599453, 2.3190468138462996e-17];
const ODD_RECIPROCALS: DD[] = Array.from({ length: 26 }, (_, k) => ddDiv(1, [2 * k + 1, 0]));

/** ln(x), correctly rounded except in astronomically rare hard cases; falls back to Math.log off (0, inf). */
export function logCorrectlyRounded(x: number): number {
  if (!(x > 0) || x === Infinity) return Math.log(x);
  let k = 0;
  let m = x;
  if (m < 2 ** -1000) {
    m *= 2 ** 600;
    k -= 600;
  }
  F64[0] = m;
  const e = ((U32[1] >>> 20) & 0x7ff) - 1023;
  m *= 2 ** -e; // exact: m in [1, 2)
  k += e;
  if (m > Math.SQRT2) {
    m /= 2;
    k += 1;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172; m - 1 is exact (Sterbenz)
  const den = twoSumDD(m, 1);
  const sdd = ddDiv(m - 1, den);
  const t = ddMul(sdd, sdd);
  let poly = ODD_RECIPROCALS[ODD_RECIPROCALS.length - 1];
  for (let i = ODD_RECIPROCALS.length - 2; i >= 0; i--) poly = ddAdd(ODD_RECIPROCALS[i], ddMul(t, poly));
  const lnm = ddMul([2 * sdd[0], 2 * sdd[1]], poly);
  const r = ddAdd(ddMul(LN2_DD, [k, 0]), lnm);
  return r[0] + r[1];
}

function twoSumDD(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** numpy < 1.25 np.argsort(v) (default kind): its introsort with median-of-3 and insertion sort from 16 elements down. */
export function argsortNumpy(v: ArrayLike<number>): number[] {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const less = (a: number, b: number) => a < b || (b !== b && a === a);
  const SMALL = 15; // numpy SMALL_QUICKSORT
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let msb = 0;
  for (let m = n; m > 1; m >>= 1) msb++;
  let cdepth = msb * 2;
  const swap = (i: number, j: number) => {
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  };
  for (;;) {
    if (cdepth < 0) {
      heapsortRange(idx, v, pl, pr - pl + 1, less);
    } else {
      while (pr - pl > SMALL) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(v[idx[pm]], v[idx[pl]])) swap(pm, pl);
        if (less(v[idx[pr]], v[idx[pm]])) swap(pr, pm);
        if (less(v[idx[pm]], v[idx[pl]])) swap(pm, pl);
        const vp = v[idx[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi; while (less(v[idx[pi]], vp));
          do --pj; while (less(vp, v[idx[pj]]));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        const pk = pr - 1;
        swap(pi, pk);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = idx[pi];
        const vp = v[vi];
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && less(vp, v[idx[pk]])) idx[pj--] = idx[pk--];
        idx[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return idx;
}

/** numpy's aheapsort on idx[start .. start+n) (reached only past 2*log2(n) bad partitions). */
function heapsortRange(idx: number[], v: ArrayLike<number>, start: number, n: number, less: (a: number, b: number) => boolean): void {
  // numpy indexes the heap from 1: a[k] = idx[start + k - 1]
  const a = (k: number) => start + k - 1;
  let i: number, j: number, l: number, tmp: number;
  for (l = n >> 1; l > 0; --l) {
    tmp = idx[a(l)];
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && less(v[idx[a(j)]], v[idx[a(j + 1)]])) j += 1;
      if (less(v[tmp], v[idx[a(j)]])) {
        idx[a(i)] = idx[a(j)];
        i = j;
        j += j;
      } else break;
    }
    idx[a(i)] = tmp;
  }
  for (; n > 1; ) {
    tmp = idx[a(n)];
    idx[a(n)] = idx[a(1)];
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && less(v[idx[a(j)]], v[idx[a(j + 1)]])) j++;
      if (less(v[tmp], v[idx[a(j)]])) {
        idx[a(i)] = idx[a(j)];
        i = j;
        j += j;
      } else break;
    }
    idx[a(i)] = tmp;
  }
}

export type Vec2 = [number, number];
/** Row-major 2x2: [a00, a01, a10, a11]. */
export type Mat2 = [number, number, number, number];

/** X.mean(axis=0) of (n, 2) rows: sequential sums, then / n. */
export function mean2(rows: readonly Vec2[]): Vec2 {
  let s0 = 0;
  let s1 = 0;
  for (const r of rows) {
    s0 += r[0];
    s1 += r[1];
  }
  return [s0 / rows.length, s1 / rows.length];
}

/** sklearn's empirical_covariance(X) = np.cov(X.T, bias=1) for (n, 2) rows. */
export function cov2(rows: readonly Vec2[]): Mat2 {
  const [m0, m1] = mean2(rows);
  let c00 = 0;
  let c01 = 0;
  let c11 = 0;
  for (const r of rows) {
    const a = r[0] - m0;
    const b = r[1] - m1;
    c00 = fma(a, a, c00);
    c01 = fma(a, b, c01);
    c11 = fma(b, b, c11);
  }
  const inv = 1 / rows.length;
  return [c00 * inv, c01 * inv, c01 * inv, c11 * inv];
}

/** sum((np.dot(X - loc, P) * (X - loc)), axis=1): squared Mahalanobis distances as numpy computes them. */
export function mahalanobis2(rows: readonly Vec2[], loc: Vec2, p: Mat2): number[] {
  return rows.map((r) => {
    const a = r[0] - loc[0];
    const b = r[1] - loc[1];
    const d0 = fma(b, p[2], a * p[0]);
    const d1 = fma(b, p[3], a * p[1]);
    return d0 * a + d1 * b;
  });
}

/** LAPACK dlaev2 on [[a, b], [b, c]]: rt1 (larger |.|), rt2, and (cs, sn) the eigenvector of rt1. */
function dlaev2(a: number, b: number, c: number): [number, number, number, number] {
  const sm = a + c;
  const df = a - c;
  const adf = Math.abs(df);
  const tb = b + b;
  const ab = Math.abs(tb);
  let acmx: number, acmn: number;
  if (Math.abs(a) > Math.abs(c)) {
    acmx = a;
    acmn = c;
  } else {
    acmx = c;
    acmn = a;
  }
  let rt: number;
  if (adf > ab) rt = adf * Math.sqrt(1 + (ab / adf) ** 2);
  else if (adf < ab) rt = ab * Math.sqrt(1 + (adf / ab) ** 2);
  else rt = ab * Math.SQRT2;
  let rt1: number, rt2: number, sgn1: number;
  if (sm < 0) {
    rt1 = 0.5 * (sm - rt);
    sgn1 = -1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else if (sm > 0) {
    rt1 = 0.5 * (sm + rt);
    sgn1 = 1;
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else {
    rt1 = 0.5 * rt;
    rt2 = -0.5 * rt;
    sgn1 = 1;
  }
  let cs: number, sgn2: number;
  if (df >= 0) {
    cs = df + rt;
    sgn2 = 1;
  } else {
    cs = df - rt;
    sgn2 = -1;
  }
  let cs1: number, sn1: number;
  if (Math.abs(cs) > ab) {
    const ct = -tb / cs;
    sn1 = 1 / Math.sqrt(1 + ct * ct);
    cs1 = ct * sn1;
  } else if (ab === 0) {
    cs1 = 1;
    sn1 = 0;
  } else {
    const tn = -cs / tb;
    cs1 = 1 / Math.sqrt(1 + tn * tn);
    sn1 = tn * cs1;
  }
  if (sgn1 === sgn2) {
    const tn = cs1;
    cs1 = -sn1;
    sn1 = tn;
  }
  return [rt1, rt2, cs1, sn1];
}

/** scipy.linalg.eigh(A, lower=True) of a symmetric 2x2: ascending eigenvalues, eigenvectors as columns. */
export function eigh2(m: Mat2): { values: Vec2; vectors: Mat2 } {
  const [rt1, rt2, cs, sn] = dlaev2(m[0], m[2], m[3]);
  // dstemr stores (rt2, [-sn, cs]) then (rt1, [cs, sn]); dsyevr sorts ascending.
  if (rt2 <= rt1) return { values: [rt2, rt1], vectors: [-sn, cs, cs, sn] };
  return { values: [rt1, rt2], vectors: [cs, -sn, sn, cs] };
}

const EPS = 2 ** -52;

/** scipy.linalg.pinvh(A) (scipy 1.10 defaults: atol 0, rtol = 2 * eps) of a symmetric 2x2. */
export function pinvh2(m: Mat2): Mat2 {
  const { values: s, vectors: u } = eigh2(m);
  const maxS = Math.max(Math.abs(s[0]), Math.abs(s[1]));
  const cutoff = 0 + maxS * (2 * EPS);
  const keep = [0, 1].filter((k) => Math.abs(s[k]) > cutoff);
  // B = (u[:, keep] * (1 / s[keep])) @ u[:, keep].T, through dgemm (fma chain over kept columns)
  const out: Mat2 = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      let acc = 0;
      keep.forEach((k, q) => {
        const a = u[i * 2 + k] * (1 / s[k]);
        acc = q === 0 ? a * u[j * 2 + k] : fma(a, u[j * 2 + k], acc);
      });
      out[i * 2 + j] = acc;
    }
  }
  return out;
}

/** sklearn's fast_logdet = np.linalg.slogdet, -inf unless the sign is positive. */
export function fastLogdet2(m: Mat2): number {
  const [a00, a01, a10, a11] = m;
  let p: number, q: number, r: number, s: number, sign: number;
  if (Math.abs(a10) > Math.abs(a00)) {
    [p, q, r, s, sign] = [a10, a11, a00, a01, -1];
  } else {
    [p, q, r, s, sign] = [a00, a01, a10, a11, 1];
  }
  if (p === 0) return -Infinity; // dgetrf reports a zero pivot: numpy gives sign 0
  const l = r * (1 / p);
  const u11 = s - l * q;
  if (!(u11 !== 0)) return -Infinity; // zero pivot (sign 0) or NaN (sign NaN): both fail `sign > 0`
  sign *= Math.sign(p) * Math.sign(u11);
  if (!(sign > 0)) return -Infinity;
  return 0 + logCorrectlyRounded(Math.abs(p)) + logCorrectlyRounded(Math.abs(u11));
}

/** np.median of a copy of v (NaN-free input). */
export function medianNumpy(v: readonly number[]): number {
  const s = Float64Array.from(v).sort();
  const n = s.length;
  const h = n >> 1;
  return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
