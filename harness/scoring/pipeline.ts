// One scoring run of a metric on a setting: grid scores from token statistics, held-out protocol, submission,
// TypeScript verification, floor lookup (or recording, when asked), claim bundle. The only place where metric
// scores meet downstream scores, and it never hands the latter to metric code.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Setting } from '../contract/types.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256 } from '../util/hash.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { DEFAULT_N_BOOT, DEFAULT_SEED, verifySubmission } from '../verify/index.ts';
import { claimText, sameClaimResults, submissionText, type ClaimBundle } from './artifacts.ts';
import { getFloor, recordFloor, type FloorEntry } from './floors.ts';
import { gridCandidates } from './grid.ts';
import { DEFAULT_HELD_OUT, runHeldOut, type HeldOutOptions } from './heldout.ts';

export { gridCandidates };
import type { Metric } from './metric.ts';
import { codeRevision, inHistory, revisionLabel } from './revision.ts';
import { runEnv } from './run-env.ts';
import type { ProbeCost, ScoringCurve, ScoringRecord } from './types.ts';


/** Files of one scoring run, under resultsDir (default: run-env.ts, runs/latest for a plain run; relative to the root). */
export const artifactPaths = (setting: string, metric: string, resultsDir = runEnv().resultsDir) => ({
  submission: `${resultsDir}/submissions/${setting}/${metric}.json`,
  verify: `${resultsDir}/verify/${setting}/${metric}.json`,
  claim: `${resultsDir}/claims/${setting}/${metric}.json`,
});

export interface ScoreOptions {
  heldOut?: HeldOutOptions;
  nBoot?: number;
  bootSeed?: number;
  /** Record the floor from this run's measured held-out mean. */
  updateFloor?: boolean;
  /** Repository root the artifact paths are relative to. */
  root?: string;
  /** Folder of submissions/, verify/, claims/ (default: runEnv().resultsDir). */
  resultsDir?: string;
  floorsPath?: string;
}

export async function scoreMetric(
  metric: Metric<any>,
  setting: Setting,
  stats: readonly ModelCorpusStats[],
  downstream: { path: string; values: Record<string, number> },
  opts: ScoreOptions = {},
): Promise<ScoringRecord> {
  const t0 = performance.now();
  const root = opts.root ?? REPO_ROOT;
  const abs = (p: string) => path.resolve(root, p);
  const missing = setting.models.filter((m) => !stats.some((s) => s.model === m));
  if (missing.length) throw new Error(`${setting.id}: no token statistics for ${missing.join(', ')}`);
  const byModel = setting.models.map((m) => stats.find((s) => s.model === m)!);

  const heldOutOpts = opts.heldOut ?? DEFAULT_HELD_OUT;
  const { heldOut, final } = runHeldOut(setting.models, downstream.values, gridCandidates(metric, byModel), heldOutOpts);

  const paths = artifactPaths(setting.id, metric.id, opts.resultsDir);
  const text = submissionText(final.scores, setting.models, setting.metricKey);
  writeFileAtomic(abs(paths.submission), text);
  const nBoot = opts.nBoot ?? DEFAULT_N_BOOT;
  const bootSeed = opts.bootSeed ?? DEFAULT_SEED;
  const verify = await verifySubmission({
    submissionPath: abs(paths.submission),
    downstreamPath: abs(downstream.path),
    metricKey: setting.metricKey,
    nBoot,
    seed: bootSeed,
    expectedModels: setting.models,
    outPath: abs(paths.verify),
  });

  const rev = codeRevision(root);
  const floorsPath = opts.floorsPath ?? abs('results/floors.json');
  let floor: FloorEntry | undefined = getFloor(setting.id, metric.id, floorsPath);
  if (opts.updateFloor) floor = recordFloor(setting.id, metric.id, heldOut, revisionLabel(rev), floorsPath);

  const engines = [...new Set(byModel.map((s) => s.cost.engine))].join('+');
  const devices = [...new Set(byModel.map((s) => s.cost.device))].join('+');
  const tokensProcessed = byModel.reduce((a, s) => a + s.cost.tokensProcessed, 0);
  const statsWall = byModel.reduce((a, s) => a + s.cost.wallSeconds, 0);
  // Probes the metric reads: their extra tokens and seconds, summed over models and per model (absent otherwise).
  const probeIds = metric.probes ?? [];
  const probeOfModel = (s: ModelCorpusStats, id: string) => {
    const p = s.probes?.[id];
    if (!p) throw new Error(`${setting.id}/${metric.id}: statistics of ${s.model} lack probe ${id}`);
    return p;
  };
  const probeCosts: ProbeCost[] = probeIds.map((id) => ({
    probe: id,
    version: probeOfModel(byModel[0], id).version,
    tokensProcessed: byModel.reduce((a, s) => a + probeOfModel(s, id).cost.tokensProcessed, 0),
    wallSeconds: Number(byModel.reduce((a, s) => a + probeOfModel(s, id).cost.wallSeconds, 0).toFixed(3)),
  }));
  const curve: ScoringCurve | undefined = metric.curve
    ? (() => {
        const per = byModel.map((s) => ({ model: s.model, c: metric.curve!(s, final.hyperparameters) }));
        return { xLabel: per[0].c.xLabel, yLabel: per[0].c.yLabel, models: per.map((p) => ({ model: p.model, points: p.c.points })) };
      })()
    : undefined;
  const record: ScoringRecord = {
    setting: setting.id,
    metric: metric.id,
    description: metric.description,
    hyperparameters: final.hyperparameters,
    scores: final.scores,
    downstream: Object.fromEntries(setting.models.map((m) => [m, downstream.values[m]])),
    verify,
    heldOut,
    floor: floor?.floor ?? null,
    cost: { engine: engines, device: devices, tokensProcessed, wallSeconds: statsWall, ...(probeIds.length ? { probes: probeCosts } : {}) },
    paths,
    codeRevision: revisionLabel(rev),
    ...(curve ? { curve } : {}),
  };
  const claim: ClaimBundle = {
    setting: setting.id,
    metric: metric.id,
    description: metric.description,
    direction: metric.direction,
    scoreMeaning:
      metric.direction === 'higher-is-better'
        ? 'the raw metric value (higher ranks better)'
        : 'the raw metric value negated, so that higher ranks better',
    code: rev,
    submission: { path: paths.submission, sha256: sha256(text) },
    hyperparameters: final.hyperparameters,
    hyperparameterRule:
      'grid point with the highest Spearman against downstream on all models of the setting (ties: earliest grid point); the held-out protocol applies the same rule to train models only',
    seeds: { heldOutSplits: heldOut.seed, verifierBootstrap: bootSeed },
    heldOut,
    floor: record.floor,
    compute: {
      engine: engines,
      device: devices,
      tokensProcessed,
      statsWallSeconds: statsWall,
      scoringWallSeconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
      // The RoPE policy and overrides appear only when set: claims of settings without a manifest are unchanged.
      models: byModel.map((s) => ({
        model: s.model,
        ...s.cost,
        ...(s.spec.rope ? { rope: s.spec.rope } : {}),
        ...(s.spec.overrides?.length ? { overrides: s.spec.overrides } : {}),
        ...(probeIds.length
          ? { probes: Object.fromEntries(probeIds.map((id) => [id, { tokensProcessed: probeOfModel(s, id).cost.tokensProcessed, wallSeconds: probeOfModel(s, id).cost.wallSeconds }])) }
          : {}),
      })),
      ...(probeIds.length ? { probes: probeCosts } : {}),
    },
    verify: { path: paths.verify, result: verify },
    ...(curve ? { curve } : {}),
  };
  writeClaim(abs(paths.claim), claim, root);
  return record;
}

/** Writes the claim unless the one on disk holds the same results (it differs only in the code revision it was
 *  made at and in the scoring wall time): recording again what did not change changes no file. A claim made at
 *  a dirty revision, or at a commit outside HEAD's history (rebased away), is replaced. */
function writeClaim(file: string, claim: ClaimBundle, root: string): void {
  if (existsSync(file)) {
    let old: ClaimBundle | undefined;
    try {
      old = JSON.parse(readFileSync(file, 'utf8')) as ClaimBundle;
    } catch {
      old = undefined; // unreadable: replace it
    }
    const keep = old && sameClaimResults(old, claim) && !(old.code?.dirty && !claim.code.dirty) && inHistory(String(old.code?.commit), root);
    if (keep) return;
  }
  writeFileAtomic(file, claimText(claim));
}
