// Byte-stable text of the files a scoring run writes: the submission (official row format) and the claim bundle.
import type { VerifyResult } from '../contract/types.ts';
import type { CodeRevision } from './revision.ts';
import type { HeldOutResult, Hyperparameters, ProbeCost, ScoringCurve } from './types.ts';

/** Scores are written with 12 significant digits: enough for any ranking, and free of last-bit differences
 *  between machines. The rounded value is the score everywhere (held-out protocol, verifier, reports). */
export function roundScore(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
}

/** Official submission: a JSON list of {"model": id, <metricKey>: score} in the setting's model order. */
export function submissionText(scores: Record<string, number>, models: readonly string[], metricKey: string): string {
  const rows = models.map((model) => {
    const s = scores[model];
    if (!Number.isFinite(s)) throw new Error(`submission: score of ${model} is ${s}; the verifier rejects non-finite scores`);
    return { model, [metricKey]: s };
  });
  return `${JSON.stringify(rows, null, 2)}\n`;
}

export interface ClaimBundle {
  setting: string;
  metric: string;
  description: string;
  direction: string;
  /** What the submitted score is: the raw metric value, or its negation so that higher ranks better. */
  scoreMeaning: string;
  code: CodeRevision;
  submission: { path: string; sha256: string };
  hyperparameters: Hyperparameters;
  hyperparameterRule: string;
  seeds: { heldOutSplits: number; verifierBootstrap: number };
  heldOut: HeldOutResult;
  floor: number | null;
  compute: {
    engine: string;
    device: string;
    tokensProcessed: number;
    /** Wall-clock of the model forwards that produced the statistics (from the cache). */
    statsWallSeconds: number;
    /** Wall-clock of this scoring run (metric over the grid, held-out protocol, verification). */
    scoringWallSeconds: number;
    /** Per model: its cost, and, when set, the RoPE policy and manifest overrides of its statistics spec. */
    models: Array<{
      model: string;
      tokensProcessed: number;
      wallSeconds: number;
      engine: string;
      device: string;
      rope?: string;
      overrides?: string[];
      /** Per probe the metric reads: what its derived documents cost for this model. */
      probes?: Record<string, { tokensProcessed: number; wallSeconds: number }>;
    }>;
    /** Per probe the metric reads: its extra tokens and forward seconds over all models (beyond tokensProcessed). */
    probes?: ProbeCost[];
  };
  verify: { path: string; result: VerifyResult };
  /** Each model's curve at the submitted hyperparameters (metrics that define one). */
  curve?: ScoringCurve;
}

export function claimText(claim: ClaimBundle): string {
  return `${JSON.stringify(claim, null, 2)}\n`;
}

/** True when two claims state the same results: equal but for the code revision and the scoring wall time. */
export function sameClaimResults(a: ClaimBundle, b: ClaimBundle): boolean {
  const strip = (c: ClaimBundle) => ({ ...c, code: null, compute: { ...c.compute, scoringWallSeconds: null } });
  return claimText(strip(a) as unknown as ClaimBundle) === claimText(strip(b) as unknown as ClaimBundle);
}
