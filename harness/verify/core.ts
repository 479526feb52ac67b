// The verifier's pure core: parsed scores and downstream values in, VerifyResult out. No files, no clock.
// Conventions shared with scripts/verify_locked_no4k.py (see its docstring): models in code-point order of ids,
// one RandomState(seed) stream of randint(0, n, n) resamples shared by both Spearmans, undefined replicates
// dropped, numpy's linear percentiles; an impossible MCD fit makes the skipped Spearman undefined (outliers []).
import { UserError } from '../errors.ts';
import type { ScoresByModel, VerifyResult } from '../contract/types.ts';
import { sortedIds } from '../contract/scores.ts';
import { bootstrap, ci95 } from '../stats/bootstrap.ts';
import { pearson } from '../stats/pearson.ts';
import { spearman } from '../stats/spearman.ts';
/** Same union as harness/stats/mincovdet.ts; declared here so the verifier's options do not depend on it. */
export type McdCorrection = 'sklearn<=1.7' | 'sklearn>=1.8';
import { skippedSpearman } from './skipped-spearman.ts';

export const MCD_CORRECTIONS: readonly McdCorrection[] = ['sklearn<=1.7', 'sklearn>=1.8'];
/** The rule of the Python reference on these machines (Debian's scikit-learn 1.2.1). */
export const DEFAULT_MCD_CORRECTION: McdCorrection = 'sklearn<=1.7';
export const DEFAULT_N_BOOT = 2000;
export const DEFAULT_SEED = 0;

export interface VerifyCoreInput {
  scores: ScoresByModel;
  downstream: Readonly<Record<string, number>>;
  metricKey: string;
  nBoot: number;
  seed: number;
  mcdCorrection?: McdCorrection;
  submissionSha256?: string;
  downstreamSha256?: string;
  /** Names the submission in error messages (a file path, or e.g. "held-out fold 3"). */
  submissionLabel?: string;
  onProgress?: (done: number, total: number) => void;
}

export function checkVerifyOptions(nBoot: number, seed: number, mcdCorrection: string, where = 'options'): void {
  if (!Number.isInteger(nBoot) || nBoot < 1) throw new UserError(`${where}: n-boot must be an integer >= 1, got ${nBoot}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new UserError(`${where}: seed must be an integer in [0, 2**32), got ${seed}`);
  }
  if (!MCD_CORRECTIONS.includes(mcdCorrection as McdCorrection)) {
    throw new UserError(`${where}: mcd-correction must be one of ${MCD_CORRECTIONS.join(', ')}, got ${mcdCorrection}`);
  }
}

export function verifyScores(input: VerifyCoreInput): VerifyResult {
  const correction = input.mcdCorrection ?? DEFAULT_MCD_CORRECTION;
  checkVerifyOptions(input.nBoot, input.seed, correction);
  const label = input.submissionLabel ?? 'submission';
  const models = sortedIds(Object.keys(input.downstream));
  const has = (m: string) => Object.prototype.hasOwnProperty.call(input.scores, m);
  const missing = models.filter((m) => !has(m));
  const want = new Set(models);
  const extra = sortedIds(Object.keys(input.scores).filter((m) => !want.has(m)));
  if (missing.length || extra.length) {
    throw new UserError(`${label}: missing models ${JSON.stringify(missing)}, extra models ${JSON.stringify(extra)}; score exactly the downstream models`);
  }
  for (const m of models) {
    if (!Number.isFinite(input.scores[m])) throw new UserError(`${label}: the score of model ${JSON.stringify(m)} is non-finite`);
    if (!Number.isFinite(input.downstream[m])) throw new Error(`downstream value of ${m} is non-finite`);
  }
  const x = models.map((m) => input.scores[m]);
  const y = models.map((m) => input.downstream[m]);

  const s = spearman(x, y);
  const p = pearson(x, y);
  const k = skippedSpearman(x, y, correction);
  const outliers = k.outliers ? sortedIds(models.filter((_, i) => k.outliers![i])) : [];

  const pick = (v: readonly number[], idx: readonly number[]) => idx.map((i) => v[i]);
  const draws = bootstrap(
    models.length,
    input.nBoot,
    input.seed,
    {
      spearman: (idx) => spearman(pick(x, idx), pick(y, idx)).r,
      skipped_spearman: (idx) => skippedSpearman(pick(x, idx), pick(y, idx), correction).r,
    },
    input.onProgress && ((done) => input.onProgress!(done, input.nBoot)),
  );

  return {
    n_models: models.length,
    metric_key: input.metricKey,
    spearman: { rho: s.r, p_value: s.pValue, ci95: ci95(draws.kept.spearman) },
    pearson: { r: p.r, p_value: p.pValue },
    skipped_spearman: { rho: k.r, p_value: k.pValue, outliers, ci95: ci95(draws.kept.skipped_spearman) },
    bootstrap: {
      n_boot: input.nBoot,
      seed: input.seed,
      valid: { spearman: draws.kept.spearman.length, skipped_spearman: draws.kept.skipped_spearman.length },
    },
    submission_sha256: input.submissionSha256 ?? '',
    downstream_sha256: input.downstreamSha256 ?? '',
    mcd_correction: correction,
  };
}
