import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentile } from './percentile.ts';

describe('percentile (numpy 1.24, linear)', () => {
  it('matches numpy literal outputs', () => {
    // numpy: np.percentile([5,1,3,2,4,10], [2.5, 97.5, 50, 0, 100, 33.3]) = [1.125, 9.375, 3.5, 1., 10., 2.665]
    const v = [5, 1, 3, 2, 4, 10];
    expect([2.5, 97.5, 50, 0, 100].map((q) => percentile(v, q))).toEqual([1.125, 9.375, 3.5, 1, 10]);
    expect(percentile(v, 33.3)).toBeCloseTo(2.665, 14);
    // numpy: np.percentile(np.linspace(0,1,2000)**2, [2.5, 97.5]) = [6.25006100e-04, 9.50625006e-01]
    const sq = Array.from({ length: 2000 }, (_, i) => (i / 1999) ** 2);
    expect(percentile(sq, 2.5)).toBeCloseTo(6.250061e-4, 10);
    expect(percentile(sq, 97.5)).toBeCloseTo(0.950625006, 8);
  });

  it('is monotone in q, bounded by min and max, exact at order statistics', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (v, q1, q2) => {
          const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
          expect(percentile(v, lo)).toBeLessThanOrEqual(percentile(v, hi));
          const sorted = [...v].sort((a, b) => a - b);
          // numeric equality: -0 and 0 are the same order statistic (the two sorts may place them differently)
          expect(percentile(v, 0) === sorted[0], `min of ${v}`).toBe(true);
          expect(percentile(v, 100) === sorted[sorted.length - 1], `max of ${v}`).toBe(true);
        },
      ),
    );
  });

  it('returns NaN for an empty list', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});
