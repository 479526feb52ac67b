// LongPPL with the model as its own evaluator: perplexity over key tokens only, key tokens being those whose
// long-context log-probability beats the short-window one by more than alpha and exceeds beta. Pooled over the
// corpus (only a few hundred characters per document are key, so per-document values are noisy).
import { defineMetric } from '../../harness/scoring/metric.ts';
import {
  bitsPerByte,
  keyMask,
  mergePools,
  nllPerToken,
  pickShortWindow,
  poolDoc,
  type WindowChoice,
} from '../../harness/scoring/token-math.ts';

export interface LongPplHp {
  [k: string]: number | string;
  alpha: number;
  beta: number;
  shortWindow: WindowChoice;
  /** token: exp(mean NLL per key token), as published; byte: bits per byte of the key tokens. */
  unit: 'token' | 'byte';
}

export default defineMetric<LongPplHp>({
  id: 'longppl-self',
  description: 'Key-token perplexity (LongPPL, self-evaluated): loss on tokens the long context helps; lower is better',
  needs: ['long', 'short', 'bytes'],
  grid: { alpha: [1, 2, 3], beta: [-3, -2, -1], shortWindow: ['smallest', 'largest'], unit: ['token', 'byte'] },
  defaults: { alpha: 2, beta: -2, shortWindow: 'smallest', unit: 'token' },
  direction: 'lower-is-better',
  compute(stats, hp) {
    const window = pickShortWindow(stats, hp.shortWindow);
    const pool = mergePools(
      stats.docs.map((d) => {
        const key = keyMask(d, { alpha: hp.alpha, beta: hp.beta, window });
        return poolDoc(d, (i) => key[i] === 1);
      }),
    );
    // No key token anywhere: undefined (NaN), and the harness leaves this grid point out for this setting.
    return hp.unit === 'token' ? Math.exp(nllPerToken(pool)) : bitsPerByte(pool);
  },
});
