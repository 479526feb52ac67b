// Properties of key-token-rate: a share in [0, 1], zero when the long context gains nothing, never larger for a
// stricter alpha or beta, byte-weighted by hand, unchanged by splitting a token whose halves stay key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDoc, docArb, mapDocs, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import keyTokenRate from './key-token-rate.ts';

describeMetricContract(keyTokenRate);

const points = keyTokenRate.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);
const longStats = fc.tuple(docArb('long', 20), statsArb).map(([d, s]) => ({ ...s, docs: [d, ...s.docs] }));

describe('key-token-rate: properties', () => {
  it('is a share of bytes in [0, 1]', () => {
    fc.assert(
      fc.property(longStats, pointArb, (s, hp) => {
        const v = keyTokenRate.compute(s, hp);
        return Number.isNaN(v) || (v >= 0 && v <= 1);
      }),
      { seed: 70, numRuns: 200 },
    );
  });

  it('is 0 when the long context gains nothing over the short window', () => {
    fc.assert(
      fc.property(longStats, pointArb, (s, hp) => {
        const same = mapDocs(s, (d) => {
          for (const k of Object.keys(d.logprobShort)) d.logprobShort[k].set(d.logprobLong);
          return d;
        });
        return keyTokenRate.compute(same, hp) === 0;
      }),
      { seed: 71, numRuns: 100 },
    );
  });

  it('never grows with a stricter alpha or beta', () => {
    fc.assert(
      fc.property(longStats, fc.constantFrom<'smallest' | 'largest'>('smallest', 'largest'), (s, shortWindow) => {
        const at = (alpha: number, beta: number) => keyTokenRate.compute(s, { alpha, beta, shortWindow });
        return at(0.5, -1000) >= at(1, -1000) && at(1, -1000) >= at(2, -1000) && at(1, -1000) >= at(1, -2);
      }),
      { seed: 72, numRuns: 100 },
    );
  });

  it('counts key bytes, not key tokens, by hand', () => {
    // 12 tokens, window 8/4: positions 8..11 (bytes 1, 3, 1, 3) lie past it; 9 and 10 gain 2.5 nats and keep a
    // long log-prob of -0.5: 4 of the 8 bytes past the window are key.
    const t = (bytes: number, long: number, short: number) => ({ bytes, long, shorts: [short, short], entropy: 1, top1: 0 });
    const toks = Array.from({ length: 12 }, (_, i) => t(i % 2 ? 3 : 1, -1, -1.2));
    toks[9] = t(3, -0.5, -3);
    toks[10] = t(1, -0.5, -3);
    expect(keyTokenRate.compute(wrapStats([buildDoc('a', toks, 1)]), keyTokenRate.defaults)).toBeCloseTo(4 / 8, 12);
    // with alpha 0.5 the other past-window tokens (gain 0.2) still are not key; with beta -2 nothing changes
    expect(keyTokenRate.compute(wrapStats([buildDoc('a', toks, 1)]), { alpha: 0.5, beta: -2, shortWindow: 'smallest' })).toBeCloseTo(4 / 8, 12);
  });
});
