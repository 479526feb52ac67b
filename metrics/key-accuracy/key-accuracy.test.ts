import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMask, pickShortWindow } from '../../harness/scoring/token-math.ts';
import { buildDoc, mapDocs, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import keyAccuracy from './key-accuracy.ts';

describeMetricContract(keyAccuracy);

const points = keyAccuracy.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);

describe('key-accuracy: properties', () => {
  it('is a fraction in [0, 1], NaN exactly when no token is key', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const w = pickShortWindow(s, hp.shortWindow);
        const anyKey = s.docs.some((d) => keyMask(d, { alpha: hp.alpha, beta: hp.beta, window: w }).includes(1));
        const v = keyAccuracy.compute(s, hp);
        return anyKey ? v >= 0 && v <= 1 : Number.isNaN(v);
      }),
      { seed: 50, numRuns: 200 },
    );
  });

  it('is 1 when the model is right on every token and 0 when it is right on none', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const all = mapDocs(s, (d) => (d.top1.fill(1), d));
        const none = mapDocs(s, (d) => (d.top1.fill(0), d));
        const v1 = keyAccuracy.compute(all, hp);
        const v0 = keyAccuracy.compute(none, hp);
        return (Number.isNaN(v1) && Number.isNaN(v0)) || (v1 === 1 && v0 === 0);
      }),
      { seed: 51, numRuns: 100 },
    );
  });

  it('ignores top-1 flags of non-key tokens', () => {
    const t = (long: number, short: number, top1: number) => ({ bytes: 1, long, shorts: [short, short], entropy: 1, top1 });
    const toks = Array.from({ length: 24 }, (_, i) => t(-4, -4, i % 2));
    toks[20] = t(-0.5, -3.5, 1);
    toks[21] = t(-0.5, -3.5, 0);
    toks[22] = t(-0.5, -3.5, 1);
    expect(keyAccuracy.compute(wrapStats([buildDoc('a', toks, 1)]), keyAccuracy.defaults)).toBeCloseTo(2 / 3, 12);
  });
});
