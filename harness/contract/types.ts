// The benchmark contract: settings, submissions, downstream targets and verifier results.
// Downstream targets are deliberately not reachable from metric code: see harness/contract/README.md.

import type { EngineId } from '../engine/ids.ts';
import type { TaskConfig } from '../tasks/types.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import type { ModelManifest } from './model-manifest.ts';

/** Downstream tasks a setting's downstream file is computed from here (harness/tasks), when it is. */
export interface DownstreamTasks {
  config: TaskConfig;
  /** Haystack text of the tasks, relative to the repository root. */
  haystackPath: string;
}

/**
 * A setting, as one object: model list, proxy corpus, downstream target and metric key, the token-statistics
 * spec every model is scored with, the downstream tasks (when computed here), the engine, and the model manifest
 * (when the checkpoints come from elsewhere and their configs are checked before any forward).
 */
export interface Setting {
  /** e.g. "locked-no4k", "zoo", "fixture" */
  id: string;
  description: string;
  /** Model ids in the order the benchmark lists them. */
  models: readonly string[];
  /** Proxy corpus JSON, relative to the repository root. */
  corpusPath: string;
  /** Downstream target JSON, relative to the repository root. */
  downstreamPath: string;
  /** Key of the score in submission rows (the verifier's --metric-key). */
  metricKey: string;
  /**
   * Where the weights of each model are found: a local folder per model id, or undefined when the harness
   * should look in the local Hugging Face cache (see harness/engine/resolve.ts).
   */
  modelDirs?: Readonly<Record<string, string>>;
  /** Engine that produces the token statistics of this setting by default (harness/engine/index.ts). */
  engine: EngineId;
  /** Token-statistics spec of every model of the setting: never derived from a model's config. With a manifest,
   *  each model's RoPE policy, long context and overrides are applied to it (harness/scoring/setting-specs.ts). */
  statsSpec: StatsSpec;
  /** How the downstream file is computed here (`longproxy downstream`); absent when it comes from elsewhere. */
  downstreamTasks?: DownstreamTasks;
  /** Expected config of each model (harness/contract/model-manifest.ts); absent for models built here. */
  manifest?: ModelManifest;
}

/** Scores keyed by model id, as read from a submission (either accepted format). */
export type ScoresByModel = Record<string, number>;

/** One document of a proxy corpus. */
export interface CorpusDocument {
  id: string;
  text: string;
}

export interface ProxyCorpus {
  /** Path the corpus was read from. */
  path: string;
  /** sha256 of the file bytes. */
  sha256: string;
  documents: CorpusDocument[];
}

/** Output of both verifiers (Python reference and TypeScript), field for field. An undefined statistic is NaN
 *  in memory and null in the JSON file (harness/verify/result-json.ts). */
export interface VerifyResult {
  n_models: number;
  metric_key: string;
  spearman: { rho: number; p_value: number; ci95: [number, number] };
  pearson: { r: number; p_value: number };
  skipped_spearman: { rho: number; p_value: number; outliers: string[]; ci95: [number, number] };
  /** valid: replicates kept per statistic (undefined ones are dropped); written by both verifiers. */
  bootstrap: { n_boot: number; seed: number; valid?: { spearman: number; skipped_spearman: number } };
  submission_sha256: string;
  downstream_sha256: string;
  /** MinCovDet consistency-correction rule used for the skipped Spearman. */
  mcd_correction?: 'sklearn<=1.7' | 'sklearn>=1.8';
  /** "python-reference" or "typescript". */
  verifier?: string;
  /** Library versions of the verifier that wrote the file (excluded from golden comparisons). */
  versions?: Record<string, string>;
  [extra: string]: unknown;
}
