import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choose, runHeldOut, splitSizes, type Candidate } from './heldout.ts';

const models = Array.from({ length: 12 }, (_, i) => `m${i}`);
const downstream = Object.fromEntries(models.map((m, i) => [m, i]));
const perfect: Candidate = { hyperparameters: { k: 'perfect' }, scores: Object.fromEntries(models.map((m, i) => [m, i * 10])) };
const reversed: Candidate = { hyperparameters: { k: 'reversed' }, scores: Object.fromEntries(models.map((m, i) => [m, -i])) };
const undefinedOnOne: Candidate = { hyperparameters: { k: 'nan' }, scores: { ...perfect.scores, m3: NaN } };

describe('held-out protocol', () => {
  it('picks the perfect grid point on every split and measures Spearman 1 on every test split', () => {
    const { heldOut, final } = runHeldOut(models, downstream, [reversed, perfect], { nSplits: 20, trainFraction: 2 / 3, seed: 7 });
    expect(heldOut.testSpearman).toHaveLength(20);
    expect(heldOut.mean).toBe(1);
    expect(heldOut.sd).toBe(0);
    expect(heldOut.chosen).toEqual([{ hyperparameters: { k: 'perfect' }, count: 20 }]);
    expect(final).toBe(perfect);
  });

  it('a reversed metric scores -1: the protocol does not flip signs for it', () => {
    const { heldOut } = runHeldOut(models, downstream, [reversed], { nSplits: 5, trainFraction: 2 / 3, seed: 1 });
    expect(heldOut.mean).toBe(-1);
  });

  it('leaves out grid points that are not finite for every model', () => {
    const { heldOut } = runHeldOut(models, downstream, [undefinedOnOne, reversed], { nSplits: 5, trainFraction: 2 / 3, seed: 1 });
    expect(heldOut.chosen.map((c) => c.hyperparameters.k)).toEqual(['reversed']);
    expect(() => runHeldOut(models, downstream, [undefinedOnOne])).toThrow(/no grid point gives finite scores/);
  });

  it('is deterministic for a seed and depends on it', () => {
    const noisy: Candidate[] = [0, 1, 2].map((j) => ({
      hyperparameters: { j },
      scores: Object.fromEntries(models.map((m, i) => [m, i + ((i * 7 + j * 5) % 6)])),
    }));
    const a = runHeldOut(models, downstream, noisy, { nSplits: 30, trainFraction: 2 / 3, seed: 3 });
    const b = runHeldOut(models, downstream, noisy, { nSplits: 30, trainFraction: 2 / 3, seed: 3 });
    const c = runHeldOut(models, downstream, noisy, { nSplits: 30, trainFraction: 2 / 3, seed: 4 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.heldOut.testSpearman).not.toEqual(a.heldOut.testSpearman);
  });

  it('never looks at test models when choosing (choice depends only on the train models)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 12, maxLength: 12 }), (noise) => {
        const a: Candidate = { hyperparameters: { k: 'a' }, scores: Object.fromEntries(models.map((m, i) => [m, i + noise[i]])) };
        const b: Candidate = { hyperparameters: { k: 'b' }, scores: Object.fromEntries(models.map((m, i) => [m, -i + noise[i]])) };
        const train = models.slice(0, 8);
        const changedTest = { ...downstream, m9: -100, m10: 100, m11: 50 };
        return choose([a, b], train, downstream) === choose([a, b], train, changedTest);
      }),
      { seed: 5, numRuns: 50 },
    );
  });

  it('split sizes: about one third tested, at least 3 models on each side', () => {
    expect(splitSizes(17, 2 / 3)).toEqual({ train: 11, test: 6 });
    expect(splitSizes(6, 2 / 3)).toEqual({ train: 3, test: 3 });
    expect(() => splitSizes(5, 2 / 3)).toThrow(/too few/);
  });
});
