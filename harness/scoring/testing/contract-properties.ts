// Properties every metric must have, registered as Vitest tests by each metric's own <id>.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../metric.ts';
import type { ModelCorpusStats } from '../../tokenstats/types.ts';
import { close, mapDocs, statsArb } from './arbitraries.ts';

/** `arb`: statistics the metric can score (a metric that reads probes passes probeStatsArb's). */
export function describeMetricContract(metric: Metric<any>, arb: fc.Arbitrary<ModelCorpusStats> = statsArb): void {
  describe(`${metric.id}: contract`, () => {
    it('has a description, needs, and a grid containing its defaults', () => {
      expect(metric.description.length).toBeGreaterThan(10);
      expect(metric.needs.length).toBeGreaterThan(0);
      const points = metric.gridPoints();
      expect(points.length).toBeGreaterThan(0);
      expect(points).toContainEqual(metric.defaults);
    });

    it('score() is compute() oriented so that higher is better', () => {
      fc.assert(
        fc.property(arb, (stats) => {
          const raw = metric.compute(stats, metric.defaults);
          const s = metric.score(stats);
          const want = metric.direction === 'higher-is-better' ? raw : -raw;
          return Object.is(s, want) || close(s, want, 0) || (Number.isNaN(s) && Number.isNaN(raw));
        }),
        { seed: 1, numRuns: 50 },
      );
    });

    it('does not depend on document order, at every grid point', () => {
      const points = metric.gridPoints();
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: points.length - 1 }), (stats, p) => {
          const hp = points[p];
          const reversed: ModelCorpusStats = { ...mapDocs(stats, (d) => d), docs: [...stats.docs].reverse() };
          // The derived documents of each probe in reverse order too (absent probes stay absent).
          if (stats.probes) reversed.probes = Object.fromEntries(Object.entries(stats.probes).map(([k, p]) => [k, { ...p, docs: [...p.docs].reverse() }]));
          return close(metric.compute(stats, hp), metric.compute(reversed, hp));
        }),
        { seed: 2, numRuns: 100 },
      );
    });

    it('is deterministic and does not modify its input', () => {
      fc.assert(
        fc.property(arb, (stats) => {
          const copy = mapDocs(stats, (d) => d);
          const a = metric.compute(stats, metric.defaults);
          const b = metric.compute(stats, metric.defaults);
          expect(Object.is(a, b)).toBe(true);
          expect(stats.docs).toEqual(copy.docs);
        }),
        { seed: 3, numRuns: 30 },
      );
    });
  });
}
