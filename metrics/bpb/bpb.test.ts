import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDoc,
  close,
  splitToken,
  splittableToken,
  statsArb,
  wrapStats,
} from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import bpb from './bpb.ts';

describeMetricContract(bpb);

describe('bpb: properties', () => {
  it('is unchanged when a token is split into two whose probabilities multiply to the same', () => {
    fc.assert(
      fc.property(statsArb, fc.double({ min: 0, max: 1, noNaN: true }), (s, share) => {
        const j = s.docs.findIndex((d) => splittableToken(d) >= 0);
        fc.pre(j >= 0);
        const d = s.docs[j];
        const i = splittableToken(d);
        const split = { ...s, docs: s.docs.map((x, k) => (k === j ? splitToken(d, i, 1, share) : x)) };
        for (const pool of ['corpus', 'document'] as const) {
          expect(close(bpb.compute(split, { pool }), bpb.compute(s, { pool }), 1e-6)).toBe(true);
        }
      }),
      { seed: 20, numRuns: 200 },
    );
  });

  it('is the pooled NLL in bits over the pooled bytes', () => {
    const tok = (long: number, bytes: number) => ({ bytes, long, shorts: [long, long], entropy: 1, top1: 0 });
    // ln 2 nats over 1 byte and 3 ln 2 nats over 3 bytes: 4 bits over 4 bytes = 1; per-document mean also 1.
    const s = wrapStats([buildDoc('a', [tok(-Math.LN2, 1)], 0), buildDoc('b', [tok(-3 * Math.LN2, 3)], 0)]);
    expect(bpb.compute(s, { pool: 'corpus' })).toBeCloseTo(1, 6);
    const t = wrapStats([buildDoc('a', [tok(-Math.LN2, 1)], 0), buildDoc('b', [tok(-Math.LN2, 3)], 0)]);
    expect(bpb.compute(t, { pool: 'corpus' })).toBeCloseTo(2 / 4, 6);
    expect(bpb.compute(t, { pool: 'document' })).toBeCloseTo((1 + 1 / 3) / 2, 6);
  });

  it('is non-negative and finite on any corpus with scored bytes', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const v = bpb.compute(s, { pool: 'corpus' });
        return Number.isFinite(v) && v >= 0;
      }),
      { seed: 21, numRuns: 100 },
    );
  });
});
