// Percentile bootstrap as the Python reference does it: one RandomState(seed), and per replicate, in order,
// randint(0, n, n) resample positions shared by every statistic; replicates whose statistic is undefined (NaN)
// are dropped; the interval is numpy.percentile(kept, [2.5, 97.5]) (linear), [NaN, NaN] when nothing is kept.
import { RandomState } from './randomstate.ts';
import { percentileOfSorted } from './percentile.ts';

/** Statistic of one resample, given the resampled positions; NaN (or a throw) means undefined. */
export type ResampleStatistic = (indices: readonly number[]) => number;

export interface BootstrapDraws<K extends string> {
  /** Kept (finite) replicate values per statistic, in draw order. */
  kept: Record<K, number[]>;
  nBoot: number;
  seed: number;
}

export function* resamples(n: number, nBoot: number, seed: number): Generator<number[]> {
  const rs = new RandomState(seed);
  for (let b = 0; b < nBoot; b++) yield rs.randint(0, n, n);
}

export function bootstrap<K extends string>(
  n: number,
  nBoot: number,
  seed: number,
  statistics: Record<K, ResampleStatistic>,
  onProgress?: (done: number) => void,
): BootstrapDraws<K> {
  const names = Object.keys(statistics) as K[];
  const kept = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  let done = 0;
  for (const idx of resamples(n, nBoot, seed)) {
    for (const k of names) {
      const v = statistics[k](idx);
      if (!Number.isNaN(v)) kept[k].push(v);
    }
    onProgress?.(++done);
  }
  return { kept, nBoot, seed };
}

export function ci95(values: readonly number[]): [number, number] {
  const finite = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  if (finite.length === 0) return [NaN, NaN];
  return [percentileOfSorted(finite, 2.5), percentileOfSorted(finite, 97.5)];
}
