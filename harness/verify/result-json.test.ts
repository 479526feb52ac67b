import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerifyResult } from '../contract/types.ts';
import { parseVerifyResult, verifyResultToJson, writeFileAtomic } from './result-json.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-result-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('writes atomically and leaves no temporary file behind', () => {
    const file = path.join(dir, 'sub', 'out.json');
    writeFileAtomic(file, 'one\n');
    writeFileAtomic(file, 'two\n');
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(path.dirname(file))).toEqual(['out.json']);
  });

  it('keeps the old file when the write fails', () => {
    const file = path.join(dir, 'keep.json');
    writeFileAtomic(file, 'good\n');
    // Renaming onto a directory fails: the target stays as it was and the temporary file is removed.
    const asDir = path.join(dir, 'is-a-dir');
    writeFileAtomic(path.join(asDir, 'x.json'), 'x');
    expect(() => writeFileAtomic(asDir, 'bad')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('good\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(path.join(asDir, 'x.json'))).toBe(true);
  });
});
