// The skipped Spearman correlation as pingouin defines its "skipped" correlation: outliers by the MCD
// projection rule (harness/stats/skipped-outliers.ts), then Spearman on the remaining points.
import { skippedOutliers } from '../stats/skipped-outliers.ts';
import { McdError } from '../stats/mincovdet.ts';
import type { McdCorrection } from '../stats/mincovdet.ts';
import { spearman, type Correlation } from '../stats/spearman.ts';

export interface SkippedSpearman extends Correlation {
  /** true = outlier; undefined when the MCD fit is impossible (the statistic is then NaN). */
  outliers: boolean[] | undefined;
}

export function skippedSpearman(x: readonly number[], y: readonly number[], correction: McdCorrection): SkippedSpearman {
  let outliers: boolean[];
  try {
    outliers = skippedOutliers([...x], [...y], { correction });
  } catch (err) {
    // sklearn's MinCovDet raises on degenerate supports (e.g. zero covariance); the reference then reports the
    // statistic as undefined, and so do we. Any other error is a bug and propagates.
    if (err instanceof McdError) return { r: NaN, pValue: NaN, outliers: undefined };
    throw err;
  }
  const keptX: number[] = [];
  const keptY: number[] = [];
  outliers.forEach((o, i) => {
    if (!o) {
      keptX.push(x[i]);
      keptY.push(y[i]);
    }
  });
  return { ...spearman(keptX, keptY), outliers };
}
