import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LONG_FIELD, longCapacity, planForwards, scoredFrom, specProblems } from './plan.ts';
import { shortWindowKey, type StatsSpec } from './types.ts';

const specArb = fc
  .record({
    contextLength: fc.integer({ min: 3, max: 64 }),
    strideFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    windows: fc.uniqueArray(fc.record({ size: fc.integer({ min: 1, max: 40 }), step: fc.integer({ min: 1, max: 16 }) }), {
      maxLength: 3,
      selector: (w) => `${w.size}/${w.step}`,
    }),
    addBos: fc.boolean(),
  })
  .map(({ contextLength, strideFrac, windows, addBos }): StatsSpec => {
    const cap = contextLength - (addBos ? 1 : 0);
    return { contextLength, stride: 1 + Math.floor(strideFrac * (cap - 2)), maxTokens: 0, shortWindows: windows, addBos };
  });

describe('planForwards', () => {
  it('scores every position >= scoredFrom exactly once per field, with the promised context', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 300 }), (spec, n) => {
        expect(specProblems(spec)).toEqual([]);
        const plan = planForwards(n, spec);
        const from = scoredFrom(spec);
        const cap = longCapacity(spec);
        const fields = [LONG_FIELD, ...spec.shortWindows.map(shortWindowKey)];
        const seen = new Map(fields.map((f) => [f, new Int32Array(n)]));
        for (const f of plan) {
          expect(f.start).toBeGreaterThanOrEqual(0);
          expect(f.end).toBeLessThanOrEqual(n);
          expect(f.scoreFrom).toBeGreaterThanOrEqual(Math.max(from, f.start));
          expect(f.scoreFrom).toBeLessThan(f.end);
          if (!spec.addBos) expect(f.scoreFrom).toBeGreaterThan(f.start); // a scored token always has context
          const counts = seen.get(f.field);
          expect(counts, `unknown field ${f.field}`).toBeDefined();
          if (f.field === LONG_FIELD) expect(f.end - f.start).toBeLessThanOrEqual(cap);
          const w = spec.shortWindows.find((x) => shortWindowKey(x) === f.field);
          for (let i = f.scoreFrom; i < f.end; i++) {
            counts![i]++;
            const ctx = i - f.start;
            if (f.field === LONG_FIELD) {
              // at least contextLength - stride tokens of context wherever the document allows it
              expect(ctx).toBeGreaterThanOrEqual(Math.min(i, cap - spec.stride));
            } else if (i >= w!.size) {
              expect(ctx).toBeGreaterThanOrEqual(w!.size);
              expect(ctx).toBeLessThanOrEqual(w!.size + w!.step - 1);
            } else {
              expect(f.start).toBe(0); // the whole prefix
            }
          }
        }
        for (const [field, counts] of seen) {
          for (let i = 0; i < n; i++) expect(counts[i], `${field} position ${i}`).toBe(i >= from ? 1 : 0);
        }
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });

  it('reproduces LongPPL windows for a 32k document (4096/1024)', () => {
    const spec: StatsSpec = { contextLength: 32768, stride: 16384, maxTokens: 32768, shortWindows: [{ size: 4096, step: 1024 }], addBos: false };
    const plan = planForwards(10_000, spec);
    expect(plan.filter((f) => f.field === LONG_FIELD)).toEqual([{ start: 0, end: 10_000, scoreFrom: 1, field: LONG_FIELD }]);
    const short = plan.filter((f) => f.field === '4096/1024');
    expect(short.slice(0, 3)).toEqual([
      { start: 0, end: 4096, scoreFrom: 1, field: '4096/1024' },
      { start: 0, end: 5120, scoreFrom: 4096, field: '4096/1024' },
      { start: 1024, end: 6144, scoreFrom: 5120, field: '4096/1024' },
    ]);
    expect(short.at(-1)).toEqual({ start: 5120, end: 10_000, scoreFrom: 9216, field: '4096/1024' });
  });

  it('rejects a stride that leaves a window without context', () => {
    expect(specProblems({ contextLength: 8, stride: 8, maxTokens: 0, shortWindows: [], addBos: false })[0]).toMatch(/stride 8/);
    expect(() => planForwards(10, { contextLength: 8, stride: 0, maxTokens: 0, shortWindows: [], addBos: false })).toThrow(/stride/);
  });
});
