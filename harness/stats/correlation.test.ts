// Spearman, Pearson and their p-values against literal scipy 1.10 outputs, plus property tests.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spearman } from './spearman.ts';
import { pearson } from './pearson.ts';
import { correlationPValue } from './pvalue.ts';

const X = [0.3, -1.2, 2.5, 0.7, 0.7, 1.1, -0.4, 3.3, 2.0, 0.1];
const Y = [1.0, 0.2, 2.2, 0.9, 1.5, 0.3, -0.8, 2.9, 2.1, 0.4];
// Values on a 0.01 grid: monotone maps of them stay strictly monotone in floating point.
const decimal = fc.integer({ min: -10000, max: 10000 }).map((v) => v / 100);
/** Two samples of the same length, 3 to 25. */
const pair = fc.integer({ min: 3, max: 25 }).chain((n) =>
  fc.tuple(fc.array(decimal, { minLength: n, maxLength: n }), fc.array(decimal, { minLength: n, maxLength: n })),
);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

describe('spearman (scipy.stats.spearmanr 1.10)', () => {
  it('reproduces scipy bit for bit on rho and to 1e-12 on p', () => {
    // scipy: spearmanr(X, Y) = (0.8449887057152897, 0.0020857965053343035)
    const s = spearman(X, Y);
    expect(s.r).toBe(0.8449887057152897);
    expect(rel(s.pValue, 0.0020857965053343035)).toBeLessThan(1e-12);
    // scipy: spearmanr([1..5], [5..1]) = (-0.9999999999999999, 1.4042654220543672e-24): numpy's corrcoef order.
    const rev = spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]);
    expect(rev.r).toBe(-0.9999999999999999);
    expect(rel(rev.pValue, 1.4042654220543672e-24)).toBeLessThan(1e-9);
  });

  it('is NaN for constant input or fewer than two points, as scipy', () => {
    expect(spearman([1, 1, 1], [1, 2, 3]).r).toBeNaN();
    expect(spearman([1, 2, 3], [4, 4, 4]).pValue).toBeNaN();
    expect(spearman([1], [2]).r).toBeNaN();
  });

  it('is symmetric, sign-flips under negation, lies in [-1, 1], invariant to monotone rescaling', () => {
    fc.assert(
      fc.property(pair, ([x, y]) => {
        const s = spearman(x, y);
        if (Number.isNaN(s.r)) return;
        expect(Math.abs(s.r)).toBeLessThanOrEqual(1);
        expect(spearman(y, x).r).toBeCloseTo(s.r, 14); // numpy divides in a fixed order: equal to rounding
        expect(spearman(x.map((v) => -v), y).r).toBeCloseTo(-s.r, 12);
        expect(spearman(x.map((v) => 2 * v + 7), y).r).toBe(s.r);
        expect(s.pValue).toBeGreaterThanOrEqual(0);
        expect(s.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('pearson (scipy.stats.pearsonr 1.10)', () => {
  it('matches scipy to 1e-12', () => {
    // scipy: pearsonr(X, Y) = (0.8734081956803484, 0.0009617289850270414)
    const p = pearson(X, Y);
    expect(rel(p.r, 0.8734081956803484)).toBeLessThan(1e-12);
    expect(rel(p.pValue, 0.0009617289850270414)).toBeLessThan(1e-10);
    // near |r| = 1: scipy pearsonr([1,2,3,4,5], [1,2,3,4,5.1]) = (0.9998078216567245, 3.197996656707007e-06)
    const q = pearson([1, 2, 3, 4, 5], [1, 2, 3, 4, 5.1]);
    expect(rel(q.r, 0.9998078216567245)).toBeLessThan(1e-12);
    expect(rel(q.pValue, 3.197996656707007e-6)).toBeLessThan(1e-9);
  });

  it('handles constant input and n = 2 as scipy does', () => {
    expect(pearson([2, 2, 2], [1, 2, 3]).r).toBeNaN();
    expect(pearson([1, 2], [3, 1])).toEqual({ r: -1, pValue: 1 });
  });

  it('is invariant to positive affine maps and flips sign under negation', () => {
    fc.assert(
      fc.property(pair, ([x, y]) => {
        const p = pearson(x, y);
        if (Number.isNaN(p.r) || Math.abs(p.r) > 1 - 1e-9) return;
        const q = pearson(x.map((v) => 3 * v - 1), y);
        if (Number.isNaN(q.r)) return; // the map can collapse nearly equal values
        expect(q.r).toBeCloseTo(p.r, 6);
        expect(pearson(x, y.map((v) => -v)).r).toBeCloseTo(-p.r, 9);
      }),
    );
  });
});

describe('correlationPValue', () => {
  it('is 1 at r = 0, 0 at |r| = 1, decreasing in |r|', () => {
    expect(correlationPValue(0, 17)).toBeCloseTo(1, 15);
    expect(correlationPValue(1, 17)).toBe(0);
    expect(correlationPValue(-1, 17)).toBe(0);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer({ min: 3, max: 60 }), (a, b, n) => {
        if (a < b) expect(correlationPValue(a, n)).toBeGreaterThanOrEqual(correlationPValue(b, n));
        expect(correlationPValue(-a, n)).toBe(correlationPValue(a, n));
      }),
    );
  });

  it('crosses 0.05 near |r| = 0.482 at n = 17 (DESIGN.md)', () => {
    expect(correlationPValue(0.48, 17)).toBeGreaterThan(0.05);
    expect(correlationPValue(0.485, 17)).toBeLessThan(0.05);
  });
});
