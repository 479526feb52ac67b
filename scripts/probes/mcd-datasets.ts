// Deterministic 2-column data sets for the MinCovDet / skipped-outlier cross-checks: the shapes real submissions
// produce (17 points, smaller and larger n, ties, gross outliers, constant columns, collinear points, majorities of
// identical points, bootstrap resamples with repeated rows). Drawn from RandomState so Python never needs them
// regenerated: the test sends the values themselves.
import { RandomState } from '../../harness/stats/randomstate.ts';

export interface Dataset {
  kind: string;
  x: number[];
  y: number[];
}

const KINDS = ['gaussian', 'integer-ties', 'outliers', 'constant-x', 'grid-ties', 'decimals', 'resample', 'collinear', 'majority-identical', 'constant-y'] as const;
const SIZES = [17, 17, 17, 17, 4, 5, 6, 8, 10, 12, 17, 20, 25, 30, 50];

export function mcdDatasets(count: number, seed = 20240501): Dataset[] {
  const r = new RandomState(seed);
  const u = () => r.randomSample();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const out: Dataset[] = [];
  for (let k = 0; k < count; k++) {
    const kind = KINDS[k % KINDS.length];
    const n = SIZES[Math.floor(k / KINDS.length) % SIZES.length];
    const slope = 2 * u() - 1;
    let x: number[] = [];
    let y: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = gauss();
      let b = slope * a + gauss() * 0.7;
      let c = a;
      if (kind === 'integer-ties') [c, b] = [Math.round(2 * a), Math.round(2 * b)];
      if (kind === 'outliers' && i < Math.max(1, Math.floor(n / 6))) b += (u() < 0.5 ? -1 : 1) * (8 + 20 * u());
      if (kind === 'constant-x') c = 0.1 * (1 + (k % 9));
      if (kind === 'grid-ties') [c, b] = [Math.floor(3 * u()), Math.floor(3 * u())];
      if (kind === 'decimals') [c, b] = [Math.round(100 * (50 + 10 * a)) / 100, Math.round(1000 * (0.5 + 0.1 * b)) / 1000];
      if (kind === 'collinear') b = 3 * c - 0.25;
      if (kind === 'majority-identical' && i <= n / 2) [c, b] = [1.25, -0.5];
      if (kind === 'constant-y') b = -2.2;
      x.push(c);
      y.push(b);
    }
    if (kind === 'resample') {
      const idx = r.randint(0, n, n);
      [x, y] = [idx.map((i) => x[i]), idx.map((i) => y[i])];
    }
    out.push({ kind, x, y });
  }
  return out;
}
