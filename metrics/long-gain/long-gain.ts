// Bits per byte gained from the long context over the short window: how much the model uses distant text.
import { defineMetric } from '../../harness/scoring/metric.ts';
import {
  LN2,
  pickShortWindow,
  shortLogprobs,
  tokenBytes,
  type WindowChoice,
} from '../../harness/scoring/token-math.ts';

export interface LongGainHp {
  [k: string]: string;
  shortWindow: WindowChoice;
  /** all: divide by the bytes of every scored token; beyond-window: only by the bytes of tokens past the first
   *  window (the only ones whose short and long contexts differ). */
  denominator: 'all' | 'beyond-window';
}

export default defineMetric<LongGainHp>({
  id: 'long-gain',
  description: 'Bits per byte gained from the long context over the short window (short bpb minus long bpb); higher is better',
  needs: ['long', 'short', 'bytes'],
  grid: { shortWindow: ['smallest', 'largest'], denominator: ['all', 'beyond-window'] },
  defaults: { shortWindow: 'smallest', denominator: 'all' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const w = pickShortWindow(stats, hp.shortWindow);
    let gain = 0;
    let bytes = 0;
    for (const d of stats.docs) {
      const short = shortLogprobs(d, w);
      const from = hp.denominator === 'all' ? d.scoredFrom : Math.max(d.scoredFrom, w.size);
      for (let i = from; i < d.n; i++) {
        gain += d.logprobLong[i] - short[i];
        bytes += tokenBytes(d, i);
      }
    }
    return bytes > 0 ? gain / LN2 / bytes : NaN;
  },
});
