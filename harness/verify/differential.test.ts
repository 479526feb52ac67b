// Differential check: 200 random cases drawn with fast-check, each verified by the Python reference and by the
// TypeScript verifier; the outputs must agree under compare.ts's rules. Python runs batched (two interpreters),
// bootstraps are short (1..4 replicates) so the whole suite takes seconds. Skipped, with the reason, only when
// /usr/bin/python3 (or LONGPROXY_PYTHON) lacks numpy, scipy or scikit-learn; .ci/run installs them.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifySubmission } from './verify-submission.ts';
import { verifyResultToJson } from './result-json.ts';
import { compareVerifyOutputs } from './compare.ts';
import { pythonUnavailableReason, runReferenceParallel } from './python-reference.ts';

const N_CASES = 200;

// Values: a coarse grid (many ties), fine decimals, or wide-range doubles; scores are either independent of the
// downstream values or a noisy monotone transform of them (possibly negated), plus optional gross outliers.
const value = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((v) => v * 2.5),
  fc.integer({ min: -100000, max: 100000 }).map((v) => v / 1000),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);
const caseArb = fc.integer({ min: 3, max: 24 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    down: fc.array(value, { minLength: n, maxLength: n }),
    independent: fc.array(value, { minLength: n, maxLength: n }),
    noise: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
    mode: fc.constantFrom('independent', 'related', 'related-negated', 'related-outliers'),
    outliers: fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 3 }),
    rows: fc.boolean(),
    metricKey: fc.constantFrom('score', 'neg_ppl'),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    nBoot: fc.integer({ min: 1, max: 4 }),
  }),
);
type CaseValue = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function scoresOf(c: CaseValue): number[] {
  if (c.mode === 'independent') return c.independent;
  const spread = Math.max(...c.down) - Math.min(...c.down) || 1;
  const s = c.down.map((d, i) => d + c.noise[i] * spread * 0.5);
  if (c.mode === 'related-negated') return s.map((v) => -v);
  if (c.mode === 'related-outliers') for (const i of c.outliers) s[i] += 50 * spread;
  return s;
}

const noPython = pythonUnavailableReason();
const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-differential-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(noPython !== undefined)(`differential: TypeScript vs Python reference${noPython ? ` (skipped: ${noPython})` : ''}`, () => {
  it(`agrees on ${N_CASES} fast-check cases`, async () => {
    const samples = fc.sample(caseArb, { numRuns: N_CASES, seed: 20240601 });
    const jobs = samples.map((c, i) => {
      const d = path.join(dir, `case-${i}`);
      mkdirSync(d);
      const models = Array.from({ length: c.n }, (_, k) => `org/model-${String.fromCharCode(97 + ((k * 7) % 26))}${k}`);
      const scores = scoresOf(c);
      const sub = c.rows ? models.map((model, k) => ({ model, [c.metricKey]: scores[k] })) : Object.fromEntries(models.map((m, k) => [m, scores[k]]));
      const files = { sub: path.join(d, 's.json'), down: path.join(d, 'd.json'), py: path.join(d, 'py.json') };
      writeFileSync(files.sub, JSON.stringify(sub));
      writeFileSync(files.down, JSON.stringify(Object.fromEntries(models.map((m, k) => [m, c.down[k]]))));
      return { c, files };
    });
    const runs = await runReferenceParallel(
      jobs.map(({ c, files }) => ['--submission', files.sub, '--downstream', files.down, '--metric-key', c.metricKey, '--n-boot', String(c.nBoot), '--seed', String(c.seed), '--out', files.py]),
    );
    const failures: string[] = [];
    for (const [i, { c, files }] of jobs.entries()) {
      if (runs[i].code !== 0) {
        failures.push(`case ${i}: reference exit ${runs[i].code}: ${runs[i].stderr}`);
        continue;
      }
      const expected = JSON.parse(readFileSync(files.py, 'utf8'));
      const result = await verifySubmission({
        submissionPath: files.sub,
        downstreamPath: files.down,
        metricKey: c.metricKey,
        nBoot: c.nBoot,
        seed: c.seed,
        mcdCorrection: expected.mcd_correction,
      });
      const diffs = compareVerifyOutputs(expected, JSON.parse(verifyResultToJson(result)));
      if (diffs.length) failures.push(`case ${i} (${files.sub}, n=${c.n}, mode ${c.mode}): ${diffs.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });
});
