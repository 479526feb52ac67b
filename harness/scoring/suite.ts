// defineScoringSuites(metric): one describe per registered setting. When the setting's statistics and
// downstream file are available it scores the metric (pipeline.ts), prints the held-out Spearman, and asserts:
// the submission verifies, the held-out mean Spearman is at or above the recorded floor, a plain run's
// submission and verifier output equal the recorded ones (recorded.ts), and the Python reference agrees with
// the TypeScript verifier on the recorded submission. The floor test carries the ScoringRecord in
// task.meta.scoring for the reporter. Where a run writes: run-env.ts (plain, record, separate).
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
import { scoreMetric } from './pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { heldOutLine } from './held-out-line.ts';
import { differencesFromRecorded, goldenPath, RECORD_COMMAND } from './recorded.ts';
import { runEnv, separateResults } from './run-env.ts';
import { loadSettingStats, settingInputsReason } from './stats-source.ts';
import { settingFilesProblem } from '../contract/setting-files.ts';
import type { ScoringRecord } from './types.ts';

declare module 'vitest' {
  interface TaskMeta {
    scoring?: ScoringRecord;
  }
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
        const stats = await loadSettingStats(setting, REPO_ROOT, runEnv(), metric.probes ?? []);
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

    it('the submission and the verifier output equal the recorded ones in results/', (ctx) => {
      if (!record) return ctx.skip(skipReason ?? 'scoring did not run');
      const env = runEnv();
      if (env.kind === 'record') return ctx.skip(`recording: ${record.paths.submission} and ${record.paths.verify} written`);
      if (separateResults(env)) {
        return ctx.skip(`a separate run into ${env.resultsDir}: compare it with results/ by bench/compare_scoring_runs.ts`);
      }
      const problems = differencesFromRecorded(record);
      expect(problems, problems.join('\n')).toEqual([]);
    });

    it('golden: the Python reference output for the committed submission equals the TypeScript verifier output', async (ctx) => {
      if (!record) return ctx.skip(skipReason ?? 'scoring did not run');
      const golden = goldenPath(setting.id, metric.id);
      const regen = `regenerate it with \`npx longproxy score --setting ${setting.id} --metric ${metric.id} --golden\` (or ${RECORD_COMMAND} first if the submission changed)`;
      expect(existsSync(path.join(REPO_ROOT, golden)), `${golden} is missing; ${regen}`).toBe(true);
      const expected = JSON.parse(readFileSync(path.join(REPO_ROOT, golden), 'utf8'));
      if (expected.submission_sha256 !== record.verify.submission_sha256 && separateResults(runEnv())) {
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
