// Shared by `longproxy score` and `longproxy floors --update`: score the selected metrics on the selected
// settings, one line per (setting, metric), and the reference-verifier golden files on request. Both are explicit
// records: they write results/ (or LONGPROXY_RESULTS_DIR). The metrics come from the caller (the CLI passes
// metrics/registry.ts), so the library never imports metric code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { getSetting, listSettings } from '../contract/settings/index.ts';
import type { Setting } from '../contract/types.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { runReferenceBatch, pythonUnavailableReason } from '../verify/python-reference.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { Metric } from './metric.ts';
import { scoreMetric } from './pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { recordEnv, runEnv, separateResults } from './run-env.ts';
import { loadSettingStats } from './stats-source.ts';
import { declaredProbes } from '../probes/load.ts';
import { checkSettingFiles } from '../contract/setting-files.ts';
import { heldOutLine } from './held-out-line.ts';
import { goldenPath, recordedPaths } from './recorded.ts';
import { DEFAULT_N_BOOT, DEFAULT_SEED } from '../verify/core.ts';

export interface Selection {
  settings: Setting[];
  metrics: Metric<any>[];
}

/** The settings and metrics to score: all of `registry`, or the one named. */
export function select(registry: readonly Metric<any>[], settingId?: string, metricId?: string): Selection {
  const settings = settingId ? [getSetting(settingId)] : [...listSettings()];
  let metrics = [...registry];
  if (metricId) {
    const m = registry.find((x) => x.id === metricId);
    if (!m) throw new UserError(`--metric: unknown metric "${metricId}"; known: ${registry.map((x) => x.id).join(', ')}`);
    metrics = [m];
  }
  return { settings, metrics };
}

/** Scores every selected pair; returns how many were scored (settings without statistics are reported and skipped). */
export async function scoreSelected(
  sel: Selection,
  opts: {
    updateFloor: boolean;
    golden: boolean;
    onRecord?: (rec: Awaited<ReturnType<typeof scoreMetric>>) => void;
    /** --override items (checked by the CLI), added to LONGPROXY_OVERRIDE's: recorded in each spec and claim. */
    overrides?: readonly string[];
  },
): Promise<number> {
  let scored = 0;
  const env = recordEnv();
  if (opts.golden && separateResults(env)) {
    throw new UserError(`--golden writes the golden files of the recorded submissions; unset LONGPROXY_RESULTS_DIR (now ${env.resultsDir})`);
  }
  for (const setting of sel.settings) {
    // The setting's present files are validated first (a bad one is an error, never a skip).
    checkSettingFiles(setting, REPO_ROOT);
    const fill = runEnv();
    const stats = await loadSettingStats(setting, REPO_ROOT, { ...fill, overrides: [...new Set([...fill.overrides, ...(opts.overrides ?? [])])] }, declaredProbes(sel.metrics));
    if (!stats.ok) {
      console.log(`[skip] ${setting.id}: ${stats.reason}`);
      continue;
    }
    const downstream = loadDownstream(path.join(REPO_ROOT, setting.downstreamPath), { expectedModels: setting.models });
    for (const metric of sel.metrics) {
      const rec = await scoreMetric(metric, setting, stats.stats, { path: setting.downstreamPath, values: downstream.values }, {
        updateFloor: opts.updateFloor,
        resultsDir: env.resultsDir,
      });
      console.log(heldOutLine(rec));
      opts.onRecord?.(rec);
      scored++;
      if (opts.golden) await writeGolden(setting, metric);
    }
  }
  return scored;
}

/** Runs the Python reference verifier on the committed submission and stores its output as the golden file. */
async function writeGolden(setting: Setting, metric: Metric<any>): Promise<void> {
  const why = pythonUnavailableReason();
  if (why) throw new UserError(`--golden needs the Python reference verifier: ${why}`);
  const paths = recordedPaths(setting.id, metric.id);
  const tmpOut = path.join(REPO_ROOT, `${goldenPath(setting.id, metric.id)}.reference.tmp`);
  const [run] = await runReferenceBatch([
    ['--submission', paths.submission, '--metric-key', setting.metricKey, '--downstream', setting.downstreamPath,
     '--n-boot', String(DEFAULT_N_BOOT), '--seed', String(DEFAULT_SEED), '--out', tmpOut],
  ]);
  if (run.code !== 0) throw new Error(`reference verifier failed on ${paths.submission} (exit ${run.code}): ${run.stderr}`);
  const text = readFileSync(tmpOut, 'utf8');
  writeFileAtomic(path.join(REPO_ROOT, goldenPath(setting.id, metric.id)), text);
  (await import('node:fs')).rmSync(tmpOut, { force: true });
  console.log(`[golden] ${goldenPath(setting.id, metric.id)} written by the Python reference`);
}
