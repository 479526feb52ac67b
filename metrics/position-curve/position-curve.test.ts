import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDoc, close, mapDocs, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import positionCurve from './position-curve.ts';

describeMetricContract(positionCurve);

const points = positionCurve.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);
// Arbitrary corpora are short; a bucket start of 2^2 bytes gives them several buckets.
const lowStart = (hp: (typeof points)[number]) => ({ ...hp, startLog2: 2 });

describe('position-curve: properties', () => {
  it('is 0 (or undefined) when every byte costs the same, wherever it sits', () => {
    fc.assert(
      fc.property(statsArb, pointArb, fc.double({ min: 0.01, max: 5, noNaN: true }), (s, hp, bitsPerByte) => {
        const flat = mapDocs(s, (d) => {
          for (let i = 0; i < d.n; i++) d.logprobLong[i] = -bitsPerByte * Math.LN2 * (d.byteEnd[i] - d.byteStart[i]);
          return d;
        });
        const v = positionCurve.compute(flat, lowStart(hp));
        return Number.isNaN(v) || Math.abs(v) < 1e-5;
      }),
      { seed: 60, numRuns: 200 },
    );
  });

  it('does not change when every byte costs the same extra amount', () => {
    fc.assert(
      fc.property(statsArb, pointArb, fc.double({ min: 0.01, max: 2, noNaN: true }), (s, hp, extra) => {
        const shifted = mapDocs(s, (d) => {
          for (let i = 0; i < d.n; i++) d.logprobLong[i] -= extra * Math.LN2 * (d.byteEnd[i] - d.byteStart[i]);
          return d;
        });
        return close(positionCurve.compute(shifted, lowStart(hp)), positionCurve.compute(s, lowStart(hp)), 1e-4);
      }),
      { seed: 61, numRuns: 200 },
    );
  });

  it('is negative when loss falls with position, positive when it rises', () => {
    const t = (long: number) => ({ bytes: 1, long, shorts: [long, long], entropy: 1, top1: 0 });
    const falling = Array.from({ length: 64 }, (_, i) => t(-3 + i / 32));
    const rising = Array.from({ length: 64 }, (_, i) => t(-1 - i / 32));
    for (const hp of [{ form: 'log-slope', startLog2: 2 } as const, { form: 'half-diff', startLog2: 8 } as const]) {
      expect(positionCurve.compute(wrapStats([buildDoc('a', falling, 1)]), hp)).toBeLessThan(0);
      expect(positionCurve.compute(wrapStats([buildDoc('a', rising, 1)]), hp)).toBeGreaterThan(0);
    }
  });
});
