// Field-by-field comparison of two verifier outputs (parsed JSON), used by the golden and differential tests.
// Rules (README, section "verifier"): counts, keys, hashes, seeds, the MCD rule and outlier lists must be equal;
// rho, r and p-values agree within 1e-9 relative (with a 1e-12 absolute floor for values that are zero up to
// rounding); bootstrap intervals must be identical (both sides compute bit-identical Spearman replicates);
// null (undefined statistic) matches only null. "verifier" and "versions" are not compared.
// One exception, for Pearson's p-value only: Pearson's r is not bit-identical (scipy takes norms and dot products
// through OpenBLAS kernels with extended precision), and near |r| = 1 the p-value is arbitrarily ill-conditioned
// in r (n = 3: one ulp of r moves p from 0 to 1e-8). There p is accepted when it lies between the p-values of the
// reference's r moved by +-4 ulps (backward error), computed with the same t formula.
import { correlationPValue } from '../stats/pvalue.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NOT_COMPARED = new Set(['verifier', 'versions']);
const CLOSE = new Set(['spearman.rho', 'spearman.p_value', 'pearson.r', 'pearson.p_value', 'skipped_spearman.rho', 'skipped_spearman.p_value']);
export const REL_TOL = 1e-9;
export const ABS_FLOOR = 1e-12;

export function closeEnough(a: number, b: number): boolean {
  if (a === b) return true;
  const d = Math.abs(a - b);
  return d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b)) || d <= ABS_FLOOR;
}

/** Pearson p-value within the p-values of r +- 4 ulps (see above); r: the reference's Pearson r. */
export function pearsonPValueBackwardOk(pExpected: number, pActual: number, rExpected: number, rActual: number, n: number): boolean {
  const ulps = 4 * Math.max(Math.abs(rExpected), 2 ** -1022) * 2 ** -52;
  if (Math.abs(rActual - rExpected) > ulps) return false;
  const ends = [-1, 1].map((s) => correlationPValue(Math.max(-1, Math.min(1, rExpected + s * ulps)), n));
  const lo = Math.min(...ends, pExpected) * (1 - REL_TOL);
  const hi = Math.max(...ends, pExpected) * (1 + REL_TOL);
  return pActual >= lo && pActual <= hi;
}

export function compareVerifyOutputs(expected: Json, actual: Json, at = '', root: { expected: Json; actual: Json } = { expected, actual }): string[] {
  const diffs: string[] = [];
  const show = (v: Json) => JSON.stringify(v);
  if (CLOSE.has(at)) {
    if (typeof expected === 'number' && typeof actual === 'number') {
      const e = root.expected as { n_models: number; pearson: { r: number } };
      const a = root.actual as { pearson: { r: number } };
      const backward = at === 'pearson.p_value' && pearsonPValueBackwardOk(expected, actual, e.pearson.r, a.pearson.r, e.n_models);
      if (!closeEnough(expected, actual) && !backward) diffs.push(`${at}: expected ${expected}, got ${actual} (beyond 1e-9 relative)`);
    } else if (expected !== actual) {
      diffs.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
    }
    return diffs;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual) || expected.length !== actual.length) {
      return [`${at}: expected ${show(expected)}, got ${show(actual)}`];
    }
    expected.forEach((e, i) => diffs.push(...compareVerifyOutputs(e, actual[i], `${at}[${i}]`, root)));
    return diffs;
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const path = at ? `${at}.${k}` : k;
      if (!at && NOT_COMPARED.has(k)) continue;
      if (!(k in expected)) diffs.push(`${path}: not in the expected output`);
      else if (!(k in actual)) diffs.push(`${path}: missing`);
      else diffs.push(...compareVerifyOutputs(expected[k], actual[k], path, root));
    }
    return diffs;
  }
  if (expected !== actual) diffs.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
  return diffs;
}
