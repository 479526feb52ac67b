// Deterministic split of a fill's jobs among N independent processes (a cluster's job array): every process
// builds the same ordered job list from the setting alone and keeps its own contiguous part of it, so no process
// talks to another and a shard that died is re-run alone with the same K/N.
import { UserError } from '../errors.ts';

export interface Shard {
  index: number;
  count: number;
}

/** "K/N" with 0 <= K < N (SLURM: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-(N-1)). */
export function parseShard(raw: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!m) throw new UserError(`${flag} ${raw}: expected K/N (shard K of N, counted from 0), e.g. 0/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UserError(`${flag} ${raw}: K must lie in 0..N-1 and N >= 1 (SLURM arrays: --array=0-${Math.max(0, count - 1)})`);
  return { index, count };
}

/** The shard's name in the cache (manifest.d/<name>.json). */
export function shardName(s: Shard): string {
  return `shard-${s.index}-of-${s.count}`;
}

/** Cuts `items` (in their order) into `parts` contiguous runs of nearly equal total cost; run i is returned at
 *  index i. Contiguous runs keep one model's documents together, so each part loads few models. A run's boundary
 *  falls where the running cost first reaches i/parts of the total (deterministic: costs are integers). */
export function contiguousParts<T>(items: readonly T[], parts: number, cost: (t: T) => number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  const total = items.reduce((a, t) => a + cost(t), 0);
  let run = 0;
  for (const t of items) {
    const c = cost(t);
    // The part whose share holds the middle of this item's cost interval.
    const mid = total > 0 ? (run + c / 2) / total : 0;
    out[Math.min(parts - 1, Math.floor(mid * parts))].push(t);
    run += c;
  }
  return out;
}
