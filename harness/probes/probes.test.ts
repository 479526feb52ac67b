// Properties of every probe's transform: deterministic; the original text is kept byte for byte before the
// appended part; regions are ordered, inside the text, and each item's cue is followed at once by its target;
// copies equal their source bytes, controls are a reordering of their source's words found nowhere in the kept
// text; the derived text stays within the byte budget; too-short documents give no derived document.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CorpusDocument } from '../contract/types.ts';
import type { ProbeRegion } from '../tokenstats/types.ts';
import { deriveCorpus } from './derive.ts';
import { PROBES, getProbe } from './registry.ts';
import type { DerivedDocument } from './types.ts';

const WORD = fc.stringMatching(/^[a-zé中😀,.()0-9]{1,9}$/u);
const docArb = (minWords: number, maxWords: number) =>
  fc
    .record({
      ws: fc.array(WORD, { minLength: minWords, maxLength: maxWords }),
      gaps: fc.array(fc.constantFrom(' ', ' ', ' ', '\n', '  ', '\n\n'), { minLength: maxWords, maxLength: maxWords }),
      id: fc.stringMatching(/^[a-z0-9#:/.-]{1,12}$/),
    })
    .map(({ ws, gaps, id }): CorpusDocument => ({ id, text: ws.map((w, i) => (i ? gaps[i] : '') + w).join('') }));

const bytes = (s: string) => Buffer.from(s, 'utf8');
const slice = (buf: Buffer, a: number, b: number) => buf.subarray(a, b).toString('utf8');
const wordsOf = (s: string) => s.split(/\s+/u).filter(Boolean);
const byItem = (rs: readonly ProbeRegion[]) => {
  const m = new Map<number, ProbeRegion[]>();
  for (const r of rs) m.set(r.item, [...(m.get(r.item) ?? []), r]);
  return m;
};
const RUNS = { seed: 14, numRuns: 25 };

function prefixBytes(d: DerivedDocument, sep: string): number {
  return d.regions[0].byteStart - Buffer.byteLength(sep);
}

describe('probes: shared properties', () => {
  for (const probe of PROBES) {
    const sep = String(probe.params.separator);
    const budget = Number(probe.params.budget);

    it(`${probe.id}: is deterministic (same document, same derived documents and corpus hash)`, () => {
      fc.assert(
        fc.property(docArb(900, 1800), (doc) => {
          expect(probe.derive(doc)).toEqual(probe.derive({ ...doc }));
          const corpus = { path: 'c.json', sha256: 'x', documents: [doc] };
          expect(deriveCorpus(probe, corpus).corpus.sha256).toBe(deriveCorpus(probe, corpus).corpus.sha256);
        }),
        RUNS,
      );
    });

    it(`${probe.id}: keeps the original text byte for byte before the appended part, within the byte budget`, () => {
      fc.assert(
        fc.property(docArb(900, 1800), (doc) => {
          const [ctx] = probe.derive(doc);
          expect(ctx.variant).toBe('context');
          const k = prefixBytes(ctx, sep);
          const orig = bytes(doc.text);
          const der = bytes(ctx.text);
          expect(k).toBeGreaterThan(0);
          expect(der.subarray(0, k).equals(orig.subarray(0, k))).toBe(true);
          expect(slice(der, k, k + Buffer.byteLength(sep))).toBe(sep);
          expect(k === orig.length || /\s/u.test(slice(orig, k, k + 1))).toBe(true); // cut at a word end
          expect(der.length).toBeLessThanOrEqual(Math.floor(budget * orig.length));
        }),
        RUNS,
      );
    });

    it(`${probe.id}: regions are ordered, inside the text, and each item's cue is followed at once by its target`, () => {
      fc.assert(
        fc.property(docArb(900, 1800), (doc) => {
          for (const d of probe.derive(doc)) {
            const n = bytes(d.text).length;
            let last = 0;
            for (const r of d.regions) {
              expect(r.byteStart).toBeGreaterThanOrEqual(last);
              expect(r.byteEnd).toBeGreaterThan(r.byteStart);
              expect(r.byteEnd).toBeLessThanOrEqual(n);
              last = r.byteEnd;
            }
            for (const rs of byItem(d.regions).values()) {
              expect(rs.map((r) => r.role)).toEqual(['cue', rs[1].role]);
              expect(['target', 'control']).toContain(rs[1].role);
              expect(rs[1].byteStart).toBe(rs[0].byteEnd);
            }
          }
        }),
        RUNS,
      );
    });

    it(`${probe.id}: a document too short for the probe gives no derived document`, () => {
      fc.assert(fc.property(docArb(1, 300), (doc) => {
        expect(probe.derive(doc)).toEqual([]);
      }), { seed: 3, numRuns: 20 });
    });
  }
});

describe('probes: repeat-at-distance', () => {
  const probe = getProbe('repeat-at-distance');
  it('each target item (cue + target) equals its source bytes in the kept text; each control reorders its source words and occurs nowhere in it', () => {
    fc.assert(
      fc.property(docArb(900, 1800), (doc) => {
        const [ctx] = probe.derive(doc);
        const der = bytes(ctx.text);
        const k = prefixBytes(ctx, '\n\n');
        const kept = slice(der, 0, k);
        const items = byItem(ctx.regions);
        expect([...items.values()].filter((rs) => rs[1].role === 'target').length).toBe((probe.params.depths as number[]).length);
        for (const [cue, second] of items.values()) {
          expect(cue.sourceEnd).toBeLessThanOrEqual(k);
          const text = slice(der, cue.byteStart, second.byteEnd);
          const source = slice(der, cue.sourceStart, cue.sourceEnd);
          if (second.role === 'target') {
            expect(text).toBe(source);
            expect(wordsOf(slice(der, cue.byteStart, cue.byteEnd)).length).toBe(probe.params.cueWords);
          } else {
            expect([...wordsOf(text)].sort()).toEqual([...wordsOf(source)].sort());
            expect(kept.includes(text)).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });

  it('copies come deepest first: the distance back to the source grows as the depth falls', () => {
    const doc = { id: 'd', text: Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ') };
    const targets = probe.derive(doc)[0].regions.filter((r) => r.role === 'target');
    const dist = targets.map((r) => r.byteStart - r.sourceStart);
    expect(targets.map((r) => r.depth)).toEqual([0.9, 0.7, 0.5, 0.3, 0.1]);
    expect(dist).toEqual([...dist].sort((a, b) => a - b));
  });
});

describe('probes: retrieval-gain', () => {
  const probe = getProbe('retrieval-gain');
  it('each excerpt-only document is the excerpt + continuation of the same item, and both equal the source bytes', () => {
    fc.assert(
      fc.property(docArb(900, 1800), (doc) => {
        const [ctx, ...alone] = probe.derive(doc);
        const der = bytes(ctx.text);
        expect(alone.length).toBe((probe.params.positions as number[]).length);
        const items = byItem(ctx.regions);
        for (const a of alone) {
          expect(a.variant).toBe('excerpt-only');
          const [cue, target] = a.regions;
          const [c2, t2] = items.get(cue.item)!;
          expect(a.text).toBe(slice(der, c2.byteStart, t2.byteEnd));
          expect(a.text).toBe(slice(der, c2.sourceStart, c2.sourceEnd));
          expect(slice(bytes(a.text), target.byteStart, target.byteEnd)).toBe(slice(der, t2.byteStart, t2.byteEnd));
          expect(wordsOf(slice(bytes(a.text), cue.byteStart, cue.byteEnd)).length).toBe(probe.params.excerptWords);
        }
      }),
      RUNS,
    );
  });
});

describe('probes: derived corpus', () => {
  it('its hash changes with the source corpus and with any derived text', () => {
    const doc = { id: 'd', text: Array.from({ length: 2000 }, (_, i) => `w${i % 97}x${i}`).join(' ') };
    const p = getProbe('repeat-at-distance');
    const a = deriveCorpus(p, { path: 'a', sha256: '1', documents: [doc] });
    const b = deriveCorpus(p, { path: 'a', sha256: '2', documents: [doc] });
    const c = deriveCorpus(p, { path: 'a', sha256: '1', documents: [{ ...doc, text: `changed ${doc.text}` }] });
    expect(new Set([a.corpus.sha256, b.corpus.sha256, c.corpus.sha256]).size).toBe(3);
    expect(a.corpus.path).toBe('a#probe=repeat-at-distance@1');
  });
});
