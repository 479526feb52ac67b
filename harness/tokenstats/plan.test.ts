import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LONG_FIELD, longCapacity, planForwards, scoredFrom, specProblems } from './plan.ts';
import { shortWindowKey, type StatsSpec } from './types.ts';

/** Plain checks inside the property: fast-check reports the failing case and this message. */
function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

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
        check(specProblems(spec).length === 0, `spec problems ${specProblems(spec)}`);
        const plan = planForwards(n, spec);
        const from = scoredFrom(spec);
        const cap = longCapacity(spec);
        const fields = [LONG_FIELD, ...spec.shortWindows.map(shortWindowKey)];
        const seen = new Map(fields.map((f) => [f, new Int32Array(n)]));
        for (const f of plan) {
          check(f.start >= 0, 'start >= 0');
          check(f.end <= n, 'end <= n');
          check(f.scoreFrom >= Math.max(from, f.start), 'scoreFrom >= max(scoredFrom, start)');
          check(f.scoreFrom < f.end, 'scoreFrom < end');
          if (!spec.addBos) check(f.scoreFrom > f.start, 'a scored token always has context');
          const counts = seen.get(f.field);
          check(counts !== undefined, `unknown field ${f.field}`);
          if (f.field === LONG_FIELD) check(f.end - f.start <= cap, 'long forward within contextLength');
          const w = spec.shortWindows.find((x) => shortWindowKey(x) === f.field);
          for (let i = f.scoreFrom; i < f.end; i++) {
            counts![i]++;
            const ctx = i - f.start;
            if (f.field === LONG_FIELD) {
              // at least contextLength - stride tokens of context wherever the document allows it
              check(ctx >= Math.min(i, cap - spec.stride), `long context of ${i} is ${ctx}`);
            } else if (i >= w!.size) {
              check(ctx >= w!.size && ctx <= w!.size + w!.step - 1, `${f.field} context of ${i} is ${ctx}`);
            } else {
              check(f.start === 0, `${f.field}: position ${i} < size must see its whole prefix`);
            }
          }
        }
        for (const [field, counts] of seen) {
          for (let i = 0; i < n; i++) check(counts[i] === (i >= from ? 1 : 0), `${field} position ${i} scored ${counts[i]} times`);
        }
      }),
      { numRuns: 300, seed: 20261123 },
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
