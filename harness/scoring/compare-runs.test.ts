// The comparison of two scoring runs (compare-runs.ts, `longproxy compare runs`): what counts as the same
// result and what fails it -- a changed ranking, a score or a statistic beyond its tolerance, null against a
// number, other outliers, other hyperparameters, a metric scored in one run only.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareMetric, compareRuns, readRun, renderComparison, DEFAULT_TOLERANCES, type MetricRun, type VerifyJson } from './compare-runs.ts';
import { REPO_ROOT } from '../util/paths.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function verify(over: Partial<{ rho: number | null; r: number; lo: number; outliers: string[] }> = {}): VerifyJson {
  return {
    spearman: { rho: over.rho === undefined ? 0.8 : over.rho, p_value: 0.01, ci95: [over.lo ?? 0.5, 0.95] },
    pearson: { r: over.r ?? 0.7, p_value: 0.02 },
    skipped_spearman: { rho: 0.8, p_value: 0.01, outliers: over.outliers ?? [], ci95: [0.4, 0.96] },
  };
}

function run(scores: Record<string, number>, v = verify(), hp: Record<string, unknown> | undefined = { a: 1 }): MetricRun {
  return { scores, verify: v, hyperparameters: hp };
}

const base = { m1: -2.5, m2: -2.0, m3: -1.5, m4: -1.0 };

describe('comparing two scoring runs', () => {
  it('identical runs agree with zero differences', () => {
    const c = compareMetric('bpb', run(base), run({ ...base }));
    expect(c).toMatchObject({ models: 4, maxRelScoreDiff: 0, rankingIdentical: true, hyperparametersIdentical: true, outliersIdentical: true, maxStatisticDiff: 0, failures: [] });
    expect(c.statistics.map((s) => s.name)).toEqual([
      'spearman.rho', 'spearman.p_value', 'spearman.ci95.lo', 'spearman.ci95.hi', 'pearson.r', 'pearson.p_value',
      'skipped_spearman.rho', 'skipped_spearman.p_value', 'skipped_spearman.ci95.lo', 'skipped_spearman.ci95.hi',
    ]);
  });

  it('measures the largest relative score difference and names its model; within tolerance it passes', () => {
    const c = compareMetric('bpb', run(base), run({ ...base, m2: -2.0 * (1 + 3e-5), m4: -1.0 * (1 - 1e-5) }, verify({ r: 0.7 + 2e-4 })));
    expect(c.worstModel).toBe('m2');
    expect(c.maxRelScoreDiff).toBeCloseTo(3e-5, 12);
    expect(c.statistics.find((s) => s.name === 'pearson.r')!.diff).toBeCloseTo(2e-4, 12);
    expect(c.failures).toEqual([]);
  });

  it('a score beyond the tolerance fails, even with the ranking unchanged', () => {
    const c = compareMetric('bpb', run(base), run({ ...base, m1: -2.6 }));
    expect(c.rankingIdentical).toBe(true);
    expect(c.failures).toEqual([expect.stringMatching(/score of m1 differs by 4\.00e-2 relative \(> 0\.01\)/)]);
  });

  it('two models that swap places fail the ranking, both named', () => {
    const c = compareMetric('bpb', run(base), run({ ...base, m2: -1.49, m3: -2.0 }), { score: Infinity, statistic: 1 });
    expect(c.rankingIdentical).toBe(false);
    expect(c.rankChanges).toEqual(['m2: rank 2 -> 3', 'm3: rank 3 -> 2']);
    expect(c.failures).toEqual([expect.stringMatching(/^ranking differs: m2: rank 2 -> 3; m3: rank 3 -> 2$/)]);
    // a tie that appears is a ranking change too (average ranks)
    expect(compareMetric('x', run(base), run({ ...base, m2: -1.5 }), { score: Infinity, statistic: 1 }).rankChanges).toEqual(['m2: rank 2 -> 2.5', 'm3: rank 3 -> 2.5']);
  });

  it('a statistic beyond the tolerance, a null against a number, other outliers and other hyperparameters fail', () => {
    expect(compareMetric('x', run(base), run(base, verify({ lo: 0.5 + 2e-3 }))).failures).toEqual([expect.stringMatching(/^spearman\.ci95\.lo 0\.5 vs 0\.502 /)]);
    const nul = compareMetric('x', run(base, verify({ rho: null })), run(base));
    expect(nul.statistics[0]).toEqual({ name: 'spearman.rho', a: null, b: 0.8, diff: Infinity });
    expect(nul.failures).toHaveLength(1);
    expect(compareMetric('x', run(base, verify({ rho: null })), run(base, verify({ rho: null }))).failures).toEqual([]);
    const out = compareMetric('x', run(base), run(base, verify({ outliers: ['m1'] })));
    expect(out.outliersIdentical).toBe(false);
    expect(out.failures).toEqual(['skipped-Spearman outliers differ: [] vs [m1]']);
    expect(compareMetric('x', run(base), run(base, verify(), { a: 2 })).failures).toEqual([expect.stringMatching(/hyperparameters chosen differ: \{"a":1\} vs \{"a":2\}/)]);
    expect(compareMetric('x', { ...run(base), hyperparameters: undefined }, run(base)).hyperparametersIdentical).toBeNull();
  });

  it('a metric or a model in only one run fails the comparison', () => {
    const r = compareRuns({ bpb: run(base), ppl: run(base) }, { bpb: run(base) });
    expect(r.unmatched).toEqual(['ppl']);
    expect(r.ok).toBe(false);
    expect(compareMetric('x', run(base), run({ m1: -2.5, m2: -2, m3: -1.5, m5: -1 })).failures[0]).toMatch(/model sets differ \(only in the first: m4; only in the second: m5\)/);
    expect(compareRuns({}, {}).ok).toBe(false); // nothing compared is no agreement
    const text = renderComparison(r, ['cpu', 'gpu'], DEFAULT_TOLERANCES);
    expect(text).toContain('| bpb | 4 | 0 (m1) | yes | yes | yes | 0 | same |');
    expect(text).toContain('| bpb | pearson.r | 0.700000 | 0.700000 | 0 |');
    expect(text).toContain('- ppl: scored in only one of the runs');
    expect(text.trim().split('\n').pop()).toBe('RESULT: the runs DIFFER (see above).');
  });
});

describe('readRun and `longproxy compare runs` on results folders', () => {
  const committed = path.join(REPO_ROOT, 'results');
  const copy = path.join(tmp, 'run');
  for (const d of ['submissions/zoo', 'verify/zoo', 'claims/zoo']) cpSync(path.join(committed, d), path.join(copy, d), { recursive: true });
  const cli = (runDir: string) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/longproxy.js'), 'compare', 'runs', '--run', runDir, '--base', committed, '--labels', 'cpu,copy'], { encoding: 'utf8' });

  it('reads every metric of a setting with its claim, and names a missing verifier output', () => {
    const r = readRun(copy, 'zoo');
    expect(Object.keys(r)).toContain('bpb');
    expect(Object.keys(r.bpb.scores)).toHaveLength(18);
    expect(r.bpb.compute?.engine).toBe('onnx');
    const broken = path.join(tmp, 'broken');
    mkdirSync(path.join(broken, 'submissions/zoo'), { recursive: true });
    cpSync(path.join(committed, 'submissions/zoo/bpb.json'), path.join(broken, 'submissions/zoo/bpb.json'));
    expect(() => readRun(broken, 'zoo')).toThrow(/verify\/zoo\/bpb\.json: missing/);
    expect(() => readRun(broken, 'nosuch')).toThrow(/no submissions of setting nosuch/);
  });

  it('exits 0 on an identical run, 1 when a ranking changed, 2 on a folder without submissions', () => {
    const same = cli(copy);
    expect(same.stdout).toContain('RESULT: the runs agree within the tolerances.');
    expect(same.status).toBe(0);
    const rows = readRun(copy, 'zoo').ppl.scores;
    const [first, second] = Object.entries(rows).sort((x, y) => x[1] - y[1]);
    const swapped = Object.entries(rows).map(([model, score]) => ({ model, score: model === first[0] ? second[1] : model === second[0] ? first[1] : score }));
    writeFileSync(path.join(copy, 'submissions/zoo/ppl.json'), JSON.stringify(swapped));
    const diff = cli(copy);
    expect(diff.stdout).toMatch(/\| ppl \| 18 \| .* \| NO \| yes \| yes \| 0 \| DIFFERS \|/);
    expect(diff.status).toBe(1);
    expect(cli(path.join(tmp, 'empty')).status).toBe(2);
  });
});
