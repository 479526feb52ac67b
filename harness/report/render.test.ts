// Pure rendering: escaping of every record string, leaderboard order and colours, page contents, determinism.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryFromRecord, floorStatus, type ReportEntry } from './entry.ts';
import { escapeHtml, fmt, jsonForScript, safeName, shortModel } from './html.ts';
import { metricHref, renderIndex } from './render-index.ts';
import { heldOutBins, ranksDescending, renderMetricPage, scatterPoints } from './render-metric.ts';
import { HOSTILE_METRIC_DESCRIPTION, HOSTILE_MODEL, writeSyntheticCase } from './testing/synthetic-case.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Stand-ins for the chart libraries: rendering is pure and does not care what the library text is.
const assets = { chartJs: '/*! Chart.js v4.5.1 */ window.Chart = {};', dataLabelsJs: 'window.ChartDataLabels = {};' };
const base = writeSyntheticCase(tmp, { metric: 'bpb', seed: 7, signal: 0.85 });
const entry = (over: Partial<ReportEntry> = {}): ReportEntry => ({ ...entryFromRecord(base.record), ...over });

describe('escaping', () => {
  it('escapeHtml turns every markup character into an entity', () => {
    expect(escapeHtml(HOSTILE_MODEL)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;');
    expect(escapeHtml(`a'b`)).toBe('a&#39;b');
  });

  it('jsonForScript cannot close its script element and parses back to the same data', () => {
    const value = { model: HOSTILE_MODEL, d: HOSTILE_METRIC_DESCRIPTION, sep: '\u2028\u2029', n: [1.5, NaN] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual({ ...value, n: [1.5, null] });
  });

  it('a model named <script>alert(1)</script>&" appears on a page only as escaped text', () => {
    const html = renderMetricPage(entry(), assets);
    expect(html).not.toContain(HOSTILE_MODEL);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('<td class="model">&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;</td>');
    // Exactly the page's own script elements: the data block, two libraries, the page script.
    expect(html.match(/<script\b/g)).toHaveLength(4);
    expect(html.match(/<\/script>/g)).toHaveLength(4);
    expect(html).not.toContain('<b>not bold</b>');
    expect(html).toContain(escapeHtml(HOSTILE_METRIC_DESCRIPTION));
    // The data block still carries the id exactly, for the chart's labels and tooltips.
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    expect(data.points.map((p: { model: string }) => p.model)).toContain(HOSTILE_MODEL);
  });

  it('metric and setting names with HTML characters are escaped on the index and cannot leave reports/ in links', () => {
    const evil = entry({ metric: '../<img src=x onerror=alert(1)>', setting: 'set"ting' });
    const html = renderIndex({ entries: [evil] });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const href = metricHref(evil.setting, evil.metric);
    expect(href).toBe('set_ting/..__img_src_x_onerror_alert_1__.html');
    expect(href.split('/')).toHaveLength(2);
    expect(safeName('..')).toBe('_..');
    expect(safeName('.')).toBe('_.');
    const page = renderMetricPage(evil, assets);
    expect(page).not.toContain('<img');
    expect(page).toContain('<title>../&lt;img src=x onerror=alert(1)&gt; on set&quot;ting: longproxy report</title>');
  });
});

describe('leaderboard', () => {
  const mk = (metric: string, mean: number, floor: number | null) =>
    entry({ metric, floor, heldOut: { ...base.record.heldOut, mean } });

  it('sorts by held-out mean Spearman and colours rows by the floor', () => {
    const html = renderIndex({ entries: [mk('low', 0.1, 0.2), mk('none', 0.5, null), mk('high', 0.7, 0.6)] });
    const rows = [...html.matchAll(/<tr class="([a-z-]+)" data-metric="([^"]+)">/g)].map((m) => [m[2], m[1]]);
    expect(rows).toEqual([
      ['high', 'pass'],
      ['none', 'no-floor'],
      ['low', 'fail'],
    ]);
    expect(html).toContain('1 at/above floor');
    expect(html).toContain('1 below floor');
    expect(html).toContain('href="test-setting/high.html"');
  });

  it('the floor rule matches the suite: at the floor passes, below fails', () => {
    expect(floorStatus({ floor: 0.5, heldOut: { ...base.record.heldOut, mean: 0.5 } })).toBe('pass');
    expect(floorStatus({ floor: 0.5, heldOut: { ...base.record.heldOut, mean: 0.4999 } })).toBe('fail');
    expect(floorStatus({ floor: null, heldOut: base.record.heldOut })).toBe('no-floor');
  });

  it('shows the statistics of the verifier, the held-out result and the compute cost', () => {
    const e = entry();
    const html = renderIndex({ entries: [e] });
    expect(html).toContain(`<div class="big">${fmt(e.verify.spearman.rho)}</div>`);
    expect(html).toContain(`<div class="big">${fmt(e.verify.pearson.r)}</div>`);
    expect(html).toContain(`<div class="big">${fmt(e.heldOut.mean)} <span class="muted">&plusmn; ${fmt(e.heldOut.sd)}</span></div>`);
    expect(html).toContain('outliers: <span title="test-org/tiny-n-140M">tiny-n-140M</span>');
    expect(html).toContain('1.23 M tokens');
    expect(html).toContain('onnx / cpu');
    expect(html.match(/<svg class="forest"/g)).toHaveLength(3);
  });

  it('says how to get records when there are none, and lists unreadable claims', () => {
    const html = renderIndex({ entries: [], problems: ['results/claims/x/<y>.json: not valid JSON'] });
    expect(html).toContain('No scoring records yet');
    expect(html).toContain('results/claims/x/&lt;y&gt;.json: not valid JSON');
  });

  it('an undefined statistic (null in JSON) reads "undefined", not NaN', () => {
    const e = entry();
    const v = { ...e.verify, spearman: { rho: NaN, p_value: NaN, ci95: [NaN, NaN] as [number, number] } };
    const html = renderIndex({ entries: [{ ...e, verify: v }] });
    expect(html).toContain('<div class="big">undefined</div>');
    expect(html).not.toContain('NaN');
  });
});

describe('metric page', () => {
  it('plots every model with a downstream score and marks the outliers', () => {
    const pts = scatterPoints(entry());
    expect(pts).toHaveLength(Object.keys(base.record.scores).length);
    expect(pts.filter((p) => p.outlier).map((p) => p.model)).toEqual(base.record.verify.skipped_spearman.outliers);
    expect(shortModel('Qwen/Qwen2.5-7B-Instruct')).toBe('Qwen2.5-7B-Instruct');
    expect(shortModel(HOSTILE_MODEL)).toBe(HOSTILE_MODEL);
  });

  it('without downstream scores it says why instead of drawing an empty plot', () => {
    const html = renderMetricPage(entry({ downstream: null, downstreamNote: 'the downstream file x.json is missing' }), assets);
    expect(html).not.toContain('id="scatter"');
    expect(html).toContain('No scatter plot: the downstream file x.json is missing');
  });

  it('lists the hyperparameters chosen across splits with their counts, and the provenance', () => {
    const e = entry();
    const html = renderMetricPage(e, assets);
    for (const c of e.heldOut.chosen) expect(html).toContain(`</td><td class="num">${c.count}</td>`);
    expect(html).toContain(e.verify.submission_sha256);
    expect(html).toContain(e.verify.downstream_sha256);
    expect(html).toContain(e.paths.submission);
    expect(html).toContain(e.codeRevision);
  });

  it('held-out bins count every split once, the edges included', () => {
    const bins = heldOutBins([-1, -0.95, 0, 0.3, 0.35, 1, 1], 0.3);
    expect(bins).toHaveLength(20);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(7);
    expect(bins[0].count).toBe(2);
    expect(bins[10].count).toBe(1);
    expect(bins[13].count).toBe(2);
    expect(bins[19].count).toBe(2);
    expect(bins[12].colour).not.toBe(bins[13].colour);
  });

  it('ranks ties by their mean position, as Spearman does', () => {
    expect(ranksDescending([3, 1, 3, 2])).toEqual([1.5, 4, 1.5, 3]);
  });

  it('is deterministic: the same entry renders to the same bytes', () => {
    expect(renderMetricPage(entry(), assets)).toBe(renderMetricPage(entry(), assets));
    expect(renderIndex({ entries: [entry()] })).toBe(renderIndex({ entries: [entry()] }));
  });
});
