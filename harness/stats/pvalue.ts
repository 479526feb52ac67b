// Two-sided p-value of a correlation coefficient from Student's t with n - 2 degrees of freedom, as scipy 1.10
// computes it for spearmanr: t = r * sqrt(dof / ((r + 1) * (1 - r))) (clipped at 0), p = 2 * T_dof(-|t|).
// Written by hand (not via a library's correlation test) to follow scipy's formula step by step; the
// (r + 1) * (1 - r) form keeps 1 - r^2 accurate when |r| is near 1. For Pearson, scipy uses the exact beta
// distribution of r, which is the same distribution; the two agree to rounding.
import tcdf from '@stdlib/stats-base-dists-t-cdf';

export function correlationPValue(r: number, n: number): number {
  const dof = n - 2;
  if (Number.isNaN(r) || dof < 0) return NaN;
  const ratio = dof / ((r + 1) * (1 - r));
  const t = r * Math.sqrt(Number.isNaN(ratio) ? NaN : Math.max(ratio, 0));
  return 2 * tcdf(-Math.abs(t), dof);
}
