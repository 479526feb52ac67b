// Pure helpers shared by metric definitions: pooling of log-probabilities over tokens and UTF-8 bytes, short
// window lookup, LongPPL key tokens. Imports nothing but the token-statistics types.
import { shortWindowKey, type DocStats, type ModelCorpusStats, type ShortWindow } from '../tokenstats/types.ts';

export const LN2 = Math.LN2;

/** Which of the spec's short windows a metric reads: the smallest or largest `size` (fixed names, so a grid
 *  means the same on every setting whatever windows its statistics were computed with). */
export type WindowChoice = 'smallest' | 'largest';

export function pickShortWindow(stats: ModelCorpusStats, choice: WindowChoice): ShortWindow {
  const ws = [...stats.spec.shortWindows].sort((a, b) => a.size - b.size || a.step - b.step);
  if (ws.length === 0) {
    throw new Error(`statistics of ${stats.model} have no short windows (spec.shortWindows is empty)`);
  }
  return choice === 'smallest' ? ws[0] : ws[ws.length - 1];
}

export function shortLogprobs(doc: DocStats, w: ShortWindow): Float32Array {
  const arr = doc.logprobShort[shortWindowKey(w)];
  if (!arr) throw new Error(`document ${doc.docId} has no short-window log-probabilities for ${shortWindowKey(w)}`);
  return arr;
}

/** Entropies (nats) under a short window (entry format 2). */
export function shortEntropies(doc: DocStats, w: ShortWindow): Float32Array {
  const arr = doc.entropyShort[shortWindowKey(w)];
  if (!arr) throw new Error(`document ${doc.docId} has no short-window entropies for ${shortWindowKey(w)} (statistics older than cache entry format 2?)`);
  return arr;
}

/** Top-1 flags under a short window (entry format 2). */
export function shortTop1(doc: DocStats, w: ShortWindow): Uint8Array {
  const arr = doc.top1Short[shortWindowKey(w)];
  if (!arr) throw new Error(`document ${doc.docId} has no short-window top-1 flags for ${shortWindowKey(w)} (statistics older than cache entry format 2?)`);
  return arr;
}

/** First position whose short-window context differs from the long one: tokens before `size` see their whole
 *  prefix under both. */
export function pastWindow(doc: DocStats, w: ShortWindow): number {
  return Math.max(doc.scoredFrom, w.size);
}

export function tokenBytes(doc: DocStats, i: number): number {
  return doc.byteEnd[i] - doc.byteStart[i];
}

/** Sums over a set of scored tokens: negative log-likelihood (nats), token count, UTF-8 bytes. */
export interface Pool {
  nll: number;
  tokens: number;
  bytes: number;
}

export const emptyPool = (): Pool => ({ nll: 0, tokens: 0, bytes: 0 });

/** Adds token i of doc with log-probability lp to the pool. */
export function addToken(pool: Pool, doc: DocStats, i: number, lp: number): void {
  pool.nll -= lp;
  pool.tokens += 1;
  pool.bytes += tokenBytes(doc, i);
}

/** Pools the long-context log-probabilities of every scored token of doc (optionally filtered). */
export function poolDoc(doc: DocStats, keep?: (i: number) => boolean, lps: Float32Array = doc.logprobLong): Pool {
  const p = emptyPool();
  for (let i = doc.scoredFrom; i < doc.n; i++) if (!keep || keep(i)) addToken(p, doc, i, lps[i]);
  return p;
}

export function mergePools(pools: Pool[]): Pool {
  const out = emptyPool();
  for (const p of pools) {
    out.nll += p.nll;
    out.tokens += p.tokens;
    out.bytes += p.bytes;
  }
  return out;
}

/** Bits per byte of a pool; NaN when it holds no bytes. */
export const bitsPerByte = (p: Pool): number => (p.bytes > 0 ? p.nll / LN2 / p.bytes : NaN);
/** Mean negative log-likelihood per token (nats); NaN when it holds no tokens. */
export const nllPerToken = (p: Pool): number => (p.tokens > 0 ? p.nll / p.tokens : NaN);

export type Pooling = 'corpus' | 'document';

/** Corpus value of a per-pool ratio: `corpus` pools all documents first (sum over sum); `document` averages
 *  the per-document ratios (documents whose ratio is undefined are left out). */
export function pooledRatio(pools: Pool[], ratio: (p: Pool) => number, pooling: Pooling): number {
  if (pooling === 'corpus') return ratio(mergePools(pools));
  const vals = pools.map(ratio).filter(Number.isFinite);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
}

/** LongPPL key-token rule: long-minus-short log-probability gain above `alpha` and long log-probability above
 *  `beta` (natural log). Positions inside the first window have short == long, so they are never key. */
export interface KeyRule {
  alpha: number;
  beta: number;
  window: ShortWindow;
}

export function keyMask(doc: DocStats, rule: KeyRule): Uint8Array {
  const short = shortLogprobs(doc, rule.window);
  const mask = new Uint8Array(doc.n);
  for (let i = doc.scoredFrom; i < doc.n; i++) {
    const long = doc.logprobLong[i];
    if (long - short[i] > rule.alpha && long > rule.beta) mask[i] = 1;
  }
  return mask;
}
