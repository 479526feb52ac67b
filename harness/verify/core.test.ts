import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyScores } from './core.ts';
import { verifyResultToJson } from './result-json.ts';

const down = { 'm-a': 10, 'm-b': 20, 'm-c': 15, 'm-d': 40, 'm-e': 33, 'm-f': 5 };

describe('verifyScores (pure core)', () => {
  it('refuses a model set that differs from the downstream one, naming the submission', () => {
    expect(() => verifyScores({ scores: { 'm-a': 1 }, downstream: down, metricKey: 'score', nBoot: 5, seed: 0, submissionLabel: 'fold 3' })).toThrow(
      /fold 3: missing models \["m-b","m-c","m-d","m-e","m-f"\], extra models \[\]/,
    );
    expect(() => verifyScores({ scores: { ...down, 'm-a': NaN }, downstream: down, metricKey: 'score', nBoot: 5, seed: 0 })).toThrow(/non-finite/);
    expect(() => verifyScores({ scores: down, downstream: down, metricKey: 'score', nBoot: 0, seed: 0 })).toThrow(/n-boot/);
  });

  it('is deterministic, independent of key order, and sign-symmetric in the Spearmans', () => {
    const arb = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 1000 }), (v, seed) => {
        const models = Object.keys(down);
        const scores = Object.fromEntries(models.map((m, i) => [m, v[i] / 10]));
        const reversed = Object.fromEntries(models.reverse().map((m) => [m, scores[m]]));
        const a = verifyScores({ scores, downstream: down, metricKey: 'score', nBoot: 3, seed });
        const b = verifyScores({ scores: reversed, downstream: down, metricKey: 'score', nBoot: 3, seed });
        expect(verifyResultToJson(b)).toBe(verifyResultToJson(a));
        const neg = verifyScores({ scores: Object.fromEntries(models.map((m) => [m, -scores[m]])), downstream: down, metricKey: 'score', nBoot: 3, seed });
        if (!Number.isNaN(a.spearman.rho)) expect(neg.spearman.rho).toBeCloseTo(-a.spearman.rho, 12);
        expect(a.mcd_correction).toBe('sklearn<=1.7');
      }),
      { numRuns: 30 },
    );
  });
});
