import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bootstrap, ci95, resamples } from './bootstrap.ts';
import { percentile } from './percentile.ts';

describe('bootstrap resamples', () => {
  it('draw numpy RandomState(seed).randint(0, n, n) in order', () => {
    // numpy 1.24: rs = RandomState(0); rs.randint(0, 17, 17) twice; RandomState(2**32 - 1).randint(0, 5, 8)
    const [a, b] = [...resamples(17, 2, 0)];
    expect(a).toEqual([12, 15, 0, 3, 3, 7, 9, 4, 6, 12, 1, 6, 7, 14, 5, 13, 8]);
    expect(b).toEqual([9, 16, 5, 15, 15, 0, 3, 14, 7, 0, 1, 9, 0, 10, 3, 11, 2]);
    expect([...resamples(5, 1, 2 ** 32 - 1)][0].slice(0, 5)).toEqual([3, 2, 4, 4, 0]);
  });

  it('shares one resample across statistics, drops undefined replicates, is deterministic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n, nBoot, seed) => {
        const seen: number[][] = [];
        const draws = bootstrap(n, nBoot, seed, {
          first: (idx) => (seen.push([...idx]), idx[0]),
          oddOnly: (idx) => (idx[0] % 2 ? idx[0] : NaN),
        });
        expect(draws.kept.first).toEqual(seen.map((s) => s[0]));
        expect(draws.kept.oddOnly).toEqual(seen.map((s) => s[0]).filter((v) => v % 2));
        expect(seen.flat().every((i) => Number.isInteger(i) && i >= 0 && i < n)).toBe(true);
        expect(bootstrap(n, nBoot, seed, { first: (idx) => idx[0] }).kept.first).toEqual(draws.kept.first);
      }),
      { numRuns: 50 },
    );
  });
});

describe('ci95', () => {
  it('is numpy.percentile(kept, [2.5, 97.5]) ignoring NaN, [NaN, NaN] when empty', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 100 }), (v) => {
        const [lo, hi] = ci95([...v, NaN]);
        expect(lo).toBe(percentile(v, 2.5));
        expect(hi).toBe(percentile(v, 97.5));
        expect(lo).toBeLessThanOrEqual(hi);
      }),
    );
    expect(ci95([NaN])).toEqual([NaN, NaN]);
  });
});
