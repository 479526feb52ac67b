// What one report page shows: a ScoringRecord of the run (or one rebuilt from a claim bundle), plus what only the
// claim bundle holds (direction, rule, per-model compute) and the checks of the files it names.
import type { VerifyResult } from '../contract/types.ts';
import type { HeldOutResult, Hyperparameters, ProbeCost, ScoringCurve, ScoringRecord } from '../scoring/types.ts';

export interface ModelCost {
  model: string;
  tokensProcessed: number;
  wallSeconds: number;
  engine: string;
  device: string;
}

/** A file the claim names, checked at report time: its sha256 against the one the verifier recorded. */
export interface FileCheck {
  label: string;
  path: string;
  expectedSha256: string | null;
  /** sha256 of the file on disk now; null when it is missing. */
  actualSha256: string | null;
}

export interface ReportEntry {
  setting: string;
  metric: string;
  description: string;
  /** 'lower-is-better' | 'higher-is-better', when the claim bundle says. */
  direction?: string;
  scoreMeaning?: string;
  hyperparameters: Hyperparameters;
  hyperparameterRule?: string;
  /** Submitted (oriented) score per model. */
  scores: Record<string, number>;
  /** Downstream score per model, or null with the reason in downstreamNote. */
  downstream: Record<string, number> | null;
  downstreamNote?: string;
  verify: VerifyResult;
  heldOut: HeldOutResult;
  floor: number | null;
  cost: {
    engine: string;
    device: string;
    tokensProcessed: number;
    /** Wall-clock of the model forwards behind the statistics. */
    wallSeconds: number;
    scoringWallSeconds?: number;
    models?: ModelCost[];
    /** Extra tokens and forward seconds of each probe the metric reads. */
    probes?: ProbeCost[];
  };
  /** Each model's curve (metrics that define one): drawn on the page beside the scatter. */
  curve?: ScoringCurve;
  paths: { submission: string; verify: string; claim: string };
  codeRevision: string;
  seeds?: { heldOutSplits?: number; verifierBootstrap?: number };
  /** 'run': from this Vitest run's test metadata; 'claims': rebuilt from results/claims. */
  source: 'run' | 'claims';
  files: FileCheck[];
}

export type FloorStatus = 'pass' | 'fail' | 'no-floor';

/** Same rule as the scoring suite's floor test: the held-out mean must be at or above the floor. */
export function floorStatus(e: Pick<ReportEntry, 'floor' | 'heldOut'>): FloorStatus {
  if (e.floor === null || e.floor === undefined || !Number.isFinite(e.floor)) return 'no-floor';
  return e.heldOut.mean >= e.floor ? 'pass' : 'fail';
}

/** Optional claim-bundle fields that enrich a run's record (all may be absent). */
export interface ClaimExtras {
  direction?: string;
  scoreMeaning?: string;
  hyperparameterRule?: string;
  scoringWallSeconds?: number;
  models?: ModelCost[];
  seeds?: { heldOutSplits?: number; verifierBootstrap?: number };
}

export function entryFromRecord(r: ScoringRecord, extras: ClaimExtras = {}, files: FileCheck[] = []): ReportEntry {
  return {
    setting: r.setting,
    metric: r.metric,
    description: r.description,
    direction: extras.direction,
    scoreMeaning: extras.scoreMeaning,
    hyperparameters: r.hyperparameters,
    hyperparameterRule: extras.hyperparameterRule,
    scores: r.scores,
    downstream: r.downstream,
    verify: r.verify,
    heldOut: r.heldOut,
    floor: r.floor,
    cost: { ...r.cost, scoringWallSeconds: extras.scoringWallSeconds, models: extras.models },
    paths: r.paths,
    codeRevision: r.codeRevision,
    seeds: extras.seeds,
    ...(r.curve ? { curve: r.curve } : {}),
    source: 'run',
    files,
  };
}

/** Leaderboard order: held-out mean Spearman (the honest number) first, then full-set Spearman, then the id. */
export function compareEntries(a: ReportEntry, b: ReportEntry): number {
  const key = (x: number) => (Number.isFinite(x) ? x : -Infinity);
  return (
    key(b.heldOut.mean) - key(a.heldOut.mean) ||
    key(b.verify.spearman.rho ?? NaN) - key(a.verify.spearman.rho ?? NaN) ||
    (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)
  );
}
