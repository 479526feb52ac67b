// Top-1 accuracy of the model on its own key tokens (LongPPL's rule): does the long context make it predict
// exactly the right token where distant text matters?
import { defineMetric } from '../../harness/scoring/metric.ts';
import { keyMask, pickShortWindow, type WindowChoice } from '../../harness/scoring/token-math.ts';

export interface KeyAccuracyHp {
  [k: string]: number | string;
  alpha: number;
  beta: number;
  shortWindow: WindowChoice;
}

export default defineMetric<KeyAccuracyHp>({
  id: 'key-accuracy',
  description: 'Top-1 accuracy on key tokens (long-minus-short gain > alpha, long log-prob > beta); higher is better',
  needs: ['long', 'short', 'top1'],
  grid: { alpha: [1, 2, 3], beta: [-3, -2, -1], shortWindow: ['smallest', 'largest'] },
  defaults: { alpha: 2, beta: -2, shortWindow: 'smallest' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const window = pickShortWindow(stats, hp.shortWindow);
    let key = 0;
    let hit = 0;
    for (const d of stats.docs) {
      const mask = keyMask(d, { alpha: hp.alpha, beta: hp.beta, window });
      for (let i = d.scoredFrom; i < d.n; i++) {
        if (mask[i]) {
          key++;
          hit += d.top1[i];
        }
      }
    }
    return key > 0 ? hit / key : NaN;
  },
});
