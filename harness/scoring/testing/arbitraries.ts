// fast-check arbitraries of token statistics for metric property tests, and transformations that the
// properties are stated over (split a token, reorder documents).
import fc from 'fast-check';
import { shortWindowKey, type DocStats, type ModelCorpusStats, type ShortWindow } from '../../tokenstats/types.ts';

/** Small windows so that short arbitrary documents have positions past them. */
export const TEST_WINDOWS: ShortWindow[] = [
  { size: 8, step: 4 },
  { size: 16, step: 4 },
];

const lp = fc.float({ min: Math.fround(-12), max: Math.fround(-1e-3), noNaN: true });

export interface RawToken {
  bytes: number;
  long: number;
  shorts: number[];
  entropy: number;
  top1: number;
  /** Entropy and top-1 flag under each window (past its first `size` positions); default: the long ones. */
  shortEntropies?: number[];
  shortTop1?: number[];
}

const rawToken = fc.record({
  bytes: fc.integer({ min: 1, max: 4 }),
  long: lp,
  shorts: fc.array(lp, { minLength: TEST_WINDOWS.length, maxLength: TEST_WINDOWS.length }),
  entropy: fc.float({ min: 0, max: Math.fround(10), noNaN: true }),
  top1: fc.integer({ min: 0, max: 1 }),
  shortEntropies: fc.array(fc.float({ min: 0, max: Math.fround(10), noNaN: true }), { minLength: TEST_WINDOWS.length, maxLength: TEST_WINDOWS.length }),
  shortTop1: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: TEST_WINDOWS.length, maxLength: TEST_WINDOWS.length }),
});

/** Builds a DocStats from per-token values; short log-probabilities equal long ones inside each window's
 *  first `size` positions, as engines produce them. `text` (ASCII, as long as the tokens' bytes) is the document's
 *  text; by default a filler of four-letter words ("abcd efgh ..."), whose n-grams repeat only nearby. */
export function buildDoc(docId: string, tokens: RawToken[], scoredFrom: 0 | 1, windows = TEST_WINDOWS, text?: string): DocStats {
  const n = tokens.length;
  const total = tokens.reduce((a, t) => a + t.bytes, 0);
  if (text !== undefined && Buffer.byteLength(text) !== total) throw new Error(`buildDoc ${docId}: text has ${Buffer.byteLength(text)} bytes, the tokens cover ${total}`);
  const doc: DocStats = {
    docId,
    n,
    scoredFrom,
    tokenIds: Int32Array.from(tokens, (_, i) => i),
    byteStart: new Int32Array(n),
    byteEnd: new Int32Array(n),
    logprobLong: Float32Array.from(tokens, (t) => t.long),
    logprobShort: {},
    entropy: Float32Array.from(tokens, (t) => t.entropy),
    top1: Uint8Array.from(tokens, (t) => t.top1),
    entropyShort: {},
    top1Short: {},
    text: text ?? fillerText(total),
  };
  let off = 0;
  tokens.forEach((t, i) => {
    doc.byteStart[i] = off;
    off += t.bytes;
    doc.byteEnd[i] = off;
  });
  windows.forEach((w, j) => {
    const k = shortWindowKey(w);
    doc.logprobShort[k] = Float32Array.from(tokens, (t, i) => (i < w.size ? t.long : t.shorts[j]));
    doc.entropyShort[k] = Float32Array.from(tokens, (t, i) => (i < w.size ? t.entropy : (t.shortEntropies?.[j] ?? t.entropy)));
    doc.top1Short[k] = Uint8Array.from(tokens, (t, i) => (i < w.size ? t.top1 : (t.shortTop1?.[j] ?? t.top1)));
  });
  if (scoredFrom === 1 && n > 0) {
    doc.logprobLong[0] = NaN;
    doc.entropy[0] = NaN;
    doc.top1[0] = 0;
    for (const k of Object.keys(doc.logprobShort)) {
      doc.logprobShort[k][0] = NaN;
      doc.entropyShort[k][0] = NaN;
      doc.top1Short[k][0] = 0;
    }
  }
  return doc;
}

/** `bytes` bytes of four-letter words separated by spaces, cycling through 26 letters. */
export function fillerText(bytes: number): string {
  let out = '';
  for (let b = 0; b < bytes; b++) out += b % 5 === 4 ? ' ' : String.fromCharCode(97 + ((b - Math.floor(b / 5)) % 26));
  return out;
}

export function wrapStats(docs: DocStats[], model = 'test/model'): ModelCorpusStats {
  return {
    model,
    spec: { contextLength: 64, stride: 64, maxTokens: 0, shortWindows: TEST_WINDOWS, addBos: false },
    docs,
    cost: { engine: 'test', device: 'cpu', tokensProcessed: 0, wallSeconds: 0 },
  };
}

export const docArb = (docId: string, minTokens = 2): fc.Arbitrary<DocStats> =>
  fc
    .tuple(fc.array(rawToken, { minLength: minTokens, maxLength: 48 }), fc.constantFrom<0 | 1>(0, 1))
    .map(([tokens, from]) => buildDoc(docId, tokens, from));

/** A corpus of 1-4 documents, each with at least two tokens. */
export const statsArb: fc.Arbitrary<ModelCorpusStats> = fc
  .integer({ min: 1, max: 4 })
  .chain((k) => fc.tuple(...Array.from({ length: k }, (_, j) => docArb(`doc${j}`))))
  .map((docs) => wrapStats(docs));

/** Same tokens again: a deep copy that metrics may not tell apart from the original. */
export function cloneDoc(d: DocStats): DocStats {
  const short: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(d.logprobShort)) short[k] = v.slice();
  const entropyShort: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(d.entropyShort)) entropyShort[k] = v.slice();
  const top1Short: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(d.top1Short)) top1Short[k] = v.slice();
  return {
    ...d,
    tokenIds: d.tokenIds.slice(),
    byteStart: d.byteStart.slice(),
    byteEnd: d.byteEnd.slice(),
    logprobLong: d.logprobLong.slice(),
    logprobShort: short,
    entropy: d.entropy.slice(),
    top1: d.top1.slice(),
    entropyShort,
    top1Short,
  };
}

export function mapDocs(stats: ModelCorpusStats, f: (d: DocStats) => DocStats): ModelCorpusStats {
  return { ...stats, docs: stats.docs.map((d) => f(cloneDoc(d))) };
}

/**
 * Splits token i (which must cover at least 2 bytes) into two tokens: the first covers `cut` bytes; the
 * log-probabilities (long and every short window) are divided in proportion `share`, so the two probabilities
 * multiply to the original one. A per-byte pooled metric must not change.
 */
export function splitToken(d: DocStats, i: number, cut: number, share: number): DocStats {
  const ins = <T extends Int32Array | Float32Array | Uint8Array>(a: T, first: number, second: number): T => {
    const out = new (a.constructor as new (n: number) => T)(a.length + 1);
    out.set(a.subarray(0, i));
    out[i] = first;
    out[i + 1] = second;
    out.set(a.subarray(i + 1), i + 2);
    return out;
  };
  const short: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(d.logprobShort)) short[k] = ins(v, v[i] * share, v[i] * (1 - share));
  const entropyShort: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(d.entropyShort)) entropyShort[k] = ins(v, v[i], v[i]);
  const top1Short: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(d.top1Short)) top1Short[k] = ins(v, v[i], v[i]);
  return {
    ...d,
    n: d.n + 1,
    tokenIds: ins(d.tokenIds, d.tokenIds[i], d.tokenIds[i]),
    byteStart: ins(d.byteStart, d.byteStart[i], d.byteStart[i] + cut),
    byteEnd: ins(d.byteEnd, d.byteStart[i] + cut, d.byteEnd[i]),
    logprobLong: ins(d.logprobLong, d.logprobLong[i] * share, d.logprobLong[i] * (1 - share)),
    logprobShort: short,
    entropy: ins(d.entropy, d.entropy[i], d.entropy[i]),
    top1: ins(d.top1, d.top1[i], d.top1[i]),
    entropyShort,
    top1Short,
  };
}

/** Index of the first scored token covering at least 2 bytes, or -1. */
export function splittableToken(d: DocStats): number {
  for (let i = d.scoredFrom; i < d.n; i++) if (d.byteEnd[i] - d.byteStart[i] >= 2) return i;
  return -1;
}

/** Relative closeness for float sums computed in a different order. */
export function close(a: number, b: number, rel = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}
