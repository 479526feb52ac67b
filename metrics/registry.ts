// Every candidate metric, in leaderboard order. Add a metric here after copying metrics/_template/ (CONTRIBUTING.md,
// "Adding a metric"); metrics/registry.test.ts checks that the folders and this list agree.
import type { Metric } from '../harness/scoring/metric.ts';
import ppl from './ppl/ppl.ts';
import bpb from './bpb/bpb.ts';
import longpplSelf from './longppl-self/longppl-self.ts';
import longGain from './long-gain/long-gain.ts';
import positionCurve from './position-curve/position-curve.ts';
import keyAccuracy from './key-accuracy/key-accuracy.ts';
import capabilityContext from './capability-context/capability-context.ts';
import entropyDrop from './entropy-drop/entropy-drop.ts';
import keyTokenRate from './key-token-rate/key-token-rate.ts';
import inductionKeys from './induction-keys/induction-keys.ts';
import repeatAtDistance from './repeat-at-distance/repeat-at-distance.ts';
import retrievalGain from './retrieval-gain/retrieval-gain.ts';
import novelPassage from './novel-passage/novel-passage.ts';

export const METRICS: readonly Metric<any>[] = [
  ppl,
  bpb,
  longpplSelf,
  longGain,
  positionCurve,
  keyAccuracy,
  capabilityContext,
  entropyDrop,
  keyTokenRate,
  inductionKeys,
  repeatAtDistance,
  retrievalGain,
  novelPassage,
];

export function getMetric(id: string): Metric<any> | undefined {
  return METRICS.find((m) => m.id === id);
}
