// Held-out protocol (pure): repeated seeded random splits of a setting's models; on each split the
// hyperparameters are chosen on the train models (highest Spearman of score against downstream; ties go to the
// earlier grid point) and the test Spearman of that choice is recorded. The same rule on all models gives the
// hyperparameters of the submitted scores, whose full-set Spearman is therefore optimistic: the held-out mean is
// the honest number. Scores here are oriented (higher = better), as in submissions.
import { Rng } from '../util/rng.ts';
import { spearman } from '../stats/spearman.ts';
import { hyperKey } from './metric.ts';
import type { HeldOutResult, Hyperparameters } from './types.ts';

export interface Candidate {
  hyperparameters: Hyperparameters;
  /** Oriented score per model. */
  scores: Record<string, number>;
}

export interface HeldOutOptions {
  nSplits: number;
  trainFraction: number;
  seed: number;
}

export const DEFAULT_HELD_OUT: HeldOutOptions = { nSplits: 50, trainFraction: 2 / 3, seed: 20240601 };
/** Fewest models on each side of a split: Spearman of two points is only a sign. */
export const MIN_SIDE = 3;

/** Spearman of scores against downstream on `models`; an undefined value (constant input) counts as 0: no
 *  ranking information. */
export function rankAgreement(models: readonly string[], scores: Record<string, number>, downstream: Record<string, number>): number {
  const r = spearman(models.map((m) => scores[m]), models.map((m) => downstream[m])).r;
  return Number.isNaN(r) ? 0 : r;
}

/** Candidates whose scores are finite for every model (a grid point undefined on some model is left out). */
export function usableCandidates(candidates: readonly Candidate[], models: readonly string[]): Candidate[] {
  return candidates.filter((c) => models.every((m) => Number.isFinite(c.scores[m])));
}

/** The candidate with the highest Spearman on `models`; ties go to the earliest. */
export function choose(candidates: readonly Candidate[], models: readonly string[], downstream: Record<string, number>): Candidate {
  if (candidates.length === 0) throw new Error('held-out protocol: no grid point gives finite scores for every model');
  let best = candidates[0];
  let bestR = rankAgreement(models, best.scores, downstream);
  for (const c of candidates.slice(1)) {
    const r = rankAgreement(models, c.scores, downstream);
    if (r > bestR) {
      best = c;
      bestR = r;
    }
  }
  return best;
}

export function splitSizes(n: number, trainFraction: number): { train: number; test: number } {
  const test = Math.max(MIN_SIDE, Math.round(n * (1 - trainFraction)));
  const train = n - test;
  if (train < MIN_SIDE) {
    throw new Error(`held-out protocol: ${n} models are too few; each split needs at least ${MIN_SIDE} train and ${MIN_SIDE} test models`);
  }
  return { train, test };
}

export interface HeldOutOutcome {
  heldOut: HeldOutResult;
  /** Chosen on all models by the same rule. */
  final: Candidate;
}

export function runHeldOut(
  models: readonly string[],
  downstream: Record<string, number>,
  candidates: readonly Candidate[],
  opts: HeldOutOptions = DEFAULT_HELD_OUT,
): HeldOutOutcome {
  const usable = usableCandidates(candidates, models);
  if (usable.length === 0) {
    const bad = models.filter((m) => candidates.every((c) => !Number.isFinite(c.scores[m])));
    throw new Error(
      `held-out protocol: no grid point gives finite scores for every model` +
        (bad.length ? ` (never finite for ${bad.join(', ')}: e.g. no key token at any threshold)` : ' (each grid point fails on some model)'),
    );
  }
  const { train } = splitSizes(models.length, opts.trainFraction);
  const rng = new Rng(opts.seed);
  const testSpearman: number[] = [];
  const counts = new Map<string, { hyperparameters: Hyperparameters; count: number; order: number }>();
  for (let s = 0; s < opts.nSplits; s++) {
    const shuffled = rng.shuffled(models);
    const trainModels = shuffled.slice(0, train);
    const testModels = shuffled.slice(train);
    const pick = choose(usable, trainModels, downstream);
    testSpearman.push(rankAgreement(testModels, pick.scores, downstream));
    const key = hyperKey(pick.hyperparameters);
    const entry = counts.get(key) ?? { hyperparameters: pick.hyperparameters, count: 0, order: usable.indexOf(pick) };
    entry.count++;
    counts.set(key, entry);
  }
  const mean = testSpearman.reduce((a, b) => a + b, 0) / testSpearman.length;
  const sd = testSpearman.length > 1 ? Math.sqrt(testSpearman.reduce((a, b) => a + (b - mean) ** 2, 0) / (testSpearman.length - 1)) : 0;
  const chosen = [...counts.values()]
    .sort((a, b) => b.count - a.count || a.order - b.order)
    .map(({ hyperparameters, count }) => ({ hyperparameters, count }));
  return {
    heldOut: { nSplits: opts.nSplits, trainFraction: opts.trainFraction, seed: opts.seed, testSpearman, mean, sd, chosen },
    final: choose(usable, models, downstream),
  };
}
