// Key tokens defined by the text, not by the model: the words that complete an n-gram of words whose most recent
// earlier occurrence lies at least `distance` bytes back (harness/scoring/text-math.ts inductionKeyBytes), i.e.
// text a model can only predict by copying from far back (associative recall, "Zoology"; copied tokens, Sun et
// al. 2021). The spans are byte spans of the text, so every model is scored on the same bytes whatever its
// tokenizer: each token's value is spread evenly over its bytes and summed over the key bytes it covers.
// Scores on those bytes: minus bits per byte under the long context (neg-bpb), bits per byte gained over the short
// window (gain), or byte-weighted top-1 accuracy (top1). All higher-is-better. NaN when the corpus has no key byte
// among the scored tokens.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { docInductionKeys, maskedBytesPerToken } from '../../harness/scoring/text-math.ts';
import { LN2, pickShortWindow, shortLogprobs, tokenBytes, type WindowChoice } from '../../harness/scoring/token-math.ts';

export interface InductionKeysHp {
  [k: string]: number | string;
  /** Words per n-gram. */
  n: number;
  /** Least byte distance back to the n-gram's most recent earlier occurrence. */
  distance: number;
  quantity: 'neg-bpb' | 'gain' | 'top1';
  /** Short window of `gain` (the other quantities do not read it). */
  shortWindow: WindowChoice;
}

export default defineMetric<InductionKeysHp>({
  id: 'induction-keys',
  description: 'On text-defined key bytes (words completing an n-gram last seen >= distance bytes back): -bpb, bpb gain over the short window, or top-1; higher is better',
  needs: ['long', 'short', 'top1', 'bytes', 'text'],
  grid: { n: [3, 6], distance: [1024, 4096, 16384], quantity: ['neg-bpb', 'gain', 'top1'], shortWindow: ['smallest', 'largest'] },
  defaults: { n: 3, distance: 1024, quantity: 'neg-bpb', shortWindow: 'smallest' },
  direction: 'higher-is-better',
  compute(stats, hp) {
    const w = pickShortWindow(stats, hp.shortWindow);
    let sum = 0;
    let keyBytes = 0;
    for (const d of stats.docs) {
      const per = maskedBytesPerToken(d, docInductionKeys(d, hp.n, hp.distance));
      const short = hp.quantity === 'gain' ? shortLogprobs(d, w) : undefined;
      for (let i = d.scoredFrom; i < d.n; i++) {
        const k = per[i];
        if (k === 0) continue;
        const share = k / tokenBytes(d, i);
        if (hp.quantity === 'neg-bpb') sum += share * d.logprobLong[i];
        else if (hp.quantity === 'gain') sum += share * (d.logprobLong[i] - short![i]);
        else sum += k * d.top1[i];
        keyBytes += k;
      }
    }
    if (keyBytes === 0) return NaN;
    return hp.quantity === 'top1' ? sum / keyBytes : sum / LN2 / keyBytes;
  },
});
