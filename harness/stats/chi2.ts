// Chi-square constants and functions that MinCovDet and pingouin's skipped correlation use.
// The three constants are scipy 1.10's own doubles (chdtri with its Halley refinement ends 1 ulp away from the
// closed forms -2 ln q for 2 degrees of freedom); scripts/probes/mincovdet_probe.py re-derives them from scipy in
// harness/stats/mincovdet.test.ts, so a scipy that computed them differently would fail the suite.
import quantile from '@stdlib/stats-base-dists-chisquare-quantile';

/** scipy.stats.chi2(2).isf(0.5) (the median of chi2 with 2 dof; closed form 2 ln 2 = 1.3862943611198906). */
export const CHI2_2_ISF_0_5 = 1.386294361119891;
/** scipy.stats.chi2(2).isf(0.025): MinCovDet's reweighting cut-off (equal to -2 ln 0.025 here). */
export const CHI2_2_ISF_0_025 = 7.3777589082278725;
/** scipy.stats.chi2.ppf(0.975, 2) = chdtri(2, 1 - 0.975): pingouin's skipped-correlation constant, squared. */
export const CHI2_2_PPF_0_975 = 7.377758908227871;

/** chi2(df).ppf(p) for any dof (stdlib; within a few ulp of scipy). Exact scipy doubles are above for df = 2. */
export function chi2Ppf(p: number, df: number): number {
  return quantile(p, df);
}

/** chi2(df).cdf(x) for even df, by the closed form 1 - exp(-x/2) * sum_{k < df/2} (x/2)^k / k!. */
export function chi2CdfEvenDf(x: number, df: number): number {
  if (df % 2 !== 0 || df <= 0) throw new RangeError(`chi2CdfEvenDf: df must be a positive even integer, got ${df}`);
  if (x <= 0) return 0;
  const h = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < df / 2; k++) {
    term *= h / k;
    sum += term;
  }
  return -Math.expm1(-h) - Math.exp(-h) * (sum - 1);
}
