import { beforeAll, describe, expect, it } from 'vitest';
import { listSettings } from '../../harness/contract/settings/index.ts';
import { loadDownstream } from '../../harness/contract/downstream.ts';
import { floorFailure, getFloor } from '../../harness/scoring/floors.ts';
import { runHeldOut } from '../../harness/scoring/heldout.ts';
import { defineMetric } from '../../harness/scoring/metric.ts';
import { gridCandidates } from '../../harness/scoring/pipeline.ts';
import { REPO_ROOT } from '../../harness/util/paths.ts';
import { loadSettingStats, settingInputsReason } from '../../harness/scoring/stats-source.ts';
import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import path from 'node:path';
import ppl from './ppl.ts';

defineScoringSuites(ppl);

// The floor catches a worse metric: ppl with its sign flipped (higher perplexity ranked better), on the same
// statistics, must fall below ppl's recorded floor.
const flipped = defineMetric({ ...ppl, direction: 'higher-is-better' });

for (const setting of listSettings()) {
  describe(`ppl on ${setting.id}: a deliberately worsened ppl fails the floor`, () => {
    let reason = settingInputsReason(setting);
    let mean: number | undefined;
    beforeAll(async () => {
      if (reason) return;
      const stats = await loadSettingStats(setting);
      if (!stats.ok) return void (reason = stats.reason);
      const downstream = loadDownstream(path.join(REPO_ROOT, setting.downstreamPath), { expectedModels: setting.models });
      const bySetting = setting.models.map((m) => stats.stats.find((s) => s.model === m)!);
      mean = runHeldOut(setting.models, downstream.values, gridCandidates(flipped, bySetting)).heldOut.mean;
    });

    it('sign-flipped ppl is below the floor of ppl', (ctx) => {
      if (mean === undefined) return ctx.skip(reason ?? 'scoring did not run');
      const floor = getFloor(setting.id, 'ppl');
      if (!floor) return ctx.skip(`no floor recorded for ${setting.id}/ppl yet (the floor test of ppl fails and says how)`);
      console.log(`[held-out] ${setting.id}/ppl sign-flipped: mean Spearman ${mean.toFixed(3)} vs floor ${floor.floor}`);
      expect(floorFailure(setting.id, 'ppl', mean, floor)).toMatch(/below its floor/);
    });
  });
}
