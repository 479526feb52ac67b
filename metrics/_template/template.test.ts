// Properties of the template metric: the contract every metric shares, plus the metric's own invariants. In a
// copy, keep describeMetricContract and replace the property below with your metric's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDoc, mapDocs, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import metric from './template.ts';

describeMetricContract(metric);

describe(`${metric.id}: properties`, () => {
  it('is the pooled entropy in bits over the pooled bytes', () => {
    const tok = (entropy: number, bytes: number) => ({ bytes, long: -1, shorts: [-1, -1], entropy, top1: 0 });
    // ln 2 nats over 1 byte and 3 ln 2 nats over 3 bytes: 4 bits over 4 bytes.
    const s = wrapStats([buildDoc('a', [tok(Math.LN2, 1)], 0), buildDoc('b', [tok(3 * Math.LN2, 3)], 0)]);
    expect(metric.compute(s, { skipFirst: 0 })).toBeCloseTo(1, 6); // entropies are stored as float32
  });

  it('doubles when every entropy doubles', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const doubled = mapDocs(s, (d) => ({ ...d, entropy: d.entropy.map((e) => 2 * e) }));
        const a = metric.compute(s, metric.defaults);
        const b = metric.compute(doubled, metric.defaults);
        return Number.isNaN(a) ? Number.isNaN(b) : Math.abs(b - 2 * a) <= 1e-9 * Math.max(1, Math.abs(a));
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});
