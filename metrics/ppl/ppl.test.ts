import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDoc, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import ppl from './ppl.ts';

describeMetricContract(ppl);

describe('ppl: properties', () => {
  it('is at least 1 (log-probabilities are at most 0), for both poolings', () => {
    fc.assert(
      fc.property(statsArb, fc.constantFrom('corpus', 'document') as fc.Arbitrary<'corpus' | 'document'>, (s, pool) => {
        expect(ppl.compute(s, { pool })).toBeGreaterThanOrEqual(1);
      }),
      { seed: 10, numRuns: 100 },
    );
  });

  it('equals exp(c) when every token has NLL c', () => {
    const tok = (long: number) => ({ bytes: 2, long, shorts: [long, long], entropy: 1, top1: 0 });
    const s = wrapStats([buildDoc('a', [tok(-1.5), tok(-1.5), tok(-1.5)], 0), buildDoc('b', [tok(-1.5)], 0)]);
    expect(ppl.compute(s, { pool: 'corpus' })).toBeCloseTo(Math.exp(1.5), 6);
  });

  it('pools over the corpus (sum over sum), not a mean of per-document values, unless pool=document', () => {
    const tok = (long: number) => ({ bytes: 1, long, shorts: [long, long], entropy: 1, top1: 0 });
    // doc a: 3 tokens of NLL 1; doc b: 1 token of NLL 3. Pooled mean NLL 1.5, mean of doc means 2.
    const s = wrapStats([buildDoc('a', [tok(-1), tok(-1), tok(-1)], 0), buildDoc('b', [tok(-3)], 0)]);
    expect(ppl.compute(s, { pool: 'corpus' })).toBeCloseTo(Math.exp(1.5), 6);
    expect(ppl.compute(s, { pool: 'document' })).toBeCloseTo(Math.exp(2), 6);
  });

  it('skips the unscored first position (NaN when there is no BOS)', () => {
    const tok = (long: number) => ({ bytes: 1, long, shorts: [long, long], entropy: 1, top1: 0 });
    const s = wrapStats([buildDoc('a', [tok(-9), tok(-1), tok(-1)], 1)]);
    expect(ppl.compute(s, { pool: 'corpus' })).toBeCloseTo(Math.E, 6);
  });
});
