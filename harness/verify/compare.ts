// Field-by-field comparison of two verifier outputs (parsed JSON), used by the golden and differential tests.
// Rules (README, section "verifier"): counts, keys, hashes, seeds, the MCD rule and outlier lists must be equal;
// rho, r and p-values agree within 1e-9 relative (with a 1e-12 absolute floor for values that are zero up to
// rounding); bootstrap intervals must be identical (both sides compute bit-identical Spearman replicates);
// null (undefined statistic) matches only null. "verifier" and "versions" are not compared.
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

export function compareVerifyOutputs(expected: Json, actual: Json, at = ''): string[] {
  const diffs: string[] = [];
  const show = (v: Json) => JSON.stringify(v);
  if (CLOSE.has(at)) {
    if (typeof expected === 'number' && typeof actual === 'number') {
      if (!closeEnough(expected, actual)) diffs.push(`${at}: expected ${expected}, got ${actual} (beyond 1e-9 relative)`);
    } else if (expected !== actual) {
      diffs.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
    }
    return diffs;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual) || expected.length !== actual.length) {
      return [`${at}: expected ${show(expected)}, got ${show(actual)}`];
    }
    expected.forEach((e, i) => diffs.push(...compareVerifyOutputs(e, actual[i], `${at}[${i}]`)));
    return diffs;
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const path = at ? `${at}.${k}` : k;
      if (!at && NOT_COMPARED.has(k)) continue;
      if (!(k in expected)) diffs.push(`${path}: not in the expected output`);
      else if (!(k in actual)) diffs.push(`${path}: missing`);
      else diffs.push(...compareVerifyOutputs(expected[k], actual[k], path));
    }
    return diffs;
  }
  if (expected !== actual) diffs.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
  return diffs;
}
