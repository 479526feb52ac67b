import { describe, expect, it } from 'vitest';
import { compareVerifyOutputs, pearsonPValueBackwardOk } from './compare.ts';
import { correlationPValue } from '../stats/pvalue.ts';

const base = {
  n_models: 17,
  metric_key: 'score',
  spearman: { rho: 0.5, p_value: 0.04, ci95: [0.1, 0.8] },
  pearson: { r: 0.6, p_value: 0.01 },
  skipped_spearman: { rho: null, p_value: null, outliers: ['a'], ci95: [null, null] },
  bootstrap: { n_boot: 10, seed: 0, valid: { spearman: 10, skipped_spearman: 0 } },
  submission_sha256: 'x',
  downstream_sha256: 'y',
  mcd_correction: 'sklearn<=1.7',
  verifier: 'python-reference',
  versions: { numpy: '1.24.2' },
};
const clone = () => JSON.parse(JSON.stringify(base));

describe('compareVerifyOutputs', () => {
  it('accepts 1e-10 relative noise in statistics and ignores verifier and versions', () => {
    const b = clone();
    b.spearman.rho *= 1 + 1e-10;
    b.verifier = 'typescript';
    b.versions = { node: 'v20' };
    expect(compareVerifyOutputs(base, b)).toEqual([]);
  });
  it('flags statistics beyond 1e-9, any CI difference, outliers, nulls and missing or extra fields', () => {
    const cases: Array<[(o: any) => void, RegExp]> = [
      [(o) => (o.pearson.r *= 1 + 1e-8), /pearson\.r/],
      [(o) => (o.spearman.ci95[0] += 1e-16), /spearman\.ci95\[0\]/],
      [(o) => (o.skipped_spearman.outliers = []), /outliers/],
      [(o) => (o.skipped_spearman.rho = 0.1), /skipped_spearman\.rho/],
      [(o) => (o.bootstrap.valid.spearman = 9), /bootstrap\.valid\.spearman/],
      [(o) => delete o.mcd_correction, /mcd_correction: missing/],
      [(o) => (o.extra = 1), /extra: not in the expected output/],
      [(o) => (o.submission_sha256 = 'z'), /submission_sha256/],
    ];
    for (const [mutate, problem] of cases) {
      const b = clone();
      mutate(b);
      const diffs = compareVerifyOutputs(base, b);
      expect(diffs.join('\n')).toMatch(problem);
    }
  });
  it('accepts a Pearson p-value off only by the ill-conditioning at |r| = 1, nothing else', () => {
    // scipy: pearsonr on n = 3 gave r = 0.9999999999999998, p = 1.3415758552508148e-08; one ulp higher r = 1, p = 0.
    expect(pearsonPValueBackwardOk(1.3415758552508148e-8, 0, 0.9999999999999998, 1, 3)).toBe(true);
    expect(pearsonPValueBackwardOk(1.3415758552508148e-8, 1e-3, 0.9999999999999998, 1, 3)).toBe(false);
    // Away from |r| = 1, four ulps of r move p by ~1e-15 relative: a 1e-6 error is refused.
    const p = correlationPValue(0.6, 17);
    expect(pearsonPValueBackwardOk(p, p * (1 + 1e-6), 0.6, 0.6, 17)).toBe(false);
    expect(pearsonPValueBackwardOk(p, p * (1 + 1e-12), 0.6, 0.6, 17)).toBe(true);
  });
});
