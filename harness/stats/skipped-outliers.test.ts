// skippedOutliers against the reference verifier's own skipped_outliers (scripts/verify_locked_no4k.py, which uses
// scikit-learn's MinCovDet), in one /usr/bin/python3 call, plus hand-checked values and exact invariants.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { idealfIqr, skippedOutliers } from './skipped-outliers.ts';
import { McdError } from './mincovdet.ts';
import { probeUnavailableReason, runProbe } from '../../scripts/probes/run-probe.ts';
import { mcdDatasets } from '../../scripts/probes/mcd-datasets.ts';

// Plus two bootstrap resamples of tie-heavy integer data whose competing supports have log-determinants one ulp
// apart: they disagreed while slogdet used V8's Math.log (not correctly rounded) instead of glibc's log.
const DATASETS = [
  ...mcdDatasets(320, 77),
  { kind: 'regression-logdet-ulp', x: [4, 2, 0, -4, -1, 1, -1, -1, 1, 1, 3, -2, -1, 3, 4, -1, -1], y: [-3, 1, 0, 1, 0, 0, 0, 0, 0, 0, -1, 3, 0, -1, -3, 0, -2] },
  { kind: 'regression-logdet-ulp', x: [1, 1, 1, 0, 0, 1, 1, 0, 2, 2, 1, 0, 2, 2, 2, 2, 0], y: [1, 1, 1, 0, 0, 1, 1, 2, 0, 2, 1, 0, 1, 2, 1, 1, 0] },
];

function outliersOrUndefined(x: number[], y: number[], correction?: 'sklearn<=1.7' | 'sklearn>=1.8'): boolean[] | null {
  try {
    return skippedOutliers(x, y, { correction });
  } catch (e) {
    if (e instanceof McdError) return null; // the reference's None: MinCovDet raised
    throw e;
  }
}

const skip = probeUnavailableReason(['numpy', 'scipy', 'sklearn']);

describe.skipIf(skip !== undefined)(`skippedOutliers vs scripts/verify_locked_no4k.py skipped_outliers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it(`${DATASETS.length} data sets (17 points and other n, ties, outliers, constant columns, resamples): identical outlier sets and refusals`, () => {
    const ref = runProbe<{ skipped: Array<boolean[] | null> }>('mincovdet_probe.py', { skipped: DATASETS.map(({ x, y }) => ({ x, y })) }).skipped;
    let flagged = 0;
    let refused = 0;
    DATASETS.forEach((d, k) => {
      const got = outliersOrUndefined(d.x, d.y);
      expect(got, `data set ${k} (${d.kind}, n=${d.x.length})`).toEqual(ref[k]);
      if (got === null) refused++;
      else flagged += got.filter(Boolean).length;
    });
    expect(flagged).toBeGreaterThan(DATASETS.length / 2); // the rule fires often enough for the check to mean something
    expect(refused).toBeLessThan(DATASETS.length / 4);
  });
});

describe('skippedOutliers', () => {
  it('ideal fourths IQR by hand: 1..10 gives 8 + 1/12 - (2 + 11/12) = 5 + 1/6', () => {
    // n = 10: j = floor(10/4 + 5/12) = 2, g = 11/12; low = s[1]/12 + 11 s[2]/12, up = s[8]/12 + 11 s[7]/12.
    expect(idealfIqr([3, 1, 2, 4, 5, 6, 7, 8, 9, 10])).toBeCloseTo(31 / 6, 13);
    expect(idealfIqr(new Array(17).fill(2.5))).toBe(0);
  });

  it('flags a gross outlier planted in a linear cloud, and only a few points besides', () => {
    const x = Array.from({ length: 16 }, (_, i) => i / 4);
    const y = x.map((v, i) => 2 * v + ((i * 7) % 5) / 10);
    x.push(1);
    y.push(40);
    const out = skippedOutliers(x, y);
    expect(out[16]).toBe(true);
    expect(out.filter(Boolean).length).toBeLessThanOrEqual(4);
  });

  it('is exactly invariant under scaling by powers of two and under negation of both columns', () => {
    const coord = fc.integer({ min: -(2 ** 24), max: 2 ** 24 }).map((v) => v / 2 ** 16);
    const data = fc.integer({ min: 5, max: 25 }).chain((n) => fc.tuple(fc.array(coord, { minLength: n, maxLength: n }), fc.array(coord, { minLength: n, maxLength: n })));
    fc.assert(
      fc.property(data, fc.integer({ min: -6, max: 6 }), ([x, y], e) => {
        const base = outliersOrUndefined(x, y);
        if (base === null) return; // sklearn's zero-covariance test uses an absolute tolerance: not scale-free
        const s = 2 ** e;
        const scaled = outliersOrUndefined(x.map((v) => v * s), y.map((v) => v * s));
        if (scaled !== null) expect(scaled).toEqual(base);
        expect(outliersOrUndefined(x.map((v) => -v), y.map((v) => -v))).toEqual(base);
      }),
      { numRuns: 120 },
    );
  });

  it("the 'sklearn>=1.8' correction moves the MCD centre and so the outlier set on some data sets, never the input checks", () => {
    let changed = 0;
    for (const d of DATASETS.filter((s) => s.kind === 'gaussian' || s.kind === 'outliers')) {
      const a = outliersOrUndefined(d.x, d.y, 'sklearn<=1.7');
      const b = outliersOrUndefined(d.x, d.y, 'sklearn>=1.8');
      if (a && b && JSON.stringify(a) !== JSON.stringify(b)) changed++;
    }
    expect(changed).toBeGreaterThan(0);
    expect(() => skippedOutliers([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});
