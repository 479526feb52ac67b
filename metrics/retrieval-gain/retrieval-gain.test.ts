// Properties of retrieval-gain: the shared contract; zero when the continuation is predicted equally with and
// without the document; a model that, given the document, predicts the continuation perfectly scores best (never
// lower at any grid point, 1 in the relative unit); the positions filter reads only its items; the curve has a
// point per position.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import { probeStatsArb } from '../../harness/scoring/testing/probe-arbitraries.ts';
import type { ModelCorpusStats } from '../../harness/tokenstats/types.ts';
import metric from './retrieval-gain.ts';

const POSITIONS = [0.05, 0.15, 0.3, 0.45];
const arb = probeStatsArb({ probe: 'retrieval-gain', roles: ['target'], depths: POSITIONS, excerptOnly: true });
const RUNS = { seed: 23, numRuns: 60 };

/** Long log-probabilities of the target tokens of `variant` documents set by f (which also gets the token's
 *  log-probability in the item's excerpt-only document). */
function setTargets(s: ModelCorpusStats, variant: string, f: (item: number, depth: number, i: number, alone: number) => number): ModelCorpusStats {
  const p = s.probes!['retrieval-gain'];
  const alone = new Map(p.docs.filter((d) => d.variant === 'excerpt-only').map((d) => [`${d.sourceId}/${d.regions[0].item}`, d]));
  const docs = p.docs.map((d) => {
    if (d.variant !== variant) return d;
    const long = d.stats.logprobLong.slice();
    for (const r of d.regions) {
      if (r.role !== 'target') continue;
      const a = alone.get(`${d.sourceId}/${r.item}`)!;
      const ar = a.regions[1];
      let j = 0;
      const aloneTok = [...Array(a.stats.n).keys()].filter((k) => a.stats.byteStart[k] >= ar.byteStart && a.stats.byteEnd[k] <= ar.byteEnd);
      for (let i = 1; i < d.stats.n; i++) {
        if (d.stats.byteStart[i] >= r.byteStart && d.stats.byteEnd[i] <= r.byteEnd) long[i] = f(r.item, r.depth, i, a.stats.logprobLong[aloneTok[j++]]);
      }
    }
    return { ...d, stats: { ...d.stats, logprobLong: long } };
  });
  return { ...s, probes: { 'retrieval-gain': { ...p, docs } } };
}

describeMetricContract(metric, arb);

describe(`${metric.id}: properties`, () => {
  it('is zero when the continuation is predicted as well without the document as with it', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const same = setTargets(s, 'context', (_it, _d, _i, alone) => alone);
        return metric.gridPoints().every((hp) => Math.abs(metric.compute(same, hp)) < 1e-6);
      }),
      RUNS,
    );
  });

  it('a model that predicts the continuation perfectly from the document scores best (1 in the relative unit)', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const perfect = setTargets(s, 'context', () => 0);
        for (const hp of metric.gridPoints()) {
          expect(metric.score(perfect, hp)).toBeGreaterThanOrEqual(metric.score(s, hp) - 1e-9);
          if (hp.unit === 'relative') expect(close(metric.compute(perfect, hp), 1)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('positions=early reads only the early excerpts', () => {
    fc.assert(
      fc.property(arb, (s) => {
        // Early continuations as well predicted with the document as without; the middle ones set two ways.
        const a = setTargets(s, 'context', (_it, depth, _i, alone) => (depth > 0.2 ? -0.002 : alone));
        const b = setTargets(s, 'context', (_it, depth, _i, alone) => (depth > 0.2 ? -5 : alone));
        const hp = { positions: 'early', unit: 'bits' } as const;
        return close(metric.compute(a, hp), metric.compute(b, hp)) && Math.abs(metric.compute(a, hp)) < 1e-6;
      }),
      RUNS,
    );
  });

  it('has a curve point per position', () => {
    fc.assert(
      fc.property(arb, (s) => {
        expect(metric.curve!(s, metric.defaults).points.map((p) => p.x)).toEqual(POSITIONS);
      }),
      { seed: 7, numRuns: 10 },
    );
  });
});
