// TEST INPUT ONLY: a small synthetic scoring case for the report tests, written to a temporary folder (never to
// results/). The numbers are made up from a seed. Spearman, Pearson, bootstrap intervals and the held-out protocol
// are computed on them with the harness's own statistics; the skipped Spearman's outlier is planted (not found by
// the MCD rule), so these tests do not depend on the verifier. The files are the ones a scoring run writes.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../util/rng.ts';
import { claimText, roundScore, submissionText, type ClaimBundle } from '../../scoring/artifacts.ts';
import { sha256 } from '../../util/hash.ts';
import { runHeldOut } from '../../scoring/heldout.ts';
import type { ScoringRecord } from '../../scoring/types.ts';
import type { VerifyResult } from '../../contract/types.ts';
import { bootstrap, ci95 } from '../../stats/bootstrap.ts';
import { pearson } from '../../stats/pearson.ts';
import { spearman } from '../../stats/spearman.ts';

/** A model id a page must show as text, never as markup. */
export const HOSTILE_MODEL = '<script>alert(1)</script>&"';
export const HOSTILE_METRIC_DESCRIPTION = 'test metric <b>not bold</b> & "quoted" \'single\' </script><!--';

export interface SyntheticCaseOptions {
  setting?: string;
  metric?: string;
  nModels?: number;
  seed?: number;
  /** How much the submitted score follows the hidden quality (1 = fully, 0 = not at all). */
  signal?: number;
  floor?: number | null;
  /** Include HOSTILE_MODEL among the models. */
  hostile?: boolean;
  /** Model ids to use instead of the generated ones (e.g. to look at a page with real-length names). */
  models?: string[];
}

export interface SyntheticCase {
  record: ScoringRecord;
  claim: ClaimBundle;
  downstreamPath: string;
}

/** Writes submission, verifier output, downstream file and claim bundle under root, and returns the record a
 *  scoring suite would attach to its test. */
export function writeSyntheticCase(root: string, opts: SyntheticCaseOptions = {}): SyntheticCase {
  const setting = opts.setting ?? 'test-setting';
  const metric = opts.metric ?? 'test-metric';
  const n = opts.models?.length ?? opts.nModels ?? 14;
  const signal = opts.signal ?? 0.8;
  const rng = new Rng(opts.seed ?? 7);
  const models = opts.models ? [...opts.models] : Array.from({ length: n }, (_, i) => `test-org/tiny-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? i : ''}-${(i + 1) * 10}M`);
  if (opts.hostile ?? true) models[1] = HOSTILE_MODEL;
  // Quality and downstream depend on the setting only (every metric of a setting sees one downstream file); the
  // case's seed drives the metric's noise.
  const rngQ = new Rng(setting.length * 7919 + n);
  const quality = models.map(() => rngQ.next());
  const downstream = Object.fromEntries(models.map((m, i) => [m, Number((20 + 60 * quality[i] + 6 * rngQ.next()).toFixed(2))]));
  // One planted outlier: a good downstream score with a bad proxy score.
  const planted = models[n - 1];
  downstream[planted] = 95;
  // Two grid points: a noisier and a cleaner version of the same signal, so the protocol has a choice to make.
  const candidates = [0.5, 1].map((clean) => ({
    hyperparameters: { window: clean === 1 ? 4096 : 1024, skipFirst: 0 },
    scores: Object.fromEntries(
      models.map((m, i) => [m, roundScore(-(3.2 - signal * clean * quality[i] - (1 - signal * clean) * rng.next() + (m === planted ? 1.5 : 0)))]),
    ),
  }));
  const { heldOut, final } = runHeldOut(models, downstream, candidates, { nSplits: 40, trainFraction: 2 / 3, seed: 5 });

  const paths = {
    submission: `results/submissions/${setting}/${metric}.json`,
    verify: `results/verify/${setting}/${metric}.json`,
    claim: `results/claims/${setting}/${metric}.json`,
  };
  const downstreamPath = `results/downstream/${setting}.json`;
  const subText = submissionText(final.scores, models, 'score');
  const downText = `${JSON.stringify(downstream, null, 2)}\n`;
  const verify = syntheticVerify(models, final.scores, downstream, [planted], sha256(subText), sha256(downText));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write(paths.submission, subText);
  write(paths.verify, `${JSON.stringify(verify, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  write(downstreamPath, downText);

  const cost = { engine: 'onnx', device: 'cpu', tokensProcessed: 1_234_567, wallSeconds: 321.5 };
  const record: ScoringRecord = {
    setting,
    metric,
    description: HOSTILE_METRIC_DESCRIPTION,
    hyperparameters: final.hyperparameters,
    scores: final.scores,
    downstream,
    verify,
    heldOut,
    floor: opts.floor === undefined ? 0.3 : opts.floor,
    cost,
    paths,
    codeRevision: '0123456789abcdef0123456789abcdef01234567',
  };
  const claim: ClaimBundle = {
    setting,
    metric,
    description: record.description,
    direction: 'lower-is-better',
    scoreMeaning: 'the raw metric value negated, so that higher ranks better',
    code: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    submission: { path: paths.submission, sha256: sha256(subText) },
    hyperparameters: final.hyperparameters,
    hyperparameterRule: 'grid point with the highest Spearman on all models (test input)',
    seeds: { heldOutSplits: heldOut.seed, verifierBootstrap: 3 },
    heldOut,
    floor: record.floor,
    compute: {
      engine: cost.engine,
      device: cost.device,
      tokensProcessed: cost.tokensProcessed,
      statsWallSeconds: cost.wallSeconds,
      scoringWallSeconds: 1.25,
      models: models.map((model) => ({ model, tokensProcessed: Math.round(cost.tokensProcessed / n), wallSeconds: cost.wallSeconds / n, engine: 'onnx', device: 'cpu' })),
    },
    verify: { path: paths.verify, result: verify },
  };
  write(paths.claim, claimText(claim));
  return { record, claim, downstreamPath };
}

/** Verifier-shaped statistics of the synthetic scores; the outliers are given, not detected. */
function syntheticVerify(
  models: readonly string[],
  scores: Record<string, number>,
  downstream: Record<string, number>,
  outliers: readonly string[],
  submissionSha: string,
  downstreamSha: string,
): VerifyResult {
  const x = models.map((m) => scores[m]);
  const y = models.map((m) => downstream[m]);
  const keep = models.map((m, i) => (outliers.includes(m) ? -1 : i)).filter((i) => i >= 0);
  const pick = (v: readonly number[], idx: readonly number[]) => idx.map((i) => v[i]);
  const s = spearman(x, y);
  const p = pearson(x, y);
  const k = spearman(pick(x, keep), pick(y, keep));
  const draws = bootstrap(models.length, 200, 3, {
    spearman: (idx) => spearman(pick(x, idx), pick(y, idx)).r,
    skipped: (idx) => {
      const kept = idx.filter((i) => keep.includes(i));
      return spearman(pick(x, kept), pick(y, kept)).r;
    },
  });
  return {
    n_models: models.length,
    metric_key: 'score',
    spearman: { rho: s.r, p_value: s.pValue, ci95: ci95(draws.kept.spearman) },
    pearson: { r: p.r, p_value: p.pValue },
    skipped_spearman: { rho: k.r, p_value: k.pValue, outliers: [...outliers], ci95: ci95(draws.kept.skipped) },
    bootstrap: { n_boot: 200, seed: 3, valid: { spearman: draws.kept.spearman.length, skipped_spearman: draws.kept.skipped.length } },
    submission_sha256: submissionSha,
    downstream_sha256: downstreamSha,
    mcd_correction: 'sklearn<=1.7',
    verifier: 'synthetic test input (outliers planted)',
  };
}
