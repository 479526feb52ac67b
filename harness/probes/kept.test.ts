// The byte budget against the bytes a model keeps (kept.ts, deriveCorpus's keptBytes): with a document cut by
// maxTokens, every region lies within the kept bytes and the kept prefix is the original text byte for byte; a
// model that cuts nothing derives exactly today's corpus; models cutting alike share one derived corpus.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CorpusDocument, ProxyCorpus } from '../contract/types.ts';
import { toyByteTokenizer } from '../engine/torch.ts';
import type { DocStats, ModelCorpusStats } from '../tokenstats/types.ts';
import { deriveCorpus, keptDocument } from './derive.ts';
import { keptBytesOfStats, keptBytesOfTokenizer } from './kept.ts';
import { deriveForModels } from './load.ts';
import { PROBES } from './registry.ts';

const WORD = fc.stringMatching(/^[a-zé中😀,.()0-9]{1,9}$/u);
const docArb = fc
  .record({ ws: fc.array(WORD, { minLength: 2500, maxLength: 4000 }), id: fc.stringMatching(/^[a-z0-9-]{1,8}$/) })
  .map(({ ws, id }): CorpusDocument => ({ id, text: ws.join(ws.length % 2 ? ' ' : '\n') }));
const len = (s: string) => Buffer.byteLength(s, 'utf8');
const corpusOf = (documents: CorpusDocument[]): ProxyCorpus => ({ path: 'c.json', sha256: 'src', documents });

describe('probes budget against the bytes a model keeps', () => {
  for (const probe of PROBES) {
    const sep = len(String(probe.params.separator));
    const budget = Number(probe.params.budget);

    it(`${probe.id}: with a cut document, regions lie within the kept bytes and the prefix is kept byte for byte`, () => {
      fc.assert(
        fc.property(docArb, fc.double({ min: 0.5, max: 0.9, noNaN: true }), (doc, frac) => {
          const kept = Math.floor(frac * len(doc.text)); // a fake tokenizer's cut, anywhere (mid-word too)
          const now = deriveCorpus(probe, corpusOf([doc]), () => kept);
          const before = deriveCorpus(probe, corpusOf([doc]));
          // Without the kept bytes the appended part lies past them (the GPU rehearsal's finding at 32k).
          expect(before.docs[0].regions.some((r) => r.byteEnd > kept)).toBe(true);
          const original = Buffer.from(doc.text, 'utf8');
          for (const d of now.docs.filter((x) => x.variant === 'context')) {
            const text = Buffer.from(d.text, 'utf8');
            expect(text.length).toBeLessThanOrEqual(Math.floor(budget * kept));
            for (const r of d.regions) expect(r.byteEnd).toBeLessThanOrEqual(kept);
            const prefix = d.regions[0].byteStart - sep;
            expect(text.subarray(0, prefix).equals(original.subarray(0, prefix))).toBe(true);
            // The prefix ends at a word end of the original.
            expect(/\s/u.test(String.fromCharCode(original[prefix]))).toBe(true);
            for (const r of d.regions) if (r.sourceEnd >= 0) expect(r.sourceEnd).toBeLessThanOrEqual(prefix);
          }
          expect(now.corpus.sha256).not.toBe(before.corpus.sha256);
        }),
        { seed: 7, numRuns: 12 },
      );
    });

    it(`${probe.id}: a model that keeps the whole document derives today's corpus (same sha256)`, () => {
      fc.assert(
        fc.property(docArb, fc.integer({ min: 0, max: 100 }), (doc, extra) => {
          const c = corpusOf([doc]);
          expect(deriveCorpus(probe, c, () => len(doc.text) + extra).corpus.sha256).toBe(deriveCorpus(probe, c).corpus.sha256);
        }),
        { seed: 8, numRuns: 6 },
      );
    });
  }

  it('keptDocument cuts at a word end and leaves an uncut document as it is', () => {
    const doc = { id: 'd', text: 'alpha beta gamma délta' };
    expect(keptDocument(doc, 100)).toBe(doc);
    expect(keptDocument(doc, 13).text).toBe('alpha beta');
    expect(keptDocument(doc, 10).text).toBe('alpha beta');
    expect(keptDocument(doc, 21).text).toBe('alpha beta gamma'); // "délta" is 6 bytes: cut inside it
    expect(() => keptDocument(doc, -1)).toThrow(/kept bytes -1/);
  });

  it('the tokenizer and the statistics give the same kept bytes', () => {
    const doc = { id: 'd', text: 'naïve words, then more words' };
    const t = toyByteTokenizer.tokenize(doc.text);
    for (const maxTokens of [0, 5, 12, 100]) {
      const n = maxTokens > 0 ? Math.min(maxTokens, t.ids.length) : t.ids.length;
      const stats = { model: 'm', docs: [{ docId: 'd', n, byteEnd: t.byteEnd.slice(0, n) } as unknown as DocStats] } as ModelCorpusStats;
      expect(keptBytesOfTokenizer(toyByteTokenizer, maxTokens)(doc)).toBe(keptBytesOfStats(stats)(doc));
    }
    expect(keptBytesOfTokenizer(toyByteTokenizer, 5)(doc)).toBe(5);
    expect(() => keptBytesOfStats({ model: 'm', docs: [] } as unknown as ModelCorpusStats)(doc)).toThrow(/no statistics of document d/);
  });

  it('deriveForModels: models that keep the same bytes share one derived corpus', () => {
    const doc = fc.sample(docArb, { seed: 3, numRuns: 1 })[0];
    const c = corpusOf([doc]);
    const half = Math.floor(len(doc.text) / 2);
    const { byModel, groups } = deriveForModels(PROBES[0], c, [{ model: 'a' }, { model: 'b', kept: () => half }, { model: 'c', kept: () => 10 ** 9 }, { model: 'd', kept: () => half }]);
    expect(groups.map((g) => g.models)).toEqual([['a', 'c'], ['b', 'd']]);
    expect(byModel.get('a')!.corpus.sha256).toBe(deriveCorpus(PROBES[0], c).corpus.sha256);
    expect(byModel.get('b')).toBe(byModel.get('d'));
  });
});
