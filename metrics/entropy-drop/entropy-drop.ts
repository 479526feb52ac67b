// How much less uncertain the model is with the long context than under a short window, on the tokens whose
// contexts differ (past the window's first `size` positions): the predictive entropy H_short - H_long in bits
// per byte, or the top-1 gain (byte-weighted share of bytes whose token becomes the arg-max with the long
// context, minus the share that stops being it). Unlike long-gain, the entropy drop does not read the true token:
// it measures how sharply the long context narrows the distribution. Needs cache entry format 2.
import { defineMetric } from '../../harness/scoring/metric.ts';
import {
  LN2,
  pastWindow,
  pickShortWindow,
  shortEntropies,
  shortTop1,
  tokenBytes,
  type WindowChoice,
} from '../../harness/scoring/token-math.ts';

export interface EntropyDropHp {
  [k: string]: string;
  /** entropy: (H_short - H_long) in bits per byte; top1: byte-weighted top-1 accuracy, long minus short. */
  quantity: 'entropy' | 'top1';
  shortWindow: WindowChoice;
}

export default defineMetric<EntropyDropHp>({
  id: 'entropy-drop',
  description: 'Entropy drop H_short - H_long (bits per byte) or top-1 gain (long minus short) on tokens past the short window; higher is better',
  needs: ['entropy', 'short-entropy', 'top1', 'short-top1', 'bytes'],
  grid: { quantity: ['entropy', 'top1'], shortWindow: ['smallest', 'largest'] },
  defaults: { quantity: 'entropy', shortWindow: 'smallest' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const w = pickShortWindow(stats, hp.shortWindow);
    let sum = 0;
    let bytes = 0;
    for (const d of stats.docs) {
      if (hp.quantity === 'entropy') {
        const hs = shortEntropies(d, w);
        for (let i = pastWindow(d, w); i < d.n; i++) {
          sum += hs[i] - d.entropy[i];
          bytes += tokenBytes(d, i);
        }
      } else {
        const ts = shortTop1(d, w);
        for (let i = pastWindow(d, w); i < d.n; i++) {
          const b = tokenBytes(d, i);
          sum += b * (d.top1[i] - ts[i]);
          bytes += b;
        }
      }
    }
    if (bytes === 0) return NaN;
    return hp.quantity === 'entropy' ? sum / LN2 / bytes : sum / bytes;
  },
});
