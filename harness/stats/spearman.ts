// Spearman's rho and its p-value exactly as scipy.stats.spearmanr (scipy 1.10) computes them: fewer than two
// observations or a constant input give NaN for both (scipy warns and returns nan); otherwise Pearson's
// correlation of average ranks via numpy.corrcoef's operation order, which makes rho bit-identical to scipy's
// (the centred ranks are multiples of 0.5, so the sums are exact).
import { averageRanks } from './ranks.ts';
import { correlationPValue } from './pvalue.ts';

export interface Correlation {
  /** NaN when undefined (serialised as null). */
  r: number;
  pValue: number;
}

export function isConstant(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

/** numpy.corrcoef(a, b)[0, 1]: cov with ddof 1, divided by the two standard deviations in turn, clipped. */
export function corrcoef(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n;
  const mb = sb / n;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    saa += da * da;
    sbb += db * db;
    sab += da * db;
  }
  const f = 1 / (n - 1);
  // numpy divides c[1, 0] by the second standard deviation first, then by the first.
  const c = (sab * f) / Math.sqrt(sbb * f) / Math.sqrt(saa * f);
  return Math.min(Math.max(c, -1), 1);
}

export function spearman(x: readonly number[], y: readonly number[]): Correlation {
  if (x.length !== y.length) throw new Error(`spearman: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n <= 1 || isConstant(x) || isConstant(y)) return { r: NaN, pValue: NaN };
  const r = corrcoef(averageRanks(x), averageRanks(y));
  return { r, pValue: correlationPValue(r, n) };
}
