// The bytes of a proxy document a model keeps: those its first spec.maxTokens tokens cover. A probe budgets
// against them (deriveCorpus's keptBytes), not against the whole text: where maxTokens cuts a document, the
// appended part -- where the regions are -- would otherwise lie past the model's last token. Two sources that
// agree by construction (the engines tokenize with the fill's tokenizer, then cut to maxTokens,
// harness/tokenstats/compute.ts): the tokenizer itself (the fill, before any statistics exist, e.g. shards) and
// the model's statistics of the source corpus at the same spec (scoring from the cache, no weights needed).
import type { CorpusDocument } from '../contract/types.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { utf8Length } from './text.ts';

/** UTF-8 bytes of the document a model keeps (the whole document when nothing is cut). */
export type KeptBytes = (doc: CorpusDocument) => number;

/** What keptBytesOfTokenizer needs of a tokenizer (SyncTokenizer, SpanTokenizer). */
export interface SpanTokenizing {
  tokenize(text: string): { ids: ArrayLike<number>; byteEnd: ArrayLike<number> };
}

/** Kept bytes from the tokenizer the engine tokenizes with and the spec's maxTokens (0 = no limit). Each document
 *  is tokenized once: every probe derived for the model asks again. */
export function keptBytesOfTokenizer(tokenizer: SpanTokenizing, maxTokens: number): KeptBytes {
  const known = new Map<CorpusDocument, number>();
  return (doc) => {
    if (maxTokens <= 0) return utf8Length(doc.text);
    let bytes = known.get(doc);
    if (bytes === undefined) {
      const t = tokenizer.tokenize(doc.text);
      bytes = t.ids.length <= maxTokens ? utf8Length(doc.text) : t.byteEnd[maxTokens - 1];
      known.set(doc, bytes);
    }
    return bytes;
  };
}

/** Kept bytes from a model's statistics of the source corpus (same spec): the end of its last token, which is
 *  the end of the text when nothing was cut (token spans tile the covered text). */
export function keptBytesOfStats(stats: ModelCorpusStats): KeptBytes {
  const byId = new Map(stats.docs.map((d) => [d.docId, d]));
  return (doc) => {
    const d = byId.get(doc.id);
    if (!d) throw new Error(`${stats.model}: no statistics of document ${doc.id} of the source corpus, so the bytes it keeps are unknown; fill the proxy corpus first (longproxy stats --setting)`);
    return d.n > 0 ? d.byteEnd[d.n - 1] : utf8Length(doc.text);
  };
}
