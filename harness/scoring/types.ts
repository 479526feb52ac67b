// What a scoring suite produces for one (setting, metric): the reporter and the claim bundle are built from it.
import type { VerifyResult } from '../contract/types.ts';

export type HyperValue = number | string | boolean;
export type Hyperparameters = Record<string, HyperValue>;

/** Held-out protocol: repeated seeded random splits of the setting's models into train (choose hyperparameters
 *  from the grid) and test (measure Spearman). */
export interface HeldOutResult {
  nSplits: number;
  trainFraction: number;
  seed: number;
  /** Test-split Spearman of each split, in split order. */
  testSpearman: number[];
  mean: number;
  sd: number;
  /** How often each hyperparameter setting was chosen on the train splits. */
  chosen: Array<{ hyperparameters: Hyperparameters; count: number }>;
}

export interface ScoringRecord {
  setting: string;
  metric: string;
  description: string;
  /** Hyperparameters of the submitted scores (chosen on all models of the setting by the protocol's rule). */
  hyperparameters: Hyperparameters;
  /** Score per model exactly as written to the submission file. */
  scores: Record<string, number>;
  /** Downstream score per model: for plots in reports only (never passed to metric code). */
  downstream: Record<string, number>;
  verify: VerifyResult;
  heldOut: HeldOutResult;
  /** Recorded floor of the held-out mean Spearman, or null when none is recorded yet. */
  floor: number | null;
  /** Cost of the statistics: the proxy corpus's, and, for a metric that reads probes, each probe's extra. */
  cost: { engine: string; device: string; tokensProcessed: number; wallSeconds: number; probes?: ProbeCost[] };
  paths: { submission: string; verify: string; claim: string };
  codeRevision: string;
  /** Each model's curve at the submitted hyperparameters, for a metric that defines one (MetricDefinition.curve). */
  curve?: ScoringCurve;
}

/** What a probe's derived documents cost beyond the proxy corpus, summed over the setting's models. */
export interface ProbeCost {
  probe: string;
  version: number;
  tokensProcessed: number;
  wallSeconds: number;
}

export interface ScoringCurve {
  xLabel: string;
  yLabel: string;
  models: Array<{ model: string; points: Array<{ x: number; y: number }> }>;
}
