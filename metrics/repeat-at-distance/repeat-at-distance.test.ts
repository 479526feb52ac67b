// Properties of repeat-at-distance over synthetic probe statistics: the shared contract; a model that copies
// perfectly (long-context log-probability 0 on every target) scores at least as well at every grid point, and
// exactly 1 in the relative unit; no gain when the long context predicts the targets as the short window does;
// only targets read (the controls belong to novel-passage), and only those whose source is past the window; the
// curve has one point per depth in increasing distance.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import { mapRegionLogprobs, probeStatsArb } from '../../harness/scoring/testing/probe-arbitraries.ts';
import { probeOf, scoredRegions, tokensBackToSource } from '../../harness/scoring/probe-math.ts';
import metric from './repeat-at-distance.ts';

const DEPTHS = [0.1, 0.3, 0.5, 0.7, 0.9];
const arb = probeStatsArb({ probe: 'repeat-at-distance', roles: ['target', 'control'], depths: DEPTHS });
const RUNS = { seed: 21, numRuns: 60 };

describeMetricContract(metric, arb);

describe(`${metric.id}: properties`, () => {
  it('a model that copies perfectly scores best: never lower at any grid point, and 1 in the relative unit', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const perfect = mapRegionLogprobs(s, 'repeat-at-distance', 'target', () => 0);
        for (const hp of metric.gridPoints()) {
          const a = metric.score(s, hp);
          const b = metric.score(perfect, hp);
          if (Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
          else expect(b).toBeGreaterThanOrEqual(a - 1e-9);
          if (hp.unit === 'relative' && !Number.isNaN(b)) expect(close(b, 1)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('gains nothing when the long context predicts the targets as the short window does', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const same = mapRegionLogprobs(s, 'repeat-at-distance', 'target', (_l, short) => short);
        const v = metric.compute(same, { ...metric.defaults, shortWindow: 'smallest' as const });
        return Number.isNaN(v) || Math.abs(v) < 1e-6;
      }),
      RUNS,
    );
  });

  it('reads the targets only, not the controls', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const changed = mapRegionLogprobs(s, 'repeat-at-distance', 'control', () => -0.01);
        return metric.gridPoints().every((hp) => close(metric.compute(s, hp), metric.compute(changed, hp)));
      }),
      RUNS,
    );
  });

  it('leaves out targets whose source the short window can see', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const p = probeOf(s, 'repeat-at-distance', 'test');
        const seen = new Set(scoredRegions(p, 'target').filter((r) => !(tokensBackToSource(r) > 8 + 4)).map((r) => `${r.sourceId}/${r.region.item}`));
        const docs = p.docs.map((d) => {
          const long = d.stats.logprobLong.slice();
          for (const r of d.regions) {
            if (r.role !== 'target' || !seen.has(`${d.sourceId}/${r.item}`)) continue;
            for (let i = 1; i < d.stats.n; i++) if (d.stats.byteStart[i] >= r.byteStart && d.stats.byteEnd[i] <= r.byteEnd) long[i] = -0.001;
          }
          return { ...d, stats: { ...d.stats, logprobLong: long } };
        });
        const changed = { ...s, probes: { 'repeat-at-distance': { ...p, docs } } };
        const hp = { ...metric.defaults, shortWindow: 'smallest' as const };
        return close(metric.compute(s, hp), metric.compute(changed, hp));
      }),
      RUNS,
    );
  });

  it('its curve has one point per depth, in increasing distance', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const c = metric.curve!(s, metric.defaults);
        expect(c.points.length).toBe(DEPTHS.length);
        for (let i = 1; i < c.points.length; i++) expect(c.points[i].x).toBeGreaterThanOrEqual(c.points[i - 1].x);
      }),
      { seed: 5, numRuns: 20 },
    );
  });

  it('names the missing probe when the statistics lack it', () => {
    expect(() => metric.compute({ model: 'm', spec: { contextLength: 8, stride: 8, maxTokens: 0, shortWindows: [{ size: 8, step: 4 }], addBos: false }, docs: [], cost: { engine: 'e', device: 'd', tokensProcessed: 0, wallSeconds: 0 } }, metric.defaults)).toThrow(/lack probe repeat-at-distance/);
  });
});
