import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { averageRanks } from './ranks.ts';

describe('averageRanks', () => {
  it('matches scipy.stats.rankdata on a case with ties', () => {
    // scipy 1.10: rankdata([3,1,4,1,5,9,2,6,5,3,5])
    expect(averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])).toEqual([4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
  });

  it('ranks sum to n(n+1)/2, tied values share one rank, order is preserved', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }), (v) => {
        const r = averageRanks(v);
        const n = v.length;
        expect(r.reduce((a, b) => a + b, 0)).toBe((n * (n + 1)) / 2);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (v[i] === v[j]) expect(r[i]).toBe(r[j]);
            if (v[i] < v[j]) expect(r[i]).toBeLessThan(r[j]);
          }
          expect(2 * r[i]).toBe(Math.round(2 * r[i]));
        }
      }),
    );
  });

  it('is invariant under strictly increasing transforms', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }).map((v) => v / 10), { minLength: 1, maxLength: 30 }), (v) => {
        expect(averageRanks(v.map((t) => Math.exp(t / 100) * 3 + 1))).toEqual(averageRanks(v));
      }),
    );
  });
});
