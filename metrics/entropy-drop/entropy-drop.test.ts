// Properties of entropy-drop: the hand-computed value, zero when the long context changes nothing, sign and range
// of the top-1 gain, per-byte pooling unchanged by splitting a token.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, buildDoc, docArb, mapDocs, splitToken, statsArb, wrapStats } from '../../harness/scoring/testing/arbitraries.ts';
import { describeMetricContract } from '../../harness/scoring/testing/contract-properties.ts';
import entropyDrop from './entropy-drop.ts';

describeMetricContract(entropyDrop);

const points = entropyDrop.gridPoints();
const pointArb = fc.integer({ min: 0, max: points.length - 1 }).map((i) => points[i]);

describe('entropy-drop: properties', () => {
  it('is the entropy drop in bits per byte and the byte-weighted top-1 gain past the window, by hand', () => {
    // 12 one-byte tokens; window 8/4 (the smallest): positions 8..11 differ. There the short entropy is ln 2 nats
    // higher (1 bit per byte), and the long context makes tokens 8 and 9 the arg-max where the short window does not.
    const toks = Array.from({ length: 12 }, (_, i) => ({
      bytes: 1, long: -1, shorts: [-2, -2], entropy: 1, top1: i >= 8 && i < 10 ? 1 : 0,
      shortEntropies: [1 + Math.LN2, 1], shortTop1: [0, 0],
    }));
    const s = wrapStats([buildDoc('a', toks, 1)]);
    expect(entropyDrop.compute(s, { quantity: 'entropy', shortWindow: 'smallest' })).toBeCloseTo(1, 6);
    expect(entropyDrop.compute(s, { quantity: 'top1', shortWindow: 'smallest' })).toBeCloseTo(2 / 4, 12);
    // window 16/4 sees all 12 tokens' whole prefix: nothing differs, nothing past it
    expect(entropyDrop.compute(s, { quantity: 'entropy', shortWindow: 'largest' })).toBeNaN();
  });

  it('is 0 at every grid point when the short window gives the long distribution', () => {
    fc.assert(
      fc.property(statsArb, pointArb, (s, hp) => {
        const same = mapDocs(s, (d) => {
          for (const k of Object.keys(d.entropyShort)) {
            d.entropyShort[k].set(d.entropy);
            d.top1Short[k].set(d.top1);
          }
          return d;
        });
        const v = entropyDrop.compute(same, hp);
        return Number.isNaN(v) || v === 0;
      }),
      { seed: 60, numRuns: 100 },
    );
  });

  it('top-1 gain lies in [-1, 1]; it is 1 when only the long context finds every token', () => {
    fc.assert(
      fc.property(statsArb, (s) => {
        const hp = { quantity: 'top1' as const, shortWindow: 'smallest' as const };
        const v = entropyDrop.compute(s, hp);
        const best = mapDocs(s, (d) => {
          d.top1.fill(1);
          for (const k of Object.keys(d.top1Short)) d.top1Short[k].fill(0);
          return d;
        });
        const b = entropyDrop.compute(best, hp);
        return Number.isNaN(v) ? Number.isNaN(b) : v >= -1 && v <= 1 && b === 1;
      }),
      { seed: 61, numRuns: 100 },
    );
  });

  it('is unchanged when a token past the window is split into two that keep its entropies', () => {
    let exercised = 0;
    fc.assert(
      fc.property(docArb('long', 20), statsArb, (long, rest) => {
        const s = { ...rest, docs: [long, ...rest.docs] };
        const d0 = s.docs[0];
        // the last token of >= 2 bytes past both test windows (a split earlier would move tokens across a boundary)
        let i = -1;
        for (let j = d0.n - 1; j >= 16; j--) if (d0.byteEnd[j] - d0.byteStart[j] >= 2) (i = j), (j = 0);
        if (i < 0) return true;
        exercised++;
        const split = { ...s, docs: [splitToken(d0, i, 1, 0.5), ...s.docs.slice(1)] };
        // The split token's entropy would count twice over its bytes once: the byte-weighted top-1 gain is the
        // quantity that must not move (entropies are per distribution, not per byte).
        return close(entropyDrop.compute(s, { quantity: 'top1', shortWindow: 'smallest' }), entropyDrop.compute(split, { quantity: 'top1', shortWindow: 'smallest' }));
      }),
      { seed: 62, numRuns: 100 },
    );
    expect(exercised).toBeGreaterThan(20);
  });
});
