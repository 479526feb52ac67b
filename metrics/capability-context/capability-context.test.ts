import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, statsArb } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import bpb from '../bpb/bpb.ts';
import longGain from '../long-gain/long-gain.ts';
import combo from './capability-context.ts';

describeMetricContract(combo);

describe('capability-context: properties', () => {
  it('with weight 0 ranks exactly as bpb (it is -bpb)', () => {
    fc.assert(
      fc.property(statsArb, (s) => combo.compute(s, { weight: 0, shortWindow: 'smallest' }) === -bpb.compute(s, { pool: 'corpus' })),
      { seed: 70, numRuns: 100 },
    );
  });

  it('is linear in the weight, with slope the long-context gain', () => {
    fc.assert(
      fc.property(statsArb, fc.constantFrom<'smallest' | 'largest'>('smallest', 'largest'), (s, w) => {
        const gain = longGain.compute(s, { shortWindow: w, denominator: 'all' });
        const a = combo.compute(s, { weight: 1, shortWindow: w });
        const b = combo.compute(s, { weight: 4, shortWindow: w });
        expect(close(b - a, 3 * gain, 1e-9)).toBe(true);
      }),
      { seed: 71, numRuns: 100 },
    );
  });

  it('reads no downstream scores: compute takes one model and a weight, and fitting lives in the protocol', () => {
    expect(combo.compute.length).toBe(2);
    expect(combo.grid.weight).toContain(0);
  });
});
