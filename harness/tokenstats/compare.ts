// Differences between two engines' statistics of the same documents (parity checks): the pure part of
// bench/compare_caches.ts, so the comparison itself is tested.
import type { DocStats } from './types.ts';

export interface StatsDiff {
  /** Scored tokens compared (positions from scoredFrom on, over every document). */
  tokens: number;
  /** Largest |a - b| of the long-context and every short-window log-probability. */
  maxAbsLogprob: number;
  maxAbsEntropy: number;
  /** Share of scored tokens whose top-1 flags agree. */
  top1Agreement: number;
  idsEqual: boolean;
  spansEqual: boolean;
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A NaN on one side only is a difference (Infinity); NaN on both sides (an unscored position) is none. */
function maxAbs(a: Float32Array, b: Float32Array, from: number, acc: number): number {
  if (a.length !== b.length) return Infinity;
  for (let i = from; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const d = Number.isNaN(x) || Number.isNaN(y) ? Infinity : Math.abs(x - y);
    if (d > acc) acc = d;
  }
  return acc;
}

export function compareDocStats(a: readonly DocStats[], b: readonly DocStats[]): StatsDiff {
  if (a.length !== b.length) throw new Error(`compareDocStats: ${a.length} documents against ${b.length}`);
  const out: StatsDiff = { tokens: 0, maxAbsLogprob: 0, maxAbsEntropy: 0, top1Agreement: 1, idsEqual: true, spansEqual: true };
  let agree = 0;
  a.forEach((da, k) => {
    const db = b[k];
    if (da.docId !== db.docId) throw new Error(`compareDocStats: document ${k} is ${da.docId} against ${db.docId}`);
    out.idsEqual &&= sameInts(da.tokenIds, db.tokenIds);
    out.spansEqual &&= sameInts(da.byteStart, db.byteStart) && sameInts(da.byteEnd, db.byteEnd);
    const from = Math.max(da.scoredFrom, db.scoredFrom);
    out.maxAbsLogprob = maxAbs(da.logprobLong, db.logprobLong, from, out.maxAbsLogprob);
    const keys = new Set([...Object.keys(da.logprobShort), ...Object.keys(db.logprobShort)]);
    for (const key of keys) {
      const x = da.logprobShort[key];
      const y = db.logprobShort[key];
      out.maxAbsLogprob = x && y ? maxAbs(x, y, from, out.maxAbsLogprob) : Infinity;
    }
    out.maxAbsEntropy = maxAbs(da.entropy, db.entropy, from, out.maxAbsEntropy);
    const n = Math.min(da.top1.length, db.top1.length);
    for (let i = from; i < n; i++) if (da.top1[i] === db.top1[i]) agree++;
    out.tokens += Math.max(0, n - from);
  });
  out.top1Agreement = out.tokens === 0 ? 1 : agree / out.tokens;
  return out;
}
