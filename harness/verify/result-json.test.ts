import { describe, expect, it } from 'vitest';
import type { VerifyResult } from '../contract/types.ts';
import { parseVerifyResult, verifyResultToJson } from './result-json.ts';

const undefinedStats: VerifyResult = {
  n_models: 17,
  metric_key: 'score',
  spearman: { rho: NaN, p_value: NaN, ci95: [NaN, NaN] },
  pearson: { r: 0.5, p_value: 0.04 },
  skipped_spearman: { rho: NaN, p_value: NaN, outliers: [], ci95: [0.1, 1] },
  bootstrap: { n_boot: 10, seed: 0, valid: { spearman: 0, skipped_spearman: 4 } },
  submission_sha256: 'a'.repeat(64),
  downstream_sha256: 'b'.repeat(64),
};

describe('verifier JSON', () => {
  it('writes undefined statistics as null and reads them back as NaN', () => {
    const text = verifyResultToJson(undefinedStats);
    const raw = JSON.parse(text);
    expect(raw.spearman).toEqual({ rho: null, p_value: null, ci95: [null, null] });
    expect(raw.skipped_spearman.rho).toBeNull();
    expect(raw.pearson.r).toBe(0.5);
    expect(parseVerifyResult(text)).toEqual(undefinedStats);
  });

  it('refuses a file that is not a verifier output, naming it', () => {
    expect(() => parseVerifyResult('{"x": 1}', 'r.json')).toThrow(/r\.json: not a verifier output/);
    expect(() => parseVerifyResult('{', 'r.json')).toThrow(/r\.json: not valid JSON/);
  });
});
