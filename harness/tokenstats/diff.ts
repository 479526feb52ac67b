// How far two engines' statistics of the same document are apart: token ids and byte spans must be identical,
// the scored (non-NaN) positions the same, and the log-probabilities (long and every short window) and entropies
// are compared by their largest absolute difference.
import type { DocStats } from './types.ts';

export interface DocStatsDiff {
  /** Largest |a - b| over every scored log-probability (long context and all short windows). */
  maxLogprob: number;
  /** Largest |a - b| of the long-context entropy. */
  maxEntropy: number;
  /** Share of positions whose top-1 flags agree. */
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
  const ent = problems.length === 0 ? maxAbs('entropy', a.entropy, b.entropy, problems) : { max: 0, n: 0 };
  let agree = 0;
  for (let i = 0; i < Math.min(a.n, b.n); i++) if (a.top1[i] === b.top1[i]) agree++;
  return { maxLogprob, maxEntropy: ent.max, top1Agreement: a.n ? agree / a.n : 1, compared: compared + ent.n, problems };
}
