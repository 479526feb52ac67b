import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMask, pickShortWindow } from '../../harness/scoring/token-math.ts';
import { buildDoc, mapDocs, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import longppl from './longppl-self.ts';

describeMetricContract(longppl);

const points = longppl.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);

describe('longppl-self: properties', () => {
  it('token unit: at least 1 whenever any token is key, NaN when none is', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const w = pickShortWindow(s, hp.shortWindow);
        const anyKey = s.docs.some((d) => keyMask(d, { alpha: hp.alpha, beta: hp.beta, window: w }).includes(1));
        const v = longppl.compute(s, { ...hp, unit: 'token' });
        return anyKey ? v >= 1 : Number.isNaN(v);
      }),
      { seed: 40, numRuns: 200 },
    );
  });

  it('key tokens: gain above alpha and long log-prob above beta; never inside the first window', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const w = pickShortWindow(s, hp.shortWindow);
        for (const d of s.docs) {
          const m = keyMask(d, { alpha: hp.alpha, beta: hp.beta, window: w });
          for (let i = 0; i < d.n; i++) {
            if (i < w.size || i < d.scoredFrom) expect(m[i]).toBe(0);
          }
        }
      }),
      { seed: 41, numRuns: 100 },
    );
  });

  it('raising alpha or beta never adds key tokens', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const w = pickShortWindow(s, 'smallest');
        for (const d of s.docs) {
          const loose = keyMask(d, { alpha: 1, beta: -3, window: w });
          const strict = keyMask(d, { alpha: 3, beta: -1, window: w });
          for (let i = 0; i < d.n; i++) if (strict[i]) expect(loose[i]).toBe(1);
        }
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('lowering the loss of a key token (same gain) cannot raise LongPPL', () => {
    fc.assert(
      fc.property(statsArb, pointArb, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (s, hp, pick, frac) => {
        const w = pickShortWindow(s, hp.shortWindow);
        const keys: Array<[number, number]> = [];
        s.docs.forEach((d, j) => {
          keyMask(d, { alpha: hp.alpha, beta: hp.beta, window: w }).forEach((k, i) => k && keys.push([j, i]));
        });
        fc.pre(keys.length > 0);
        const [j, i] = keys[pick % keys.length];
        const better = mapDocs(s, (d) => d);
        const d = better.docs[j];
        const delta = -d.logprobLong[i] * frac; // moves long toward 0, keeps it <= 0
        d.logprobLong[i] += delta;
        for (const arr of Object.values(d.logprobShort)) arr[i] += delta;
        return longppl.compute(better, hp) <= longppl.compute(s, hp) * (1 + 1e-9);
      }),
      { seed: 43, numRuns: 200 },
    );
  });

  it('matches a hand count: one key token of NLL 0.5 among non-key tokens', () => {
    const t = (long: number, short: number) => ({ bytes: 2, long, shorts: [short, short], entropy: 1, top1: 1 });
    // windows are 8 and 16 tokens: position 20 is past both; only it has gain 3 > 2 and long -0.5 > -2.
    const toks = Array.from({ length: 24 }, () => t(-4, -4.5));
    toks[20] = t(-0.5, -3.5);
    const s = wrapStats([buildDoc('a', toks, 1)]);
    expect(longppl.compute(s, longppl.defaults)).toBeCloseTo(Math.exp(0.5), 6);
    expect(longppl.compute(s, { ...longppl.defaults, unit: 'byte' })).toBeCloseTo(0.5 / Math.LN2 / 2, 6);
  });
});
