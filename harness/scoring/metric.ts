// The metric contract: a metric is a pure function from one model's token statistics over a corpus to one
// number, plus the hyperparameter grid the held-out protocol searches. Metric files import only
// harness/tokenstats/types.ts and pure helpers (harness/scoring/metric.ts, harness/scoring/token-math.ts);
// harness/scoring/boundary.test.ts enforces that no metric can reach downstream targets or the file system.
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import type { HyperValue, Hyperparameters } from './types.ts';

/** What compute() reads: long/short log-probabilities, the long entropy and top-1 flags, their short-window
 *  counterparts (cache entry format 2), byte spans, the document's text (DocStats.text: proxy data). */
export type StatNeed = 'long' | 'short' | 'entropy' | 'top1' | 'short-entropy' | 'short-top1' | 'bytes' | 'text';
export type Direction = 'higher-is-better' | 'lower-is-better';

export interface MetricDefinition<H extends Hyperparameters = Hyperparameters> {
  /** Folder name under metrics/, e.g. "bpb". */
  id: string;
  /** One line: what the number is. */
  description: string;
  /** Token statistics compute() reads. */
  needs: readonly StatNeed[];
  /** Grid searched by the held-out protocol: every key of `defaults` with its candidate values. */
  grid: { readonly [K in keyof H]: readonly H[K][] };
  /** Hyperparameters used when nothing is chosen (e.g. property tests). Must be a point of the grid. */
  defaults: H;
  /** Whether a larger raw value of compute() means a better (higher-ranked) model. */
  direction: Direction;
  /** Raw metric value, in the metric's own units (e.g. bits per byte). Pure: no I/O, no randomness. */
  compute(stats: ModelCorpusStats, hp: H): number;
  /** Probes (harness/probes/registry.ts) whose statistics compute() reads in stats.probes; absent: none. */
  probes?: readonly string[];
  /** One model's curve for its report page (e.g. loss against distance), at the submitted hyperparameters. */
  curve?(stats: ModelCorpusStats, hp: H): MetricCurve;
}

/** A curve of one model: points in increasing x. */
export interface MetricCurve {
  xLabel: string;
  yLabel: string;
  points: Array<{ x: number; y: number }>;
}

export interface Metric<H extends Hyperparameters = Hyperparameters> extends MetricDefinition<H> {
  /** compute() oriented so that higher = better: the value written to submissions (negated when
   *  direction is lower-is-better). */
  score(stats: ModelCorpusStats, hp?: H): number;
  /** Every point of the grid, in a fixed order (keys sorted, values in declared order, last key fastest). */
  gridPoints(): H[];
}

const ID_RE = /^[a-z0-9][a-z0-9-]*$/;

export function defineMetric<H extends Hyperparameters>(def: MetricDefinition<H>): Metric<H> {
  if (!ID_RE.test(def.id)) throw new Error(`defineMetric: id '${def.id}' must match ${ID_RE}`);
  const keys = Object.keys(def.defaults).sort();
  const gridKeys = Object.keys(def.grid).sort();
  if (keys.join('\0') !== gridKeys.join('\0')) {
    throw new Error(`defineMetric(${def.id}): grid keys [${gridKeys}] must equal defaults keys [${keys}]`);
  }
  for (const k of keys) {
    const values = (def.grid as Record<string, readonly HyperValue[]>)[k];
    if (values.length === 0) throw new Error(`defineMetric(${def.id}): grid.${k} is empty`);
    if (!values.includes(def.defaults[k])) {
      throw new Error(`defineMetric(${def.id}): defaults.${k} = ${String(def.defaults[k])} is not in grid.${k}`);
    }
  }
  const sign = def.direction === 'higher-is-better' ? 1 : -1;
  const points = cartesian(keys, def.grid as Record<string, readonly HyperValue[]>) as H[];
  return {
    ...def,
    score(stats, hp = def.defaults) {
      // 0 - x rather than -x so that a raw 0 gives +0 (JSON writes -0 as 0 anyway; keeps equality simple).
      return sign === 1 ? def.compute(stats, hp) : 0 - def.compute(stats, hp);
    },
    gridPoints: () => points.map((p) => ({ ...p })),
  };
}

function cartesian(keys: string[], grid: Record<string, readonly HyperValue[]>): Hyperparameters[] {
  let acc: Hyperparameters[] = [{}];
  for (const k of keys) {
    const next: Hyperparameters[] = [];
    for (const partial of acc) for (const v of grid[k]) next.push({ ...partial, [k]: v });
    acc = next;
  }
  return acc;
}

/** Stable text key of a hyperparameter point (sorted keys), for maps and reports. */
export function hyperKey(hp: Hyperparameters): string {
  return Object.keys(hp)
    .sort()
    .map((k) => `${k}=${String(hp[k])}`)
    .join(',');
}
