import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ppl from '../../metrics/ppl/ppl.ts';
import { defineMetric } from './metric.ts';
import { floorFailure, getFloor, readFloors } from './floors.ts';
import { scoreMetric } from './pipeline.ts';
import { syntheticSetting } from './testing/synthetic.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const syn = syntheticSetting(tmp);
const opts = { root: tmp, nBoot: 200, heldOut: { nSplits: 20, trainFraction: 2 / 3, seed: 11 }, floorsPath: path.join(tmp, 'results/floors.json') };

// ppl with its sign flipped: the same statistics, ranked backwards.
const worsePpl = defineMetric({ ...ppl, id: 'ppl', direction: 'higher-is-better' });

describe('scoring pipeline on a synthetic setting', () => {
  it('writes a verified submission, a verify output and a claim bundle; byte-identical on re-run', async () => {
    const rec = await scoreMetric(ppl, syn.setting, syn.stats, syn.downstream, opts);
    const sub1 = readFileSync(path.join(tmp, rec.paths.submission), 'utf8');
    const ver1 = readFileSync(path.join(tmp, rec.paths.verify), 'utf8');
    const rows = JSON.parse(sub1) as Array<{ model: string; score: number }>;
    expect(rows.map((r) => r.model)).toEqual(syn.setting.models);
    // lower ppl is better: the submission holds -ppl
    expect(rows.every((r) => r.score <= -1)).toBe(true);
    expect(rec.verify.n_models).toBe(9);
    expect(rec.heldOut.testSpearman).toHaveLength(20);
    const claim = JSON.parse(readFileSync(path.join(tmp, rec.paths.claim), 'utf8'));
    expect(claim.submission.sha256).toBe(rec.verify.submission_sha256);
    expect(claim.compute.tokensProcessed).toBe(9 * 360);
    expect(claim.seeds).toEqual({ heldOutSplits: 11, verifierBootstrap: 0 });

    await scoreMetric(ppl, syn.setting, syn.stats, syn.downstream, opts);
    expect(readFileSync(path.join(tmp, rec.paths.submission), 'utf8')).toBe(sub1);
    expect(readFileSync(path.join(tmp, rec.paths.verify), 'utf8')).toBe(ver1);
  });

  it('without a recorded floor the floor check fails and says how to record one', async () => {
    const rec = await scoreMetric(ppl, syn.setting, syn.stats, syn.downstream, opts);
    expect(rec.floor).toBeNull();
    expect(floorFailure('synthetic', 'ppl', rec.heldOut.mean, undefined)).toMatch(/no floor recorded for synthetic\/ppl.*floors --update/);
  });

  it('records the floor from the measured value only when asked; a sign-flipped ppl falls below it', async () => {
    const rec = await scoreMetric(ppl, syn.setting, syn.stats, syn.downstream, { ...opts, updateFloor: true });
    const floor = getFloor('synthetic', 'ppl', opts.floorsPath)!;
    expect(floor.measured).toBeCloseTo(rec.heldOut.mean, 10);
    expect(floor.floor).toBeLessThanOrEqual(rec.heldOut.mean - 0.05 + 1e-12);
    expect(floor.floor).toBeGreaterThan(rec.heldOut.mean - 0.0501);
    expect(floorFailure('synthetic', 'ppl', rec.heldOut.mean, floor)).toBeUndefined();

    const worse = await scoreMetric(worsePpl, syn.setting, syn.stats, syn.downstream, opts);
    expect(worse.heldOut.mean).toBeLessThan(floor.floor);
    expect(floorFailure('synthetic', 'ppl', worse.heldOut.mean, floor)).toMatch(/below its floor/);
    // scoring without updateFloor leaves the recorded floor alone
    expect(readFloors(opts.floorsPath).floors['synthetic/ppl']).toEqual(floor);
  });
});

describe('claims of a record run', () => {
  it('keep their file when the results are the same, and are rewritten when they differ or left HEAD\'s history', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'longproxy-pipeline-git-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      git('init', '-q');
      git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init');
      const s = syntheticSetting(repo);
      const o = { ...opts, root: repo, floorsPath: path.join(repo, 'results/floors.json') };
      const rec = await scoreMetric(ppl, s.setting, s.stats, s.downstream, o);
      const file = path.join(repo, rec.paths.claim);
      const claim = JSON.parse(readFileSync(file, 'utf8'));
      expect(claim.code).toEqual({ commit: git('rev-parse', 'HEAD').trim(), dirty: false });
      // Same results at another wall time: the file stays as it is.
      claim.compute.scoringWallSeconds = 999;
      writeFileSync(file, `${JSON.stringify(claim, null, 2)}\n`);
      await scoreMetric(ppl, s.setting, s.stats, s.downstream, o);
      expect(JSON.parse(readFileSync(file, 'utf8')).compute.scoringWallSeconds).toBe(999);
      // Other results: rewritten.
      writeFileSync(file, `${JSON.stringify({ ...claim, hyperparameterRule: 'another rule' }, null, 2)}\n`);
      await scoreMetric(ppl, s.setting, s.stats, s.downstream, o);
      expect(JSON.parse(readFileSync(file, 'utf8')).hyperparameterRule).not.toBe('another rule');
      // A commit that is not in HEAD's history (rebased away): rewritten.
      writeFileSync(file, `${JSON.stringify({ ...claim, code: { commit: 'f'.repeat(40), dirty: false } }, null, 2)}\n`);
      await scoreMetric(ppl, s.setting, s.stats, s.downstream, o);
      expect(JSON.parse(readFileSync(file, 'utf8')).code.commit).toBe(git('rev-parse', 'HEAD').trim());
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
