// Bits per UTF-8 byte under the long context: the per-token NLL summed and divided by the bytes the tokens
// cover, so models with different tokenizers are compared on the same text.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { bitsPerByte, poolDoc, pooledRatio, type Pooling } from '../../harness/scoring/token-math.ts';

export default defineMetric<{ pool: Pooling }>({
  id: 'bpb',
  description: 'Bits per UTF-8 byte under the long context, pooled over the corpus; lower is better',
  needs: ['long', 'bytes'],
  grid: { pool: ['corpus', 'document'] },
  defaults: { pool: 'corpus' },
  direction: 'lower-is-better',
  compute(stats, hp) {
    return pooledRatio(stats.docs.map((d) => poolDoc(d)), bitsPerByte, hp.pool);
  },
});
