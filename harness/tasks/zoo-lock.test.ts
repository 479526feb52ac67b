// The zoo's downstream target is locked: it must match its recorded hashes, its recorded inputs must equal the
// current ones (config, haystack, task version, engine, model fingerprints, the items' hashes), and a small
// subset re-run must give the very item results the breakdown holds. Re-lock after an intended change:
// npx longproxy downstream --setting zoo
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSetting } from '../contract/settings/index.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { currentInputs } from './inputs.ts';
import { checkLockedFiles, diffInputs, lockPaths, RELOCK_COMMAND, type BreakdownFile } from './lockfile.ts';
import { runDownstream } from './runner.ts';
import { downstreamSpec, loadEngine } from './settings.ts';

const setting = getSetting('zoo');
const spec = downstreamSpec('zoo');
const paths = lockPaths(path.join(REPO_ROOT, setting.downstreamPath));
const models = setting.models.map((id) => ({ id, dir: setting.modelDirs?.[id] ?? id }));
const zooBuilt = models.length > 0;
// Before the first run there is nothing to lock; once any of the three files exists, all must be consistent.
const generated = [paths.downstream, paths.breakdown, paths.lock].some((p) => existsSync(p));

/** The subset re-run in CI: every task at 1024 and 2048 tokens, one depth, first item; three models. */
const SUBSET = (_task: string, length: number, depth: number, index: number): boolean =>
  (length === 1024 || length === 2048) && depth === 0.5 && index === 0;

describe.skipIf(!zooBuilt || !generated)(
  zooBuilt
    ? `zoo downstream lock (skipped: ${setting.downstreamPath} not generated yet; run ${RELOCK_COMMAND})`
    : 'zoo downstream lock (skipped: fixtures/zoo/models.json not found, the zoo is not built)',
  () => {
  it('the locked files exist and match their recorded hashes', () => {
    expect(existsSync(paths.downstream), `${paths.downstream} missing: run ${RELOCK_COMMAND}`).toBe(true);
    expect(checkLockedFiles(paths), `re-lock with: ${RELOCK_COMMAND}`).toEqual([]);
  });

  it('the recorded inputs are the current ones (config, haystack, task version, engine, models, items)', async () => {
    const recorded = (JSON.parse(readFileSync(paths.breakdown, 'utf8')) as BreakdownFile).inputs;
    const engine = await loadEngine(setting.engine);
    const current = await currentInputs({ config: spec.config, haystackPath: spec.haystackPath, models, engine });
    expect(diffInputs(recorded, current), `inputs changed; re-lock with: ${RELOCK_COMMAND}`).toEqual([]);
  });

  it('a re-run of a small subset gives the recorded item results exactly', async () => {
    const breakdown = JSON.parse(readFileSync(paths.breakdown, 'utf8')) as BreakdownFile;
    const byScore = Object.entries(breakdown.models).sort((a, b) => a[1].overall - b[1].overall).map(([id]) => id);
    const chosen = [...new Set([byScore[0], byScore[Math.floor(byScore.length / 2)], byScore[byScore.length - 1]])];
    const engine = await loadEngine(setting.engine);
    const rerun = await runDownstream({
      config: spec.config,
      haystackPath: spec.haystackPath,
      models: models.filter((m) => chosen.includes(m.id)),
      engine,
      filter: SUBSET,
    });
    expect(rerun.items.length).toBe(spec.config.tasks.length * 2);
    for (const m of rerun.models) {
      const at = rerun.items.map((item) => breakdown.items.indexOf(item.id));
      const recorded = at.map((i) => breakdown.models[m.id].spans_correct[i]);
      expect(m.spansCorrect.map(String), `${m.id}: re-lock with ${RELOCK_COMMAND}`).toEqual(recorded);
      expect(m.ranks.map(String), `${m.id} (doc_qa ranks): re-lock with ${RELOCK_COMMAND}`).toEqual(at.map((i) => breakdown.models[m.id].ranks[i]));
    }
  });
  },
);
