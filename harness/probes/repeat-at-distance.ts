// repeat-at-distance: passages of the document's own text, copied from depths p of the kept prefix and appended
// after it, deepest first (so the distance back to the source grows from about (1 - p_max) to (1 - p_min) of the
// prefix). Each copy is a cue (its first `cueWords` words) and a target (the rest): a model that retrieves the
// source predicts the target almost for free under the long context, while a short window, which cannot see the
// source, cannot. After each copy comes a control: the words of another passage (at depth p - controlOffset) in a
// seeded random order -- every word occurs in the document, the sequence never did -- split into cue and
// control target the same way (metrics/novel-passage reads those). The document is cut at a word end so that
// the derived text has at most `budget` x the original bytes (it then fits the same token budget).
import type { CorpusDocument } from '../contract/types.ts';
import { DerivedBuilder, fitToBudget } from './build.ts';
import type { DerivedDocument, Probe } from './types.ts';
import { byteOffsets, docRng, passageStart, words, type Word } from './text.ts';

export const REPEAT_PARAMS = {
  depths: [0.1, 0.3, 0.5, 0.7, 0.9],
  passageWords: 32,
  cueWords: 8,
  controlOffset: 0.05,
  budget: 0.97,
  separator: '\n\n',
  /** The shortest kept prefix, in words, a document must allow (shorter documents get no derived document). */
  minPrefixWords: 400,
  seed: 1,
} as const;

const ID = 'repeat-at-distance';

/** Words of a passage in a seeded order that differs from the source and whose text occurs nowhere in the
 *  prefix; undefined when no such order was found in a few tries (e.g. a passage of one repeated word). */
function novelOrder(prefix: string, passage: string[], rng: ReturnType<typeof docRng>): string[] | undefined {
  for (let t = 0; t < 8; t++) {
    const order = rng.shuffled(passage);
    const text = order.join(' ');
    if (text !== passage.join(' ') && !prefix.includes(text)) return order;
  }
  return undefined;
}

function build(doc: CorpusDocument, prefix: string): DerivedBuilder {
  const p = REPEAT_PARAMS;
  const rng = docRng(p.seed, ID, doc.id);
  const ws: Word[] = words(prefix);
  const off = byteOffsets(prefix);
  const jitter = Math.floor(0.005 * ws.length);
  const b = new DerivedBuilder(prefix);
  const byDepth = [...p.depths].sort((a, c) => c - a); // deepest first
  byDepth.forEach((depth, k) => {
    const s = passageStart(ws.length, p.passageWords, depth, jitter, rng);
    const cueEnd = ws[s + p.cueWords - 1].end;
    const end = ws[s + p.passageWords - 1].end;
    const source = { sourceStart: off[ws[s].start], sourceEnd: off[end] };
    b.add(p.separator);
    b.add(prefix.slice(ws[s].start, cueEnd), { role: 'cue', item: 2 * k, depth, ...source });
    b.add(prefix.slice(cueEnd, end), { role: 'target', item: 2 * k, depth, ...source });
    const cDepth = Math.max(0, depth - p.controlOffset);
    const cs = passageStart(ws.length, p.passageWords, cDepth, jitter, rng);
    const passage = ws.slice(cs, cs + p.passageWords).map((w) => prefix.slice(w.start, w.end));
    const novel = novelOrder(prefix, passage, rng);
    if (novel === undefined) return;
    const from = { sourceStart: off[ws[cs].start], sourceEnd: off[ws[cs + p.passageWords - 1].end] };
    b.add(p.separator);
    b.add(novel.slice(0, p.cueWords).join(' '), { role: 'cue', item: 2 * k + 1, depth: cDepth, ...from });
    b.add(` ${novel.slice(p.cueWords).join(' ')}`, { role: 'control', item: 2 * k + 1, depth: cDepth, ...from });
  });
  b.add(p.separator);
  return b;
}

function derive(doc: CorpusDocument): DerivedDocument[] {
  const p = REPEAT_PARAMS;
  // Appended: 2 passages per depth (the copy and its control), 4 separators per depth (one closes the part).
  const plan = { probe: ID, budget: p.budget, appendedWords: 2 * p.passageWords * p.depths.length, separatorBytes: 4 * p.depths.length * p.separator.length, minPrefixWords: p.minPrefixWords };
  const fit = fitToBudget(doc, plan, (prefix) => ({ builder: build(doc, prefix) }));
  if (!fit) return [];
  return [{ id: `${doc.id}#${ID}`, text: fit.builder.text(), sourceId: doc.id, variant: 'context', regions: fit.builder.regions }];
}

export const repeatAtDistance: Probe = {
  id: ID,
  version: 1,
  description:
    'passages copied from depths 0.1..0.9 of the document appended after it (cue: first 8 words, target: the other 24), each followed by a control: another passage\'s words in a seeded order never in the document',
  params: REPEAT_PARAMS,
  derive,
};
