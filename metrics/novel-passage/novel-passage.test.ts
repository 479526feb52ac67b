// Properties of novel-passage (the control of repeat-at-distance): the shared contract; it reads the controls
// only (changing the copies' log-probabilities changes nothing); a model predicting the controls perfectly under
// the long context scores 1 in the relative unit; no gain when long and short agree on the controls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import { mapRegionLogprobs, probeStatsArb } from '../../harness/scoring/testing/probe-arbitraries.ts';
import metric from './novel-passage.ts';

const arb = probeStatsArb({ probe: 'repeat-at-distance', roles: ['target', 'control'], depths: [0.1, 0.3, 0.5, 0.7, 0.9] });
const RUNS = { seed: 22, numRuns: 60 };

describeMetricContract(metric, arb);

describe(`${metric.id}: properties`, () => {
  it('reads the controls only, not the copies', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const changed = mapRegionLogprobs(s, 'repeat-at-distance', 'target', () => -0.01);
        return metric.gridPoints().every((hp) => close(metric.compute(s, hp), metric.compute(changed, hp)));
      }),
      RUNS,
    );
  });

  it('scores 1 in the relative unit when the long context predicts the controls perfectly', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const v = metric.compute(mapRegionLogprobs(s, 'repeat-at-distance', 'control', () => 0), { ...metric.defaults, unit: 'relative' });
        return Number.isNaN(v) || close(v, 1);
      }),
      RUNS,
    );
  });

  it('gains nothing when long and short agree on the controls', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const v = metric.compute(mapRegionLogprobs(s, 'repeat-at-distance', 'control', (_l, short) => short), metric.defaults);
        return Number.isNaN(v) || Math.abs(v) < 1e-6;
      }),
      RUNS,
    );
  });

  it('has a curve over the depths of its controls', () => {
    fc.assert(
      fc.property(arb, (s) => {
        expect(metric.curve!(s, metric.defaults).points.length).toBe(5);
      }),
      { seed: 6, numRuns: 10 },
    );
  });
});
