// Report entries from claim bundles on disk: the real claim shape written by the scoring pipeline, tolerance of
// missing optional fields, clear problems for broken claims, merging a partial run, atomic and deterministic writes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineMetric } from '../scoring/metric.ts';
import { scoreMetric } from '../scoring/pipeline.ts';
import { syntheticSetting } from '../scoring/testing/synthetic.ts';
import { readClaims } from './claims.ts';
import { writeSyntheticCase } from './testing/synthetic-case.ts';
import { collectEntries, metricPagePath, writeReports } from './write.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-claims-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fresh = (name: string) => {
  const d = path.join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const downstreamOf = (s: string) => `results/downstream/${s}.json`;
const assets = { chartJs: '/*! Chart.js v0.0.0 test stand-in */', dataLabelsJs: '' };

describe('claims from the scoring pipeline', () => {
  it('a claim written by scoreMetric rebuilds the same record (scores from the submission, downstream from the file)', async () => {
    const root = fresh('pipeline');
    const syn = syntheticSetting(root, 9, 3);
    const meanLong = defineMetric<{ skip: number }>({
      id: 'test-mean-long',
      description: 'TEST INPUT: mean long-context log-prob after the first `skip` tokens',
      needs: ['long'],
      grid: { skip: [0, 8] },
      defaults: { skip: 0 },
      direction: 'higher-is-better',
      compute(stats, hp) {
        let s = 0;
        let n = 0;
        for (const d of stats.docs) for (let i = Math.max(d.scoredFrom, hp.skip); i < d.n; i++) (s += d.logprobLong[i]), n++;
        return s / n;
      },
    });
    const record = await scoreMetric(meanLong, syn.setting, syn.stats, syn.downstream, {
      root,
      resultsDir: 'results', // a record into this temporary root
      nBoot: 50,
      heldOut: { nSplits: 6, trainFraction: 2 / 3, seed: 2 },
      floorsPath: path.join(root, 'results/floors.json'),
    });
    const { entries, problems } = readClaims(root, 'results/claims', () => syn.setting.downstreamPath);
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    const e = entries[0];
    expect(e.source).toBe('claims');
    expect(e.scores).toEqual(record.scores);
    expect(e.downstream).toEqual(record.downstream);
    expect(e.heldOut).toEqual(record.heldOut);
    expect(e.hyperparameters).toEqual(record.hyperparameters);
    expect(e.verify.spearman.rho).toBe(record.verify.spearman.rho);
    expect(e.verify.skipped_spearman.outliers).toEqual(record.verify.skipped_spearman.outliers);
    expect(e.cost.tokensProcessed).toBe(record.cost.tokensProcessed);
    expect(e.codeRevision).toBe(record.codeRevision);
    expect(e.direction).toBe('higher-is-better');
    expect(e.cost.models).toHaveLength(9);
    expect(e.files.map((f) => f.actualSha256 !== null)).toEqual([true, true]);
    expect(e.files[0].actualSha256).toBe(record.verify.submission_sha256);
  });
});

describe('tolerant reading', () => {
  it('reads a claim without its optional fields (direction, rule, seeds, compute, code)', () => {
    const root = fresh('minimal');
    const c = writeSyntheticCase(root, { metric: 'bpb' });
    const { direction, scoreMeaning, hyperparameterRule, seeds, compute, code, ...rest } = c.claim;
    writeFileSync(path.join(root, c.record.paths.claim), JSON.stringify(rest));
    const { entries, problems } = readClaims(root, 'results/claims', downstreamOf);
    expect(problems).toEqual([]);
    expect(entries[0].direction).toBeUndefined();
    expect(entries[0].cost.engine).toBe('unknown');
    expect(entries[0].codeRevision).toBe('unknown');
    expect(entries[0].scores).toEqual(c.record.scores);
    expect(entries[0].downstream).toEqual(c.record.downstream);
  });

  it('a broken claim is a problem naming the file and the field; the other claims are still read', () => {
    const root = fresh('broken');
    writeSyntheticCase(root, { metric: 'good' });
    const bad = writeSyntheticCase(root, { metric: 'no-heldout' });
    const { heldOut, ...noHeldOut } = bad.claim;
    writeFileSync(path.join(root, bad.record.paths.claim), JSON.stringify(noHeldOut));
    writeFileSync(path.join(root, 'results/claims/test-setting/truncated.json'), '{"setting": "test-setting", "metr');
    const { entries, problems } = readClaims(root, 'results/claims', downstreamOf);
    expect(entries.map((e) => e.metric)).toEqual(['good']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^results\/claims\/test-setting\/no-heldout\.json: field "heldOut" is missing .*re-run the metric's scoring suite/);
    expect(problems[1]).toMatch(/^results\/claims\/test-setting\/truncated\.json: not valid JSON/);
  });

  it('no plot from a downstream file that changed since the verification, and the page says so', () => {
    const root = fresh('changed');
    const c = writeSyntheticCase(root, { metric: 'bpb' });
    const file = path.join(root, c.downstreamPath);
    const changed = { ...c.record.downstream, [Object.keys(c.record.downstream)[0]]: 0 };
    writeFileSync(file, JSON.stringify(changed));
    const [e] = readClaims(root, 'results/claims', downstreamOf).entries;
    expect(e.downstream).toBeNull();
    expect(e.downstreamNote).toMatch(/results\/downstream\/test-setting\.json changed since the verification.*re-run the scoring suite/);
    rmSync(file);
    const [gone] = readClaims(root, 'results/claims', downstreamOf).entries;
    expect(gone.downstreamNote).toBe('the downstream file results/downstream/test-setting.json is missing');
  });

  it('a submission edited after verification is flagged by its sha256', () => {
    const root = fresh('edited');
    const c = writeSyntheticCase(root, { metric: 'bpb' });
    writeFileSync(path.join(root, c.record.paths.submission), readFileSync(path.join(root, c.record.paths.submission), 'utf8').replace('-', ' -'));
    const [e] = readClaims(root, 'results/claims', downstreamOf).entries;
    expect(e.files[0].actualSha256).not.toBe(e.files[0].expectedSha256);
  });
});

describe('writing', () => {
  it('a partial run keeps the pages of metrics it did not run, and its own record wins over the claim', () => {
    const root = fresh('partial');
    const a = writeSyntheticCase(root, { metric: 'alpha', seed: 1 });
    writeSyntheticCase(root, { metric: 'beta', seed: 2 });
    const out = path.join(root, 'reports');
    // A page that no claim knows (e.g. a metric whose claim was deleted) is left alone.
    mkdirSync(path.join(out, 'old'), { recursive: true });
    writeFileSync(path.join(out, 'old', 'gone.html'), 'kept');
    const runRecord = { ...a.record, description: 'from this run' };
    const { entries, fromRun } = collectEntries({ root, runRecords: [runRecord], downstreamPathOf: downstreamOf });
    expect(fromRun).toBe(1);
    expect(entries.map((e) => [e.metric, e.source])).toEqual([
      ['alpha', 'run'],
      ['beta', 'claims'],
    ]);
    expect(entries[0].description).toBe('from this run');
    expect(entries[0].direction).toBe('lower-is-better'); // enriched from its claim (same submission sha256)
    writeReports(out, entries, [], assets);
    expect(existsSync(metricPagePath(out, 'test-setting', 'alpha'))).toBe(true);
    expect(existsSync(metricPagePath(out, 'test-setting', 'beta'))).toBe(true);
    expect(readFileSync(path.join(out, 'old', 'gone.html'), 'utf8')).toBe('kept');
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain('href="test-setting/alpha.html"');
    expect(index).toContain('href="test-setting/beta.html"');
    expect(readdirSync(path.join(out, 'test-setting')).sort()).toEqual(['alpha.html', 'beta.html']);
  });

  it('same inputs give byte-identical reports', () => {
    const root = fresh('determinism');
    writeSyntheticCase(root, { metric: 'alpha', seed: 1 });
    const read = () => {
      const { entries } = collectEntries({ root, downstreamPathOf: downstreamOf });
      writeReports(path.join(root, 'reports'), entries, [], assets);
      return ['index.html', 'test-setting/alpha.html'].map((f) => readFileSync(path.join(root, 'reports', f), 'utf8'));
    };
    const first = read();
    expect(read()).toEqual(first);
  });

  it('a failed write leaves the previous page in place and no temporary file', () => {
    const root = fresh('atomic');
    const c = writeSyntheticCase(root, { metric: 'alpha' });
    const out = path.join(root, 'reports');
    const { entries } = collectEntries({ root, downstreamPathOf: downstreamOf });
    writeReports(out, entries, [], assets);
    const before = readFileSync(path.join(out, 'index.html'), 'utf8');
    // A directory where the metric page should go makes the rename fail.
    rmSync(metricPagePath(out, 'test-setting', 'alpha'));
    mkdirSync(metricPagePath(out, 'test-setting', 'alpha'));
    expect(() => writeReports(out, [{ ...entries[0], description: 'changed' }], [], assets)).toThrow();
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toBe(before);
    expect(readdirSync(path.join(out, 'test-setting')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(c.record.metric).toBe('alpha');
  });
});
