// Token-level perplexity under the long context: the usual baseline. Not comparable across tokenizers (a token
// of one vocabulary is not a token of another); bpb is the per-byte counterpart.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { nllPerToken, poolDoc, pooledRatio, type Pooling } from '../../harness/scoring/token-math.ts';

export default defineMetric<{ pool: Pooling }>({
  id: 'ppl',
  description: 'Perplexity per token under the long context (exp of pooled mean NLL); lower is better',
  needs: ['long'],
  grid: { pool: ['corpus', 'document'] },
  defaults: { pool: 'corpus' },
  direction: 'lower-is-better',
  compute(stats, hp) {
    return Math.exp(pooledRatio(stats.docs.map((d) => poolDoc(d)), nllPerToken, hp.pool));
  },
});
