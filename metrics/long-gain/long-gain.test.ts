import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, mapDocs, splitToken, splittableToken, statsArb } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import { shortWindowKey } from '../../harness/tokenstats/types.ts';
import longGain from './long-gain.ts';

describeMetricContract(longGain);

const points = longGain.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);

describe('long-gain: properties', () => {
  it('long context that does not help (long <= short everywhere) gives no positive gain', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const unhelpful = mapDocs(s, (d) => {
          for (const arr of Object.values(d.logprobShort)) {
            for (let i = d.scoredFrom; i < d.n; i++) arr[i] = Math.max(arr[i], d.logprobLong[i]);
          }
          return d;
        });
        const v = longGain.compute(unhelpful, hp);
        return Number.isNaN(v) || v <= 0;
      }),
      { seed: 30, numRuns: 200 },
    );
  });

  it('making the long context worse on any token cannot raise the gain', () => {
    fc.assert(
      fc.property(statsArb, pointArb, fc.nat(), fc.double({ min: 0, max: 5, noNaN: true }), (s, hp, pick, drop) => {
        const j = pick % s.docs.length;
        const d0 = s.docs[j];
        fc.pre(d0.n > d0.scoredFrom);
        const i = d0.scoredFrom + (pick % (d0.n - d0.scoredFrom));
        const worse = mapDocs(s, (d) => d);
        worse.docs[j].logprobLong[i] -= drop;
        const before = longGain.compute(s, hp);
        const after = longGain.compute(worse, hp);
        return Number.isNaN(before) || after <= before + 1e-12;
      }),
      { seed: 31, numRuns: 200 },
    );
  });

  it('with denominator=all, is unchanged by splitting a token into two whose probabilities multiply to the same', () => {
    fc.assert(
      fc.property(statsArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('smallest', 'largest'), (s, share, w) => {
        const j = s.docs.findIndex((d) => splittableToken(d) >= 0);
        fc.pre(j >= 0);
        const d = s.docs[j];
        const split = { ...s, docs: s.docs.map((x, k) => (k === j ? splitToken(d, splittableToken(d), 1, share) : x)) };
        const hp = { shortWindow: w as 'smallest' | 'largest', denominator: 'all' as const };
        expect(close(longGain.compute(split, hp), longGain.compute(s, hp), 1e-6)).toBe(true);
      }),
      { seed: 32, numRuns: 200 },
    );
  });

  it('is exactly 0 when every document fits inside the short window', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const inside = mapDocs(s, (d) => {
          for (const arr of Object.values(d.logprobShort)) arr.set(d.logprobLong);
          return d;
        });
        const v = longGain.compute(inside, { shortWindow: 'smallest', denominator: 'all' });
        return v === 0 || Object.is(v, -0);
      }),
      { seed: 33, numRuns: 50 },
    );
  });

  it('reads the window it is asked for', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const keys = s.spec.shortWindows.map(shortWindowKey);
        expect(keys.length).toBe(2);
        // Make the largest window equal to long: its gain must be 0 whatever the smallest says.
        const t = mapDocs(s, (d) => {
          d.logprobShort[keys[1]].set(d.logprobLong);
          return d;
        });
        expect(longGain.compute(t, { shortWindow: 'largest', denominator: 'all' })).toBe(0);
      }),
      { seed: 34, numRuns: 20 },
    );
  });
});
