// VerifyResult <-> JSON. In memory an undefined statistic is NaN (so callers keep plain numbers); in JSON it is
// null, in both verifiers.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { VerifyResult } from '../contract/types.ts';

export function verifyResultToJson(result: VerifyResult): string {
  return JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** Parses a verifier output (either verifier's), turning null statistics back into NaN. */
export function parseVerifyResult(text: string, file = '<verify output>'): VerifyResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); re-run the verifier`);
  }
  const r = raw as VerifyResult;
  if (typeof r !== 'object' || r === null || typeof r.n_models !== 'number' || !r.spearman || !r.skipped_spearman || !r.pearson) {
    throw new UserError(`${file}: not a verifier output (needs n_models, spearman, pearson, skipped_spearman); re-run the verifier`);
  }
  const num = (v: unknown) => (v === null ? NaN : (v as number));
  r.spearman.rho = num(r.spearman.rho);
  r.spearman.p_value = num(r.spearman.p_value);
  r.spearman.ci95 = [num(r.spearman.ci95[0]), num(r.spearman.ci95[1])];
  r.pearson.r = num(r.pearson.r);
  r.pearson.p_value = num(r.pearson.p_value);
  r.skipped_spearman.rho = num(r.skipped_spearman.rho);
  r.skipped_spearman.p_value = num(r.skipped_spearman.p_value);
  r.skipped_spearman.ci95 = [num(r.skipped_spearman.ci95[0]), num(r.skipped_spearman.ci95[1])];
  return r;
}

export function readVerifyResult(file: string): VerifyResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the verifier output (${(err as NodeJS.ErrnoException).code}); run longproxy verify first`);
  }
  return parseVerifyResult(text, file);
}
