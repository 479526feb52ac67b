// retrieval-gain (the measure proposed for this benchmark in the public repository hhexiy/long-context-eval, as
// its description reads: NLL(continuation | excerpt only) - NLL(continuation | full document + excerpt)): at each
// position (early and middle of the document) an excerpt of `excerptWords` words and the `continuationWords`
// words that follow it in the document. Two kinds of derived document per proxy document:
//   context:       the document (cut at a word end to the byte budget), then each excerpt + continuation,
//                  byte for byte as in the document, separated by the separator;
//   excerpt-only:  one per position: the excerpt + continuation alone.
// Regions: cue = the excerpt, target = the continuation (same `item` in both kinds).
import type { CorpusDocument } from '../contract/types.ts';
import { DerivedBuilder, fitToBudget } from './build.ts';
import type { DerivedDocument, Probe } from './types.ts';
import { byteOffsets, docRng, passageStart, words } from './text.ts';

export const RETRIEVAL_PARAMS = {
  positions: [0.05, 0.15, 0.3, 0.45],
  excerptWords: 48,
  continuationWords: 32,
  budget: 0.97,
  separator: '\n\n',
  minPrefixWords: 400,
  seed: 1,
} as const;

const ID = 'retrieval-gain';

interface Item {
  depth: number;
  /** UTF-16 indices in the prefix: excerpt [start, mid), continuation [mid, end). */
  start: number;
  mid: number;
  end: number;
}

function items(doc: CorpusDocument, prefix: string): Item[] {
  const p = RETRIEVAL_PARAMS;
  const rng = docRng(p.seed, ID, doc.id);
  const ws = words(prefix);
  const len = p.excerptWords + p.continuationWords;
  const jitter = Math.floor(0.005 * ws.length);
  return p.positions.map((depth) => {
    const s = passageStart(ws.length, len, depth, jitter, rng);
    return { depth, start: ws[s].start, mid: ws[s + p.excerptWords - 1].end, end: ws[s + len - 1].end };
  });
}

function contextDoc(prefix: string, its: Item[]): DerivedBuilder {
  const p = RETRIEVAL_PARAMS;
  const off = byteOffsets(prefix);
  const b = new DerivedBuilder(prefix);
  its.forEach((it, k) => {
    const source = { item: k, depth: it.depth, sourceStart: off[it.start], sourceEnd: off[it.end] };
    b.add(p.separator);
    b.add(prefix.slice(it.start, it.mid), { role: 'cue', ...source });
    b.add(prefix.slice(it.mid, it.end), { role: 'target', ...source });
  });
  b.add(p.separator);
  return b;
}

function derive(doc: CorpusDocument): DerivedDocument[] {
  const p = RETRIEVAL_PARAMS;
  const plan = { probe: ID, budget: p.budget, appendedWords: (p.excerptWords + p.continuationWords) * p.positions.length, separatorBytes: 2 * p.positions.length * p.separator.length, minPrefixWords: p.minPrefixWords };
  const fit = fitToBudget(doc, plan, (prefix) => {
    const its = items(doc, prefix);
    return { builder: contextDoc(prefix, its), prefix, its };
  });
  if (!fit) return [];
  const { builder: b, prefix, its } = fit;
  const alone = its.map((it, k): DerivedDocument => {
    const e = new DerivedBuilder('');
    const none = { item: k, depth: it.depth, sourceStart: -1, sourceEnd: -1 };
    e.add(prefix.slice(it.start, it.mid), { role: 'cue', ...none });
    e.add(prefix.slice(it.mid, it.end), { role: 'target', ...none });
    return { id: `${doc.id}#${ID}/excerpt-${k}`, text: e.text(), sourceId: doc.id, variant: 'excerpt-only', regions: e.regions };
  });
  return [{ id: `${doc.id}#${ID}`, text: b.text(), sourceId: doc.id, variant: 'context', regions: b.regions }, ...alone];
}

export const retrievalGain: Probe = {
  id: ID,
  version: 1,
  description:
    'excerpts (48 words) from positions 0.05, 0.15, 0.3, 0.45 of the document with their 32-word continuations, appended after the document and, separately, alone',
  params: RETRIEVAL_PARAMS,
  derive,
};
