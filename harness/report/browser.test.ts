// End to end in headless Chromium: reports built from synthetic claims in a temporary folder are opened from
// file:// with the network cut off; the plots must render, the screenshots must not be blank, hostile model
// names must show as text, and nothing may log an error or ask for the network.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingReason, launchReportBrowser, type ReportBrowser } from './testing/browser.ts';
import { HOSTILE_MODEL, writeSyntheticCase } from './testing/synthetic-case.ts';
import { buildReports, metricPagePath } from './write.ts';

const missing = chromiumMissingReason();
const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-browser-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Distinct colours and the share of pixels that are not (near) white. */
function pixelStats(png: Buffer): { width: number; height: number; colours: number; nonWhite: number } {
  const img = PNG.sync.read(png);
  const colours = new Set<number>();
  let nonWhite = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const [r, g, b] = [img.data[i], img.data[i + 1], img.data[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 245 || g < 245 || b < 245) nonWhite++;
  }
  return { width: img.width, height: img.height, colours: colours.size, nonWhite: nonWhite / (img.width * img.height) };
}

describe.skipIf(missing)(`reports in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: ReportBrowser;
  let index: string;
  let page: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    const first = writeSyntheticCase(tmp, { metric: 'bpb', seed: 7, signal: 0.85 });
    writeSyntheticCase(tmp, { metric: 'ppl', seed: 8, signal: 0.4, floor: 0.6 });
    writeSyntheticCase(tmp, { metric: 'long-gain', seed: 9, signal: 0.2, floor: null });
    const r = buildReports({ root: tmp, runRecords: [first.record], downstreamPathOf: (s) => `results/downstream/${s}.json` });
    index = r.index;
    page = metricPagePath(path.join(tmp, 'reports'), 'test-setting', 'bpb');
    browser = await launchReportBrowser();
  }, 60_000);
  afterAll(async () => browser?.close());

  it('index: three leaderboard rows with their interval plots, no errors, no network', async () => {
    const p = await browser.open(index, { width: 1280, height: 900 });
    p.page.on('dialog', (d) => dialogs.push(d.message()));
    const rows = await p.page.locator('table.board tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-metric')));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toBe('bpb');
    const svgs = await p.page.locator('svg.forest').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => r.width * r.height));
    expect(svgs).toHaveLength(9);
    expect(svgs.every((a) => a > 0)).toBe(true);
    expect(await p.page.locator('tr.fail').count()).toBe(1);
    const png = pixelStats(await p.page.screenshot({ fullPage: true }));
    expect(png.colours).toBeGreaterThan(50);
    expect(png.nonWhite).toBeGreaterThan(0.03);
    expect(p.consoleErrors).toEqual([]);
    expect(p.pageErrors).toEqual([]);
    expect(p.networkRequests).toEqual([]);
    // The link opens the metric page.
    await p.page.click('a[href="test-setting/bpb.html"]');
    expect(p.page.url()).toMatch(/\/reports\/test-setting\/bpb\.html$/);
    await p.page.close();
  });

  it('metric page: the scatter plot and the held-out histogram are drawn; the hostile model id is text', async () => {
    const p = await browser.open(page, { width: 1280, height: 900 });
    p.page.on('dialog', (d) => dialogs.push(d.message()));
    // Runs in the page (the tsconfig has no DOM types, hence the untyped globals).
    const charts = await p.page.evaluate(() => {
      const g = globalThis as any;
      return ['scatter', 'heldout'].map((id) => {
        const canvas = g.document.getElementById(id);
        const chart = g.Chart.getChart(canvas);
        const r = canvas.getBoundingClientRect();
        return {
          id,
          area: r.width * r.height,
          points: chart ? chart.data.datasets.reduce((a: number, d: { data: unknown[] }) => a + d.data.length, 0) : -1,
          drawn: chart ? chart.getDatasetMeta(0).data.length : -1,
        };
      });
    });
    expect(charts[0].area).toBeGreaterThan(100_000);
    expect(charts[0].points).toBe(14);
    expect(charts[0].drawn).toBeGreaterThan(0);
    expect(charts[1].points).toBe(20);
    expect(charts[1].area).toBeGreaterThan(20_000);
    // The hostile id is a table cell's text, and no element was made from it.
    const cells = await p.page.locator('td.model').allTextContents();
    expect(cells).toContain(HOSTILE_MODEL);
    expect(await p.page.evaluate(() => (globalThis as any).document.scripts.length)).toBe(4);
    expect(dialogs).toEqual([]);

    const shot = await p.page.screenshot({ fullPage: true });
    const png = pixelStats(shot);
    expect(png.height).toBeGreaterThan(1500);
    expect(png.colours).toBeGreaterThan(100);
    expect(png.nonWhite).toBeGreaterThan(0.05);
    // The scatter's canvas alone is not blank: its own screenshot has the point colour and the outlier colour.
    const plot = PNG.sync.read(await p.page.locator('#scatter').screenshot());
    let blue = 0;
    let red = 0;
    for (let i = 0; i < plot.data.length; i += 4) {
      const [r, g, b] = [plot.data[i], plot.data[i + 1], plot.data[i + 2]];
      if (b > 150 && r < 120 && g > 80 && g < 170) blue++;
      if (r > 170 && g < 90 && b < 90) red++;
    }
    expect(blue).toBeGreaterThan(200);
    expect(red).toBeGreaterThan(20);
    expect(p.consoleErrors).toEqual([]);
    expect(p.pageErrors).toEqual([]);
    expect(p.networkRequests).toEqual([]);
    await p.page.close();
  });

  it('the pages are self-contained: every link and source in the markup is relative, none leaves reports/', () => {
    for (const file of [index, page]) {
      // Markup only: the inlined libraries' code may name URLs in strings (e.g. the SVG namespace).
      const markup = readFileSync(file, 'utf8').replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
      const refs = [...markup.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      expect(refs.filter((r) => /^[a-z]+:|^\/\//i.test(r) || path.posix.normalize(r).startsWith('../../'))).toEqual([]);
      expect(markup.match(/https?:\/\//g)).toBeNull();
    }
  });
});
