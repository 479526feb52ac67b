// LongPPL's key tokens counted rather than averaged: the share of bytes past the short window whose token the
// model itself finds key (long-minus-short log-probability gain above alpha and long log-probability above beta,
// natural log; beta = -1000 drops the second condition). A model that draws on distant text finds more such tokens.
// longppl-self averages the loss on them and key-accuracy their top-1 rate; this counts them.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { keyMask, pastWindow, pickShortWindow, tokenBytes, type WindowChoice } from '../../harness/scoring/token-math.ts';

export interface KeyTokenRateHp {
  [k: string]: number | string;
  alpha: number;
  beta: number;
  shortWindow: WindowChoice;
}

export default defineMetric<KeyTokenRateHp>({
  id: 'key-token-rate',
  description: 'Share of bytes past the short window on key tokens (long-minus-short gain > alpha, long log-prob > beta); higher is better',
  needs: ['long', 'short', 'bytes'],
  grid: { alpha: [0.5, 1, 2], beta: [-2, -1000], shortWindow: ['smallest', 'largest'] },
  defaults: { alpha: 2, beta: -2, shortWindow: 'smallest' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const window = pickShortWindow(stats, hp.shortWindow);
    let key = 0;
    let bytes = 0;
    for (const d of stats.docs) {
      const mask = keyMask(d, { alpha: hp.alpha, beta: hp.beta, window });
      for (let i = pastWindow(d, window); i < d.n; i++) {
        const b = tokenBytes(d, i);
        bytes += b;
        if (mask[i]) key += b;
      }
    }
    return bytes > 0 ? key / bytes : NaN;
  },
});
