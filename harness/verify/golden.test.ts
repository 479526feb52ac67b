// Golden check: the TypeScript verifier on every case of fixtures/golden/cases/ must give the Python reference's
// stored output (compare.ts states the rules). Runs without Python; regenerate the cases with
// `/usr/bin/python3 fixtures/golden/generate.py`.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { verifySubmission } from './verify-submission.ts';
import { verifyResultToJson } from './result-json.ts';
import { compareVerifyOutputs } from './compare.ts';
import { REPO_ROOT } from '../util/paths.ts';

const CASES_DIR = path.join(REPO_ROOT, 'fixtures', 'golden', 'cases');
const cases = readdirSync(CASES_DIR).sort();

describe('golden verifier outputs (Python reference)', () => {
  it('has at least 30 cases, both submission formats, n = 17 and other n', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const subs = cases.map((c) => JSON.parse(readFileSync(path.join(CASES_DIR, c, 'submission.json'), 'utf8')));
    expect(subs.some(Array.isArray)).toBe(true);
    expect(subs.some((s) => !Array.isArray(s))).toBe(true);
    const ns = new Set(cases.map((c) => JSON.parse(readFileSync(path.join(CASES_DIR, c, 'expected.json'), 'utf8')).n_models));
    expect(ns.has(17)).toBe(true);
    expect(ns.size).toBeGreaterThan(3);
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(CASES_DIR, name);
    const args = JSON.parse(readFileSync(path.join(dir, 'args.json'), 'utf8'));
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const result = await verifySubmission({
      submissionPath: path.join(dir, 'submission.json'),
      downstreamPath: path.join(dir, 'downstream.json'),
      metricKey: args.metric_key,
      nBoot: args.n_boot,
      seed: args.seed,
      // The rule the reference ran under (recorded in its output), so the comparison stays fair if the goldens
      // are regenerated with scikit-learn >= 1.8.
      mcdCorrection: expected.mcd_correction,
    });
    const actual = JSON.parse(verifyResultToJson(result));
    expect(compareVerifyOutputs(expected, actual)).toEqual([]);
  });
});
