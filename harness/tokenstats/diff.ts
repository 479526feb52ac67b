// How far two engines' statistics of the same document are apart: token ids and byte spans must be identical,
// the scored (non-NaN) positions the same, and the log-probabilities (long and every short window) and entropies
// are compared by their largest absolute difference.
import type { DocStats } from './types.ts';

export interface DocStatsDiff {
  /** Largest |a - b| over every scored log-probability (long context and all short windows). */
  maxLogprob: number;
  /** Largest |a - b| of the entropy, under the long context and every short window. */
  maxEntropy: number;
  /** Share of (position, field) pairs whose top-1 flags agree, long context and every short window. */
  top1Agreement: number;
  /** Number of values compared (log-probabilities and entropies). */
  compared: number;
  /** Structural differences (ids, spans, fields, NaN patterns); empty when the documents line up. */
  problems: string[];
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function maxAbs(name: string, a: Float32Array, b: Float32Array, problems: string[]): { max: number; n: number } {
  let max = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const na = Number.isNaN(a[i]);
    if (na !== Number.isNaN(b[i])) {
      problems.push(`${name}[${i}] is NaN in only one of them (${a[i]} vs ${b[i]})`);
      return { max, n };
    }
    if (!na) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      n++;
    }
  }
  return { max, n };
}

export function diffDocStats(a: DocStats, b: DocStats): DocStatsDiff {
  const problems: string[] = [];
  if (a.n !== b.n || a.scoredFrom !== b.scoredFrom) problems.push(`n/scoredFrom ${a.n}/${a.scoredFrom} vs ${b.n}/${b.scoredFrom}`);
  for (const k of ['tokenIds', 'byteStart', 'byteEnd'] as const) {
    const i = firstDiff(a[k], b[k]);
    if (i >= 0) problems.push(`${k} differ first at position ${i} (${a[k][i]} vs ${b[k][i]})`);
  }
  const keys = Object.keys(a.logprobShort).sort();
  if (keys.join() !== Object.keys(b.logprobShort).sort().join()) {
    problems.push(`short windows ${keys.join(',')} vs ${Object.keys(b.logprobShort).sort().join(',')}`);
  }
  let maxLogprob = 0;
  let compared = 0;
  if (problems.length === 0) {
    for (const [name, x, y] of [['logprobLong', a.logprobLong, b.logprobLong], ...keys.map((k) => [`logprobShort.${k}`, a.logprobShort[k], b.logprobShort[k]])] as [string, Float32Array, Float32Array][]) {
      const r = maxAbs(name, x, y, problems);
      maxLogprob = Math.max(maxLogprob, r.max);
      compared += r.n;
    }
  }
  let maxEntropy = 0;
  let agree = 0;
  let flags = 0;
  if (problems.length === 0) {
    const pairs = [['entropy', a.entropy, b.entropy, a.top1, b.top1], ...keys.map((k) => [`entropyShort.${k}`, a.entropyShort[k], b.entropyShort[k], a.top1Short[k], b.top1Short[k]])] as [string, Float32Array, Float32Array, Uint8Array, Uint8Array][];
    for (const [name, x, y, tx, ty] of pairs) {
      if (!x || !y || !tx || !ty) {
        problems.push(`${name}: absent in one of them`);
        continue;
      }
      const r = maxAbs(name, x, y, problems);
      maxEntropy = Math.max(maxEntropy, r.max);
      compared += r.n;
      for (let i = 0; i < a.n; i++) if (tx[i] === ty[i]) agree++;
      flags += a.n;
    }
  }
  return { maxLogprob, maxEntropy, top1Agreement: flags ? agree / flags : 1, compared, problems };
}
