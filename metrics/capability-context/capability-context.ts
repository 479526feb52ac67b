// A combination of a capability feature (long-context bits per byte, negated: lower loss = more capable) and a
// context-use feature (bits per byte gained over the short window): score = -bpb + weight x gain.
// The weight is a hyperparameter: the held-out protocol chooses it on the training models of each split only,
// and the submission's weight is chosen by the same rule on all models of the setting. Fitting never reaches this
// file: compute() sees one model's statistics and a given weight, nothing else.
import { defineMetric } from '../../harness/scoring/metric.ts';
import bpb from '../bpb/bpb.ts';
import longGain from '../long-gain/long-gain.ts';
import type { WindowChoice } from '../../harness/scoring/token-math.ts';

export interface CapabilityContextHp {
  [k: string]: number | string;
  weight: number;
  shortWindow: WindowChoice;
}

export default defineMetric<CapabilityContextHp>({
  id: 'capability-context',
  description: 'Capability + context use: -(long bpb) + weight x (bpb gained over the short window); higher is better',
  needs: ['long', 'short', 'bytes'],
  grid: { weight: [0, 0.5, 1, 2, 4, 8], shortWindow: ['smallest', 'largest'] },
  defaults: { weight: 1, shortWindow: 'smallest' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const capability = -bpb.compute(stats, { pool: 'corpus' });
    const contextUse = longGain.compute(stats, { shortWindow: hp.shortWindow, denominator: 'all' });
    return capability + hp.weight * contextUse;
  },
});
