// Pure helpers for metrics that read the proxy document's text (DocStats.text): key spans defined on the text's
// UTF-8 bytes, so that every model is scored on the same bytes whatever its tokenizer, and per-byte pooling of
// token values over such spans. Imports nothing but the token-statistics types.
import type { DocStats } from '../tokenstats/types.ts';

/** The document's text; a metric that lists 'text' in `needs` gets it from the cache readers. */
export function docText(doc: DocStats): string {
  if (typeof doc.text !== 'string') {
    throw new Error(`document ${doc.docId}: its text is not attached to the statistics (DocStats.text); read them with their corpus (readCachedCorpusStats / getCorpusStats do)`);
  }
  return doc.text;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a text (the unit byteStart/byteEnd count in). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;

/** Words of a UTF-8 text: maximal runs of non-whitespace bytes, as [start, end) byte spans. */
export function wordSpans(bytes: Uint8Array): { start: Int32Array; end: Int32Array } {
  const start: number[] = [];
  const end: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    while (i < bytes.length && isSpace(bytes[i])) i++;
    if (i >= bytes.length) break;
    const s = i;
    while (i < bytes.length && !isSpace(bytes[i])) i++;
    start.push(s);
    end.push(i);
  }
  return { start: Int32Array.from(start), end: Int32Array.from(end) };
}

/** Induction keys of a text: the words that complete an n-gram of words whose most recent earlier occurrence
 *  completed at least `minDistance` bytes before (byte distance between the two completing words' starts). Such a
 *  word can be predicted by copying from far back, and from nothing nearer. Returns a mask over the text's bytes:
 *  1 on the bytes of every key word (its whitespace excluded). */
export function inductionKeyBytes(bytes: Uint8Array, n: number, minDistance: number): Uint8Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`inductionKeyBytes: n = ${n} must be an integer >= 1`);
  const mask = new Uint8Array(bytes.length);
  const { start, end } = wordSpans(bytes);
  // Word ids by content, so that an n-gram key is n small integers.
  const ids = new Int32Array(start.length);
  const vocab = new Map<string, number>();
  const dec = new TextDecoder('utf-8', { fatal: false });
  for (let j = 0; j < start.length; j++) {
    const w = dec.decode(bytes.subarray(start[j], end[j]));
    let id = vocab.get(w);
    if (id === undefined) {
      id = vocab.size;
      vocab.set(w, id);
    }
    ids[j] = id;
  }
  const last = new Map<string, number>(); // n-gram -> start byte of its most recent completing word
  for (let j = n - 1; j < start.length; j++) {
    const key = Array.from(ids.subarray(j - n + 1, j + 1)).join(',');
    const prev = last.get(key);
    if (prev !== undefined && start[j] - prev >= minDistance) mask.fill(1, start[j], end[j]);
    last.set(key, start[j]);
  }
  return mask;
}

/** Memoised inductionKeyBytes of a document's text (every model of a corpus shares its texts: computed once). */
const keyCache = new Map<string, Uint8Array>();
export function docInductionKeys(doc: DocStats, n: number, minDistance: number): Uint8Array {
  const text = docText(doc);
  const id = `${n}/${minDistance}/${text}`;
  let mask = keyCache.get(id);
  if (!mask) {
    mask = inductionKeyBytes(utf8(text), n, minDistance);
    if (keyCache.size > 4096) keyCache.clear(); // bounded: a corpus has few documents, a grid few points
    keyCache.set(id, mask);
  }
  return mask;
}

/** Per-byte share of each token in a byte mask: for token i, how many of its bytes the mask holds (a token's
 *  value is spread evenly over its bytes, so a span scores the same whatever the tokenizer cut it into). */
export function maskedBytesPerToken(doc: DocStats, mask: Uint8Array): Int32Array {
  const prefix = new Int32Array(mask.length + 1);
  for (let b = 0; b < mask.length; b++) prefix[b + 1] = prefix[b] + mask[b];
  const out = new Int32Array(doc.n);
  for (let i = 0; i < doc.n; i++) {
    const s = Math.min(doc.byteStart[i], mask.length);
    const e = Math.min(doc.byteEnd[i], mask.length);
    out[i] = e > s ? prefix[e] - prefix[s] : 0;
  }
  return out;
}
