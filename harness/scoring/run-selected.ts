// Shared by `longproxy score` and `longproxy floors --update`: score the selected metrics on the selected
// settings, one line per (setting, metric), and the reference-verifier golden files on request.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { getSetting, listSettings } from '../contract/settings/index.ts';
import type { Setting } from '../contract/types.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { runReferenceBatch, pythonUnavailableReason } from '../verify/python-reference.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { METRICS, getMetric } from '../../metrics/registry.ts';
import type { Metric } from './metric.ts';
import { artifactPaths, scoreMetric } from './pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { runEnv, separateResults } from './run-env.ts';
import { loadSettingStats } from './stats-source.ts';
import { checkSettingFiles } from '../contract/setting-files.ts';
import { goldenPath, heldOutLine } from './suite.ts';
import { DEFAULT_N_BOOT, DEFAULT_SEED } from '../verify/core.ts';

export interface Selection {
  settings: Setting[];
  metrics: Metric<any>[];
}

export function select(settingId?: string, metricId?: string): Selection {
  const settings = settingId ? [getSetting(settingId)] : [...listSettings()];
  let metrics = [...METRICS];
  if (metricId) {
    const m = getMetric(metricId);
    if (!m) throw new UserError(`--metric: unknown metric "${metricId}"; known: ${METRICS.map((x) => x.id).join(', ')}`);
    metrics = [m];
  }
  return { settings, metrics };
}

/** Scores every selected pair; returns how many were scored (settings without statistics are reported and skipped). */
export async function scoreSelected(
  sel: Selection,
  opts: { updateFloor: boolean; golden: boolean; onRecord?: (rec: Awaited<ReturnType<typeof scoreMetric>>) => void },
): Promise<number> {
  let scored = 0;
  for (const setting of sel.settings) {
    // The setting's present files are validated first (a bad one is an error, never a skip).
    checkSettingFiles(setting, REPO_ROOT);
    const stats = await loadSettingStats(setting);
    if (!stats.ok) {
      console.log(`[skip] ${setting.id}: ${stats.reason}`);
      continue;
    }
    const downstream = loadDownstream(path.join(REPO_ROOT, setting.downstreamPath), { expectedModels: setting.models });
    for (const metric of sel.metrics) {
      const rec = await scoreMetric(metric, setting, stats.stats, { path: setting.downstreamPath, values: downstream.values }, opts);
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
  if (separateResults(runEnv(), REPO_ROOT)) {
    throw new UserError(`--golden writes the golden files of the committed submissions; unset LONGPROXY_RESULTS_DIR (now ${runEnv().resultsDir})`);
  }
  const paths = artifactPaths(setting.id, metric.id);
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
