// Pearson's r and its two-sided p-value as scipy.stats.pearsonr (scipy 1.10) defines them: a constant input
// gives NaN (scipy warns), n = 2 gives r = +-1 with p = 1, otherwise r = <xm/|xm|, ym/|ym|> clipped to [-1, 1].
// Agreement with scipy is to rounding (scipy's norms come from BLAS nrm2), not bit for bit.
import { correlationPValue } from './pvalue.ts';
import { isConstant, type Correlation } from './spearman.ts';

function norm(v: readonly number[]): number {
  // Scaled like BLAS nrm2, so huge or tiny values neither overflow nor underflow.
  let scale = 0;
  for (const x of v) scale = Math.max(scale, Math.abs(x));
  if (scale === 0) return 0;
  let ss = 0;
  for (const x of v) ss += (x / scale) * (x / scale);
  return scale * Math.sqrt(ss);
}

export function pearson(x: readonly number[], y: readonly number[]): Correlation {
  if (x.length !== y.length) throw new Error(`pearson: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2 || isConstant(x) || isConstant(y)) return { r: NaN, pValue: NaN };
  if (n === 2) return { r: Math.sign(x[1] - x[0]) * Math.sign(y[1] - y[0]), pValue: 1 };
  const mean = (v: readonly number[]) => v.reduce((s, t) => s + t, 0) / n;
  const mx = mean(x);
  const my = mean(y);
  const xm = x.map((v) => v - mx);
  const ym = y.map((v) => v - my);
  const nx = norm(xm);
  const ny = norm(ym);
  let r = 0;
  for (let i = 0; i < n; i++) r += (xm[i] / nx) * (ym[i] / ny);
  r = Math.min(Math.max(r, -1), 1);
  return { r, pValue: correlationPValue(r, n) };
}
