// sklearn.covariance.MinCovDet(random_state=seed).fit(X) for two-column data, ported from scikit-learn 1.2.1's
// sklearn/covariance/_robust_covariance.py (Debian's, the reference verifier's) step by step: fast_mcd's
// small-sample path (30 random starts of 2 c-steps, the 10 best by log-determinant refined by c-steps of at most
// 30 iterations, the best one kept), then correct_covariance and reweight_covariance.
// Hand-written rather than built on a linear-algebra library because the decisions (argsort of distances and of
// determinants, unstable for ties; allclose convergence; pinvh's cut-off; slogdet's sign on singular supports)
// follow the last bits of numpy's arithmetic: numpy-kernels.ts reproduces those kernels.
//
// Behaviour on degenerate data, as sklearn 1.2.1:
// - a support whose covariance has log-determinant -inf (collinear or repeated points) stops its c-steps and wins
//   every comparison; precision is then the pseudo-inverse (pinvh), as in sklearn;
// - "The covariance matrix of the support data is equal to 0" (sklearn's ValueError, e.g. more than half the points
//   identical) and non-finite input are thrown as McdError, the error the Python reference turns into an undefined
//   statistic. sklearn's "Determinant has increased" warning path returns the previous estimate, as sklearn does.
// 'sklearn>=1.8' changes only the two consistency factors (scikit-learn PR #32117): correct_covariance divides the
// raw distances by _consistency_factor(p, n_support / n) = alpha / chi2(p + 2).cdf(chi2(p).ppf(alpha)) instead of
// median(d^2) / chi2(p).isf(0.5), and reweight_covariance multiplies the reweighted covariance by
// _consistency_factor(p, 0.975). (sklearn >= 1.6 also picks supports by argpartition instead of argsort, which can
// only differ on exact ties at the n_support boundary; this port keeps argsort for both rules.)
// Scope: two columns and at most 500 rows (sklearn's n > 500 subset path is not ported); other shapes throw
// RangeError.
import { RandomState } from './randomstate.ts';
import {
  argsortNumpy,
  cov2,
  fastLogdet2,
  mahalanobis2,
  mean2,
  medianNumpy,
  pinvh2,
  type Mat2,
  type Vec2,
} from './numpy-kernels.ts';
import { CHI2_2_ISF_0_025, CHI2_2_ISF_0_5, chi2CdfEvenDf } from './chi2.ts';

export type McdCorrection = 'sklearn<=1.7' | 'sklearn>=1.8';

export interface McdResult {
  location: number[];
  covariance: number[][];
  support: boolean[];
  rawLocation: number[];
  rawCovariance: number[][];
  rawSupport: boolean[];
  /** Squared Mahalanobis distances under the reweighted estimate (sklearn's dist_). */
  dist: number[];
  /** fast_mcd's raw distances before correct_covariance rescales them (added to the agreed interface). */
  rawDist: number[];
  correction: McdCorrection;
}

export interface McdOptions {
  /** default 42 (pingouin's choice) */
  randomState?: number;
  /** sklearn's support_fraction; default: n_support = ceil((n + p + 1) / 2) */
  supportFraction?: number;
  /** default 'sklearn<=1.7' (the rule of the reference's scikit-learn 1.2.1) */
  correction?: McdCorrection;
}

/** The numerical refusals sklearn raises as ValueError; the verifiers make the statistic undefined on them. */
export class McdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McdError';
  }
}

interface Estimate {
  location: Vec2;
  covariance: Mat2;
  det: number;
  support: boolean[];
  dist: number[];
}

const P = 2;

function selectRows(X: readonly Vec2[], support: readonly boolean[]): Vec2[] {
  return X.filter((_, i) => support[i]);
}

function smallestMask(dist: readonly number[], nSupport: number): boolean[] {
  const mask = new Array<boolean>(dist.length).fill(false);
  for (const i of argsortNumpy(dist).slice(0, nSupport)) mask[i] = true;
  return mask;
}

/** np.allclose(a, b) for scalars (rtol 1e-5, atol 1e-8; equal infinities are close). */
function allclose(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

/** sklearn's _c_step. */
function cStep(X: readonly Vec2[], nSupport: number, rs: RandomState, remaining: number, initial?: { location: Vec2; covariance: Mat2 }): Estimate {
  const n = X.length;
  let support: boolean[];
  let dist: number[] | undefined; // sklearn's scalar np.inf until the first distances
  if (!initial) {
    support = new Array<boolean>(n).fill(false);
    for (const i of rs.permutation(n).slice(0, nSupport)) support[i] = true;
  } else {
    const precision0 = pinvh2(initial.covariance);
    dist = mahalanobis2(X, initial.location, precision0);
    support = smallestMask(dist, nSupport);
  }
  let xs = selectRows(X, support);
  let location = mean2(xs);
  let covariance = cov2(xs);
  let det = fastLogdet2(covariance);
  let precision: Mat2 | undefined;
  if (det === -Infinity || det === Infinity) precision = pinvh2(covariance);

  let previousDet = Infinity;
  let previous: { location: Vec2; covariance: Mat2; support: boolean[] } | undefined;
  while (det < previousDet && remaining > 0 && Math.abs(det) !== Infinity) {
    previous = { location, covariance, support };
    previousDet = det;
    precision = pinvh2(covariance);
    dist = mahalanobis2(X, location, precision);
    support = smallestMask(dist, nSupport);
    xs = selectRows(X, support);
    location = mean2(xs);
    covariance = cov2(xs);
    det = fastLogdet2(covariance);
    remaining -= 1;
  }
  const previousDist = dist;
  // sklearn: final distances use the current location with the precision of the last loop (or of the start).
  const finalDist = mahalanobis2(X, location, precision!);
  let result: Estimate | undefined;
  const current = (): Estimate => ({ location, covariance, det, support, dist: finalDist });
  if (Math.abs(det) === Infinity) result = current();
  if (allclose(det, previousDet)) result = current();
  else if (det > previousDet) {
    // sklearn warns "Determinant has increased; this should not happen" and keeps the previous estimate.
    result = { ...previous!, det: previousDet, dist: previousDist! };
  }
  if (remaining === 0) result = current();
  if (!result) {
    // sklearn would fail with UnboundLocalError here (NaN determinant): only non-finite data gets here.
    throw new McdError('MinCovDet: the c-step produced a NaN determinant (non-finite data)');
  }
  return result;
}

/** sklearn's select_candidates: the `select` estimates of smallest log-determinant, in argsort order. */
function selectCandidates(X: readonly Vec2[], nSupport: number, rs: RandomState, starts: number | Array<{ location: Vec2; covariance: Mat2 }>, select: number, nIter: number): Estimate[] {
  const all: Estimate[] =
    typeof starts === 'number'
      ? Array.from({ length: starts }, () => cStep(X, nSupport, rs, nIter))
      : starts.map((s) => cStep(X, nSupport, rs, nIter, s));
  return argsortNumpy(all.map((e) => e.det))
    .slice(0, select)
    .map((i) => all[i]);
}

/** sklearn 1.2's fast_mcd for two columns and n <= 500. */
function fastMcd(X: readonly Vec2[], nSupport: number, rs: RandomState): Estimate {
  const best10 = selectCandidates(X, nSupport, rs, 30, 10, 2);
  const [best] = selectCandidates(
    X,
    nSupport,
    rs,
    best10.map((e) => ({ location: e.location, covariance: e.covariance })),
    1,
    30,
  );
  return best;
}

/**
 * Croux & Haesbroeck's consistency factor alpha / P(chi2_{p+2} <= chi2_p.ppf(alpha)), the constant that
 * scikit-learn 1.8 (PR #32117) puts in place of the data-dependent median rule. For p = 2 the quantile is
 * -2 ln(1 - alpha) in closed form.
 */
export function consistencyFactor2(alpha: number): number {
  const q = -2 * Math.log1p(-alpha);
  return alpha / chi2CdfEvenDf(q, P + 2);
}

function toMatrix(m: Mat2): number[][] {
  return [
    [m[0], m[1]],
    [m[2], m[3]],
  ];
}

export function minCovDet(X: number[][], options: McdOptions = {}): McdResult {
  const correction = options.correction ?? 'sklearn<=1.7';
  const seed = options.randomState ?? 42;
  const n = X.length;
  if (n < 2) throw new McdError(`MinCovDet: found array with ${n} sample(s) while a minimum of 2 is required`);
  if (n > 500) throw new RangeError(`minCovDet: ${n} rows; only sklearn's small-sample path (n <= 500) is ported`);
  for (const row of X) {
    if (row.length !== P) throw new RangeError(`minCovDet: rows must have ${P} columns, got ${row.length}`);
    if (!Number.isFinite(row[0]) || !Number.isFinite(row[1])) throw new McdError('MinCovDet: input contains NaN or infinity');
  }
  const rows = X.map((r) => [r[0], r[1]] as Vec2);
  let nSupport: number;
  if (options.supportFraction === undefined) nSupport = Math.ceil(0.5 * (n + P + 1));
  else {
    const f = options.supportFraction;
    if (!(f > 0 && f <= 1)) throw new RangeError(`minCovDet: supportFraction must be in (0, 1], got ${f}`);
    nSupport = Math.trunc(f * n);
  }
  nSupport = Math.min(nSupport, n); // sklearn slices [:n_support], which clips

  const rs = new RandomState(seed);
  const raw = fastMcd(rows, nSupport, rs);

  // correct_covariance: only dist_ is rescaled (sklearn discards the corrected covariance it returns).
  const supportCount = raw.support.filter(Boolean).length;
  if (supportCount < n && raw.covariance.every((c) => Math.abs(c) <= 1e-8)) {
    throw new McdError('The covariance matrix of the support data is equal to 0, try to increase support_fraction');
  }
  const factor = correction === 'sklearn<=1.7' ? medianNumpy(raw.dist) / CHI2_2_ISF_0_5 : consistencyFactor2(supportCount / n);
  const corrected = raw.dist.map((d) => d / factor);

  // reweight_covariance
  const mask = corrected.map((d) => d < CHI2_2_ISF_0_025);
  const kept = selectRows(rows, mask);
  if (kept.length === 0) throw new McdError('MinCovDet: no point passes the reweighting cut-off (sklearn fails on the empty mean: "Input contains NaN")');
  const location = mean2(kept);
  let covariance = cov2(kept);
  if (correction === 'sklearn>=1.8') {
    const c = consistencyFactor2(0.975);
    covariance = covariance.map((v) => v * c) as Mat2;
  }
  const dist = mahalanobis2(rows, location, pinvh2(covariance));
  return {
    location: [...location],
    covariance: toMatrix(covariance),
    support: mask,
    rawLocation: [...raw.location],
    rawCovariance: toMatrix(raw.covariance),
    rawSupport: raw.support,
    dist,
    rawDist: raw.dist,
    correction,
  };
}
