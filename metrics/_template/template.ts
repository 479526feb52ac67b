// TEMPLATE, not registered (metrics/registry.test.ts keeps it out of metrics/registry.ts). Copy this folder to
// start a metric: CONTRIBUTING.md, "Adding a metric". As shipped it is a working metric -- the predictive entropy
// in bits per UTF-8 byte under the long context -- so the copy passes its tests before you change anything.
// A metric file imports only harness/tokenstats/types.ts, harness/scoring/metric.ts and harness/scoring/token-math.ts
// (harness/scoring/boundary.test.ts enforces it): no files, no downstream scores, no randomness.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { LN2, tokenBytes } from '../../harness/scoring/token-math.ts';

export default defineMetric<{ skipFirst: number }>({
  id: 'template', // the folder name
  description: 'Predictive entropy in bits per UTF-8 byte under the long context; lower is better',
  needs: ['entropy', 'bytes'],
  // Every hyperparameter with its candidates; the held-out protocol chooses among them on training models only.
  grid: { skipFirst: [0, 256] },
  defaults: { skipFirst: 0 },
  direction: 'lower-is-better',
  compute(stats, hp) {
    let nats = 0;
    let bytes = 0;
    for (const d of stats.docs) {
      for (let i = Math.max(d.scoredFrom, hp.skipFirst); i < d.n; i++) {
        nats += d.entropy[i];
        bytes += tokenBytes(d, i);
      }
    }
    return bytes > 0 ? nats / LN2 / bytes : NaN;
  },
});
