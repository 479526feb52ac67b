// Oriented scores of a metric at every point of its grid, for every model: the input of the held-out protocol.
import { roundScore } from './artifacts.ts';
import type { Candidate } from './heldout.ts';
import type { Metric } from './metric.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';

/** Scores are rounded as submissions write them, so the protocol ranks exactly what is submitted. */
export function gridCandidates(metric: Metric<any>, stats: readonly ModelCorpusStats[]): Candidate[] {
  return metric.gridPoints().map((hp) => ({
    hyperparameters: hp,
    scores: Object.fromEntries(stats.map((s) => [s.model, roundScore(metric.score(s, hp))])),
  }));
}
