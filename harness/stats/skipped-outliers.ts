// pingouin's "skipped" correlation outlier rule (pingouin >= 0.3.9, the projection form), as the reference verifier
// scripts/verify_locked_no4k.py computes it: centre = MinCovDet(random_state=42) location of the raw [x, y] points,
// B = X - centre; point j's distance along direction i is |B_j . B_i| / |B_i| (a row of zeros where B_i = 0);
// per row the cut-off is median + sqrt(chi2.ppf(0.975, 2)) * ideal-fourths IQR; an outlier exceeds any row's cut.
// Written by hand, in numpy's operation order (the 2-element dot is OpenBLAS dgemv's fma(b_j0, b_i0, b_j1 * b_i1)),
// so that points sitting on a cut-off fall on the same side as in Python.
import { minCovDet, type McdCorrection } from './mincovdet.ts';
import { fma, medianNumpy } from './numpy-kernels.ts';
import { CHI2_2_PPF_0_975 } from './chi2.ts';

const GVAL = Math.sqrt(CHI2_2_PPF_0_975);

/** Wilcox's ideal-fourths interquartile range, as pingouin's `_idealf`. */
export function idealfIqr(values: readonly number[]): number {
  const n = values.length;
  const s = Float64Array.from(values).sort();
  const j = Math.floor(n / 4 + 5 / 12);
  const g = n / 4 - j + 5 / 12;
  const low = (1 - g) * s[j - 1] + g * s[j];
  const k = n - j + 1;
  const up = (1 - g) * s[k - 1] + g * s[k - 2];
  return up - low;
}

/** true = outlier. Uses minCovDet(random_state 42) location of the 2-column data [x, y]. */
export function skippedOutliers(x: number[], y: number[], options: { correction?: McdCorrection } = {}): boolean[] {
  if (x.length !== y.length) throw new RangeError(`skippedOutliers: x has ${x.length} values, y has ${y.length}`);
  const n = x.length;
  const X = x.map((v, i) => [v, y[i]]);
  const [c0, c1] = minCovDet(X, { randomState: 42, correction: options.correction }).location;
  const b0 = x.map((v) => v - c0);
  const b1 = y.map((v) => v - c1);
  const outlier = new Array<boolean>(n).fill(false);
  const row = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const bot = b0[i] * b0[i] + b1[i] * b1[i];
    for (let j = 0; j < n; j++) {
      if (bot === 0) {
        row[j] = 0;
        continue;
      }
      const v = fma(b0[j], b0[i], b1[j] * b1[i]);
      const p0 = (v * b0[i]) / bot;
      const p1 = (v * b1[i]) / bot;
      row[j] = Math.sqrt(p0 * p0 + p1 * p1);
    }
    const cut = medianNumpy(row) + GVAL * idealfIqr(row);
    for (let j = 0; j < n; j++) if (row[j] > cut) outlier[j] = true;
  }
  return outlier;
}
