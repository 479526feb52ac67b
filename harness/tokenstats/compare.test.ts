import { describe, expect, it } from 'vitest';
import { compareDocStats } from './compare.ts';
import type { DocStats } from './types.ts';

function doc(id: string, lp: number[], extra: Partial<DocStats> = {}): DocStats {
  const n = lp.length;
  return {
    docId: id,
    n,
    scoredFrom: 1,
    tokenIds: Int32Array.from({ length: n }, (_, i) => i + 5),
    byteStart: Int32Array.from({ length: n }, (_, i) => i),
    byteEnd: Int32Array.from({ length: n }, (_, i) => i + 1),
    logprobLong: Float32Array.from(lp),
    logprobShort: { '2/1': Float32Array.from(lp) },
    entropy: Float32Array.from(lp, (x) => -x),
    top1: Uint8Array.from(lp, (x) => (x > -1 ? 1 : 0)),
    ...extra,
  };
}

describe('compareDocStats', () => {
  it('reports zero for identical statistics and ignores the unscored position 0', () => {
    const a = [doc('d', [NaN, -0.5, -2])];
    const b = [doc('d', [NaN, -0.5, -2], { logprobLong: Float32Array.from([7, -0.5, -2]) })];
    const d = compareDocStats(a, b);
    expect(d).toEqual({ tokens: 2, maxAbsLogprob: 0, maxAbsEntropy: 0, top1Agreement: 1, idsEqual: true, spansEqual: true });
  });

  it('finds the largest difference in any short window, entropy and top-1 disagreements', () => {
    const a = [doc('d', [NaN, -0.5, -2, -3])];
    const b = [doc('d', [NaN, -0.5, -2, -3])];
    b[0].logprobShort['2/1'][3] = -3.25;
    b[0].entropy[2] = 2.5;
    b[0].top1[1] = 0;
    const d = compareDocStats(a, b);
    expect(d.maxAbsLogprob).toBe(0.25);
    expect(d.maxAbsEntropy).toBe(0.5);
    expect(d.top1Agreement).toBeCloseTo(2 / 3, 12);
  });

  it('treats a NaN on one side, a missing window and changed ids or spans as differences', () => {
    const a = [doc('d', [NaN, -0.5, -2])];
    const nan = [doc('d', [NaN, NaN, -2])];
    expect(compareDocStats(a, nan).maxAbsLogprob).toBe(Infinity);
    const noWindow = [doc('d', [NaN, -0.5, -2], { logprobShort: {} })];
    expect(compareDocStats(a, noWindow).maxAbsLogprob).toBe(Infinity);
    const ids = [doc('d', [NaN, -0.5, -2], { tokenIds: Int32Array.from([5, 6, 9]) })];
    expect(compareDocStats(a, ids).idsEqual).toBe(false);
    const spans = [doc('d', [NaN, -0.5, -2], { byteEnd: Int32Array.from([1, 2, 4]) })];
    expect(compareDocStats(a, spans).spansEqual).toBe(false);
    expect(() => compareDocStats(a, [doc('other', [NaN, -0.5, -2])])).toThrow(/other/);
  });
});
