// MinCovDet against scikit-learn 1.2.1 (one /usr/bin/python3 call for the whole file), the numpy kernels it rests
// on, and the invariants that hold exactly. Row order is NOT an invariant (the random starts index rows), nor is
// translation in general (it changes the rounding that near-ties depend on); scaling by a power of two and negation
// change no rounding at all, so they must give exactly scaled / negated estimates and identical supports.
// The 'sklearn>=1.8' rule cannot be run here (Debian ships 1.2.1): it is checked against the closed form of
// scikit-learn 1.8's _consistency_factor for p = 2 derived by hand, alpha / (alpha + (1 - alpha) ln(1 - alpha)),
// against scipy's chi2 for the same factor, and against its definition on top of the raw (rule-independent) fit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { consistencyFactor2, McdError, minCovDet, type McdResult } from './mincovdet.ts';
import { argsortNumpy, cov2, fma, logCorrectlyRounded, eigh2, fastLogdet2, mean2, pinvh2, type Vec2 } from './numpy-kernels.ts';
import { CHI2_2_ISF_0_025, CHI2_2_ISF_0_5, CHI2_2_PPF_0_975, chi2CdfEvenDf } from './chi2.ts';
import { RandomState } from './randomstate.ts';
import { probeUnavailableReason, runProbe } from '../../scripts/probes/run-probe.ts';
import { mcdDatasets } from '../../scripts/probes/mcd-datasets.ts';

interface PyFit {
  error?: string;
  location: number[];
  covariance: number[][];
  support: boolean[];
  raw_location: number[];
  raw_covariance: number[][];
  raw_support: boolean[];
  dist: number[];
}
interface PyAnswer {
  versions: Record<string, string>;
  chi2: { isf_0_5: number; isf_0_025: number; ppf_0_975: number; factor: Array<[number, number]> };
  fits: PyFit[];
  kernels: {
    argsort: number[][];
    mean: number[][];
    cov: number[][][];
    sym2: Array<{ values: number[]; vectors: number[][]; pinvh: number[][]; logdet: number | null }>;
    fma: number[];
    log: Array<[number, number]>;
  };
}

const DATASETS = mcdDatasets(320);
const ALPHAS = [10 / 17, 0.5, 0.6, 3 / 4, 0.975];

function kernelInputs() {
  const r = new RandomState(11);
  const argsort = Array.from({ length: 400 }, (_, k) => r.randint(0, 1 + (k % 6), 1 + (k % 45)).map((v) => v / 4));
  argsort.push(new Array(30).fill(-Infinity), new Array(10).fill(-Infinity));
  const rows = Array.from({ length: 200 }, (_, k) =>
    Array.from({ length: 2 + (k % 30) }, () => [r.randomSample() * 10 ** ((k % 5) - 2) - 3, r.randomSample() * 7 + 1] as Vec2),
  );
  const sym2 = rows.map((rw) => cov2(rw)).map((c) => [c[0], c[1], c[3]]);
  sym2.push([0, 0, 1], [1, 0, 0], [0, 0, 0], [2, 2, 2], [1e-20, 1e-12, 3]);
  // fma inputs where the fused and unfused results differ: c cancels most of a * b
  const fmaIn = Array.from({ length: 3000 }, (_, k) => {
    const a = (r.randomSample() - 0.5) * 10 ** ((k % 7) - 3);
    const b = (r.randomSample() - 0.5) * 10 ** ((k % 5) - 2);
    const c = k % 3 === 0 ? (r.randomSample() - 0.5) * 10 : -(a * b) * (1 + (r.randomSample() - 0.5) * 2 ** -50);
    return [a, b, c];
  });
  const logIn = Array.from({ length: 20000 }, (_, k) => r.randomSample() * 2 ** ((k % 60) - 30) + (k % 3 === 0 ? 1 : 0));
  logIn.push(0.24, 1, 2, 0.5, Math.SQRT2, 1e-300, 5e-324, 1.7976931348623157e308);
  return { argsort, rows, sym2, fma: fmaIn, log: logIn };
}

const close = (a: number, b: number, tol = 1e-10) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

function fitOrError(X: number[][], correction?: 'sklearn<=1.7' | 'sklearn>=1.8'): McdResult | { error: string } {
  try {
    return minCovDet(X, { correction });
  } catch (e) {
    if (e instanceof McdError) return { error: e.message };
    throw e;
  }
}

const skip = probeUnavailableReason(['numpy', 'scipy', 'sklearn']);

describe.skipIf(skip !== undefined)(`minCovDet vs scikit-learn MinCovDet(random_state=42)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const kernels = kernelInputs();
  let answer: PyAnswer;
  const py = () =>
    (answer ??= runProbe<PyAnswer>('mincovdet_probe.py', {
      fits: DATASETS.map((d) => ({ X: d.x.map((v, i) => [v, d.y[i]]), seed: 42 })),
      kernels,
      factors: ALPHAS,
    }));

  it(`${DATASETS.length} data sets: same raw and reweighted supports, same refusals, location and covariances within 1e-10`, () => {
    const { fits, versions } = py();
    expect(versions.sklearn.startsWith('1.')).toBe(true);
    let refused = 0;
    DATASETS.forEach((d, k) => {
      const ref = fits[k];
      const got = fitOrError(d.x.map((v, i) => [v, d.y[i]]));
      const where = `data set ${k} (${d.kind}, n=${d.x.length})`;
      if (ref.error || 'error' in got) {
        expect('error' in got, `${where}: sklearn ${ref.error ?? 'fits'}, ours ${'error' in got ? got.error : 'fits'}`).toBe(!!ref.error);
        refused++;
        return;
      }
      expect(got.rawSupport, where).toEqual(ref.raw_support);
      expect(got.support, where).toEqual(ref.support);
      got.location.forEach((v, j) => expect(close(v, ref.location[j]), `${where} location`).toBe(true));
      got.rawLocation.forEach((v, j) => expect(close(v, ref.raw_location[j]), `${where} raw location`).toBe(true));
      for (let a = 0; a < 2; a++)
        for (let b = 0; b < 2; b++) {
          expect(close(got.covariance[a][b], ref.covariance[a][b]), `${where} covariance`).toBe(true);
          expect(close(got.rawCovariance[a][b], ref.raw_covariance[a][b]), `${where} raw covariance`).toBe(true);
        }
      got.dist.forEach((v, j) => expect(close(v, ref.dist[j], 1e-8), `${where} dist`).toBe(true));
    });
    // Degenerate kinds (majority identical) must reach sklearn's refusal, and most data sets must fit.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(DATASETS.length / 4);
  });

  it("argsort reproduces numpy's unstable introsort on tie-heavy arrays (the tie-breaks MCD inherits)", () => {
    kernels.argsort.forEach((v, k) => expect(argsortNumpy(v), `array ${k}`).toEqual(py().kernels.argsort[k]));
  });

  it('the emulated fma is the correctly rounded a * b + c (exact rational arithmetic in Python)', () => {
    const want = py().kernels.fma;
    kernels.fma.forEach(([a, b, c], i) => expect(fma(a, b, c), `fma(${a}, ${b}, ${c})`).toBe(want[i]));
  });

  it("log is correctly rounded, so it equals glibc's log (numpy's) except where glibc misrounds (about 1e-4)", () => {
    const want = py().kernels.log;
    let glibcDiffers = 0;
    kernels.log.forEach((x, i) => {
      const got = logCorrectlyRounded(x);
      expect(got, `log(${x})`).toBe(want[i][1]);
      if (got !== want[i][0]) glibcDiffers++;
    });
    expect(glibcDiffers).toBeLessThan(kernels.log.length / 1000);
  });

  it('mean, empirical covariance, eigh, pinvh and fast_logdet agree with numpy/scipy to the last bits', () => {
    const k = py().kernels;
    const rel = (a: number, b: number) => Math.abs(a - b) <= 4e-16 * Math.max(Math.abs(a), Math.abs(b)) || a === b;
    kernels.rows.forEach((rows, i) => {
      mean2(rows).forEach((v, j) => expect(rel(v, k.mean[i][j]), `mean ${i}`).toBe(true));
      const c = cov2(rows);
      [c[0], c[1], c[3]].forEach((v, j) => expect(rel(v, [k.cov[i][0][0], k.cov[i][0][1], k.cov[i][1][1]][j]), `cov ${i}`).toBe(true));
    });
    kernels.sym2.forEach(([a, b, c], i) => {
      const m = [a, b, b, c] as [number, number, number, number];
      const ref = k.sym2[i];
      const { values, vectors } = eigh2(m);
      values.forEach((v, j) => expect(close(v, ref.values[j], 1e-15), `eigh values ${i}`).toBe(true));
      vectors.forEach((v, j) => expect(Math.abs(v - ref.vectors[j >> 1][j & 1]) <= 1e-15, `eigh vectors ${i}`).toBe(true));
      const p = pinvh2(m);
      p.forEach((v, j) => expect(close(v, ref.pinvh[j >> 1][j & 1], 1e-14), `pinvh ${i}`).toBe(true));
      const ld = fastLogdet2(m);
      if (ref.logdet === null) expect(ld, `logdet ${i}`).toBe(-Infinity);
      else expect(ld, `logdet ${i}`).toBe(ref.logdet);
    });
  });

  it("chi-square constants are scipy's doubles; the 1.8 factor equals alpha / chi2(4).cdf(chi2(2).ppf(alpha))", () => {
    const { chi2 } = py();
    expect(CHI2_2_ISF_0_5).toBe(chi2.isf_0_5);
    expect(CHI2_2_ISF_0_025).toBe(chi2.isf_0_025);
    expect(CHI2_2_PPF_0_975).toBe(chi2.ppf_0_975);
    for (const [alpha, factor] of chi2.factor) expect(close(consistencyFactor2(alpha), factor, 1e-13), `alpha ${alpha}`).toBe(true);
  });
});

describe('minCovDet invariants', () => {
  // Multiples of 2^-20 in [-100, 100]: scaling by 2^-8 .. 2^8 stays exact (no subnormals).
  const coord = fc.integer({ min: -100 * 2 ** 20, max: 100 * 2 ** 20 }).map((v) => v / 2 ** 20);
  const points = fc.integer({ min: 6, max: 30 }).chain((n) => fc.array(fc.tuple(coord, coord), { minLength: n, maxLength: n }));

  it('raw support holds ceil((n + 3) / 2) points; raw location is their mean; location is the mean of the reweighted support', () => {
    fc.assert(
      fc.property(points, (X) => {
        const r = fitOrError(X);
        if ('error' in r) return;
        const h = Math.ceil((X.length + 3) / 2);
        expect(r.rawSupport.filter(Boolean).length).toBe(h);
        expect(r.rawLocation).toEqual([...mean2(X.filter((_, i) => r.rawSupport[i]) as Vec2[])]);
        expect(r.location).toEqual([...mean2(X.filter((_, i) => r.support[i]) as Vec2[])]);
        expect(r.support.filter(Boolean).length).toBeGreaterThanOrEqual(Math.ceil(X.length / 2));
      }),
      { numRuns: 150 },
    );
  });

  it('is exactly equivariant under scaling by powers of two and under negation (no rounding changes)', () => {
    fc.assert(
      fc.property(points, fc.integer({ min: -8, max: 8 }), (X, e) => {
        const base = fitOrError(X);
        const s = 2 ** e;
        const scaled = fitOrError(X.map(([a, b]) => [a * s, b * s]));
        const negated = fitOrError(X.map(([a, b]) => [-a, -b]));
        // sklearn's zero-covariance test is np.allclose(cov, 0) with atol 1e-8: not scale-free, so refusals may differ.
        if ('error' in base || 'error' in scaled || 'error' in negated) return;
        expect(scaled.rawSupport).toEqual(base.rawSupport);
        expect(scaled.support).toEqual(base.support);
        expect(scaled.location).toEqual(base.location.map((v) => v * s));
        expect(negated.support).toEqual(base.support);
        expect(negated.location).toEqual(base.location.map((v) => -v));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a gross outlier out of the raw support and the reweighted support', () => {
    const r = new RandomState(5);
    const X = Array.from({ length: 16 }, () => [r.randomSample(), r.randomSample()]);
    X.push([1e3, -1e3]);
    const fit = minCovDet(X);
    expect(fit.rawSupport[16]).toBe(false);
    expect(fit.support[16]).toBe(false);
    expect(Math.abs(fit.location[0] - 0.5)).toBeLessThan(0.3);
  });

  it("refuses as sklearn does: over half the points identical (zero support covariance), fewer than 2 rows, non-finite values; rejects shapes it does not port", () => {
    // Both answers checked with sklearn 1.2.1: 10 of 17 identical -> "covariance ... equal to 0"; 9 of 17 -> the
    // median raw distance is 0, every corrected distance is nan or inf, the reweighted mean is empty: ValueError.
    const ten = [...new Array(10).fill([1, 2]), [0, 0], [3, 1], [5, 5], [2, 9], [7, 1], [4, 4], [6, 3]];
    expect(() => minCovDet(ten)).toThrow(/covariance matrix of the support data is equal to 0/);
    const nine = [...new Array(9).fill([1, 2]), [0, 0], [3, 1], [5, 5], [2, 9], [7, 1], [4, 4], [6, 3], [8, 8]];
    expect(() => minCovDet(nine)).toThrow(/no point passes the reweighting cut-off/);
    expect(() => minCovDet([[1, 2]])).toThrow(McdError);
    expect(() => minCovDet([[1, 2], [NaN, 1], [3, 4]])).toThrow(McdError);
    expect(() => minCovDet([[1, 2, 3], [1, 2, 3], [4, 5, 6]])).toThrow(RangeError);
  });

  it("'sklearn>=1.8': the raw fit is the same; reweighting uses the constant alpha / (alpha + (1 - alpha) ln(1 - alpha))", () => {
    // Hand derivation for p = 2: chi2_2.ppf(a) = -2 ln(1 - a) and chi2_4.cdf(q) = 1 - e^{-q/2} (1 + q/2), so
    // chi2_4.cdf(chi2_2.ppf(a)) = a + (1 - a) ln(1 - a). For n = 17, a = 10/17: c = 10 / (10 - 7 ln(17/7)).
    expect(close(consistencyFactor2(10 / 17), 10 / (10 - 7 * Math.log(17 / 7)), 1e-14)).toBe(true);
    expect(close(consistencyFactor2(0.975), 0.975 / (0.975 + 0.025 * Math.log(0.025)), 1e-14)).toBe(true);
    expect(close(chi2CdfEvenDf(-2 * Math.log(0.5), 4), 0.5 + 0.5 * Math.log(0.5), 1e-15)).toBe(true);
    for (const d of DATASETS.slice(0, 120)) {
      const X = d.x.map((v, i) => [v, d.y[i]]);
      const old = fitOrError(X, 'sklearn<=1.7');
      const neu = fitOrError(X, 'sklearn>=1.8');
      // The zero-covariance refusal is shared. The empty-reweighting refusal is not: a zero median raw distance
      // empties it under the median rule only, huge raw distances (near-singular supports) under the constant only.
      if ('error' in old && /equal to 0/.test(old.error)) expect('error' in neu && neu.error).toBe(old.error);
      if ('error' in old || 'error' in neu) continue;
      expect(neu.correction).toBe('sklearn>=1.8');
      expect(neu.rawSupport).toEqual(old.rawSupport);
      expect(neu.rawLocation).toEqual(old.rawLocation);
      expect(neu.rawDist).toEqual(old.rawDist);
      // the reweighting masks of both rules, from the same raw distances
      const c = consistencyFactor2(old.rawSupport.filter(Boolean).length / X.length);
      expect(neu.support).toEqual(old.rawDist.map((dd) => dd / c < CHI2_2_ISF_0_025));
      const median = [...old.rawDist].sort((a, b) => a - b)[Math.floor(X.length / 2)];
      if (X.length % 2 === 1) expect(old.support).toEqual(old.rawDist.map((dd) => dd / (median / CHI2_2_ISF_0_5) < CHI2_2_ISF_0_025));
      const kept = X.filter((_, i) => neu.support[i]) as Vec2[];
      const cv = cov2(kept);
      const k975 = consistencyFactor2(0.975);
      expect(neu.covariance[0][0]).toBe(cv[0] * k975);
      expect(neu.location).toEqual([...mean2(kept)]);
    }
  });
});
