// The curve of a metric that defines one (e.g. repeat-at-distance: loss against distance, per model): drawn on
// its page from the record or rebuilt from the claim bundle, with model ids escaped; absent otherwise. The
// probes' extra cost shows in the compute card.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryFromClaim } from './claims.ts';
import { entryFromRecord } from './entry.ts';
import { renderMetricPage } from './render-metric.ts';
import { HOSTILE_MODEL, writeSyntheticCase } from './testing/synthetic-case.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-curve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const assets = { chartJs: '/*! Chart.js v4.5.1 */ window.Chart = {};', dataLabelsJs: 'window.ChartDataLabels = {};' };
const base = writeSyntheticCase(tmp, { metric: 'repeat-at-distance', seed: 3, signal: 0.8 });
const curve = {
  xLabel: 'tokens back to the source',
  yLabel: 'long-context bits per byte on the copies',
  models: Object.keys(base.record.scores).map((model, i) => ({ model, points: [{ x: 300, y: 1 + i / 10 }, { x: 3000, y: 2 + i / 10 }] })),
};
const probes = [{ probe: 'repeat-at-distance', version: 1, tokensProcessed: 7_000_000, wallSeconds: 420.5 }];

describe('curve on the metric page', () => {
  it('is drawn from the record: a canvas, its labels, every model in the data block, ids escaped', () => {
    const html = renderMetricPage(entryFromRecord({ ...base.record, curve, cost: { ...base.record.cost, probes } }), assets);
    expect(html).toContain('<canvas id="curve"');
    expect(html).toContain('Curve per model');
    const data = JSON.parse(/<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)![1]);
    expect(data.curve.models).toHaveLength(curve.models.length);
    expect(data.curve.xLabel).toBe(curve.xLabel);
    expect(html).not.toContain(HOSTILE_MODEL);
    expect(html).toContain('probe repeat-at-distance: +7.00 M tokens');
  });

  it('is absent for a metric without one', () => {
    const html = renderMetricPage(entryFromRecord(base.record), assets);
    expect(html).not.toContain('id="curve"');
    expect(html).not.toContain('probe ');
  });

  it('is rebuilt from the claim bundle', () => {
    const claimPath = path.join(tmp, base.record.paths.claim);
    const claim = JSON.parse(readFileSync(claimPath, 'utf8'));
    writeFileSync(claimPath, JSON.stringify({ ...claim, curve, compute: { ...claim.compute, probes } }));
    const entry = entryFromClaim(tmp, base.record.paths.claim, JSON.parse(readFileSync(claimPath, 'utf8')), () => base.downstreamPath);
    expect(entry.curve).toEqual(curve);
    expect(entry.cost.probes).toEqual(probes);
  });
});
