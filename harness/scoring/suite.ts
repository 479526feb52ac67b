// defineScoringSuites(metric): one describe per registered setting. When the setting's statistics and
// downstream file are available it scores the metric (pipeline.ts), prints the held-out Spearman, and asserts:
// the submission verifies, and the held-out mean Spearman is at or above the recorded floor. The floor test
// carries the ScoringRecord in task.meta.scoring for the reporter.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listSettings } from '../contract/settings/index.ts';
import type { Setting } from '../contract/types.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { compareVerifyOutputs } from '../verify/compare.ts';
import { verifySubmission, verifyResultToJson } from '../verify/index.ts';
import { floorFailure, getFloor, updateRequested } from './floors.ts';
import type { Metric } from './metric.ts';
import { hyperKey } from './metric.ts';
import { scoreMetric } from './pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { runEnv, separateResults } from './run-env.ts';
import { loadSettingStats, settingInputsReason } from './stats-source.ts';
import { settingFilesProblem } from '../contract/setting-files.ts';
import type { ScoringRecord } from './types.ts';

declare module 'vitest' {
  interface TaskMeta {
    scoring?: ScoringRecord;
  }
}

export const goldenPath = (setting: string, metric: string) => `fixtures/golden/metrics/${setting}/${metric}.json`;

export function heldOutLine(r: ScoringRecord): string {
  const h = r.heldOut;
  return (
    `[held-out] ${r.setting}/${r.metric}: mean Spearman ${h.mean.toFixed(3)} ± ${h.sd.toFixed(3)} ` +
    `(${h.nSplits} splits, ${Math.round(h.trainFraction * 100)}% train); floor ${r.floor ?? 'none'}; ` +
    `full-set Spearman ${r.verify.spearman.rho === null ? 'undefined' : r.verify.spearman.rho.toFixed(3)}; hp ${hyperKey(r.hyperparameters) || '(none)'}`
  );
}

export function defineScoringSuites(metric: Metric<any>, settings: readonly Setting[] = listSettings()): void {
  for (const setting of settings) defineOne(metric, setting);
}

function defineOne(metric: Metric<any>, setting: Setting): void {
  describe(`${metric.id} scored on ${setting.id}`, () => {
    const filesProblem = settingFilesProblem(setting, REPO_ROOT);
    const inputsReason = settingInputsReason(setting);
    let record: ScoringRecord | undefined;
    let skipReason = filesProblem ? `a file of setting ${setting.id} is bad (see the failing test above)` : inputsReason;

    it(`the corpus and downstream files of ${setting.id} are valid where present`, (ctx) => {
      expect(filesProblem, filesProblem).toBeUndefined();
      if (inputsReason) ctx.skip(inputsReason);
    });

    beforeAll(async () => {
      if (!skipReason) {
        const stats = await loadSettingStats(setting);
        if (stats.ok) {
          await score(stats.stats);
          return;
        }
        skipReason = stats.reason;
      }
      console.log(`[skip] ${metric.id} on ${setting.id}: ${skipReason}`);
    });

    async function score(stats: Parameters<typeof scoreMetric>[2]): Promise<void> {
      const downstream = loadDownstream(path.join(REPO_ROOT, setting.downstreamPath), { expectedModels: setting.models });
      record = await scoreMetric(metric, setting, stats, { path: setting.downstreamPath, values: downstream.values }, {
        updateFloor: updateRequested(),
      });
      console.log(heldOutLine(record));
    }

    it('writes the submission and verifies it with the TypeScript verifier', (ctx) => {
      if (!record) return ctx.skip(skipReason ?? 'scoring did not run');
      expect(record.verify.n_models).toBe(setting.models.length);
      expect(Object.keys(record.scores)).toEqual([...setting.models]);
      expect(Object.values(record.scores).every(Number.isFinite)).toBe(true);
      expect(existsSync(path.resolve(REPO_ROOT, record.paths.claim))).toBe(true);
    });

    it('held-out mean Spearman is at or above its recorded floor', (ctx) => {
      if (!record) return ctx.skip(skipReason ?? 'scoring did not run');
      ctx.task.meta.scoring = record;
      const failure = floorFailure(setting.id, metric.id, record.heldOut.mean, getFloor(setting.id, metric.id));
      expect(failure, failure).toBeUndefined();
    });

    it('golden: the Python reference output for the committed submission equals the TypeScript verifier output', async (ctx) => {
      if (!record) return ctx.skip(skipReason ?? 'scoring did not run');
      const golden = goldenPath(setting.id, metric.id);
      const regen = `regenerate it with \`npx longproxy score --setting ${setting.id} --metric ${metric.id} --golden\``;
      expect(existsSync(path.join(REPO_ROOT, golden)), `${golden} is missing; ${regen}`).toBe(true);
      const expected = JSON.parse(readFileSync(path.join(REPO_ROOT, golden), 'utf8'));
      if (expected.submission_sha256 !== record.verify.submission_sha256 && separateResults(runEnv(), REPO_ROOT)) {
        // A run into LONGPROXY_RESULTS_DIR (e.g. the torch engine's) scores other statistics: the golden file
        // belongs to the committed submission; `longproxy compare runs` compares such a run with it.
        return ctx.skip(`this run's submission (${record.paths.submission}) is not the committed one that ${golden} was made for; compare the runs with \`longproxy compare runs --run <results dir>\``);
      }
      expect(expected.submission_sha256, `${golden} was made for another submission of ${metric.id}; ${regen}`).toBe(
        record.verify.submission_sha256,
      );
      const actual = await verifySubmission({
        submissionPath: path.resolve(REPO_ROOT, record.paths.submission),
        downstreamPath: path.join(REPO_ROOT, setting.downstreamPath),
        metricKey: setting.metricKey,
        nBoot: expected.bootstrap.n_boot,
        seed: expected.bootstrap.seed,
        mcdCorrection: expected.mcd_correction,
      });
      expect(compareVerifyOutputs(expected, JSON.parse(verifyResultToJson(actual)))).toEqual([]);
    });
  });
}
