// The derived corpus of a probe over a proxy corpus: the derived documents as a corpus the engines and the cache
// treat like any other. Its sha256 hashes the probe's id, version and parameters, the source corpus's sha256 and
// every derived document (id, text, regions): the cache key of its entries, so a probe is computed once per model
// and spec, and any change of what the probe produces is a new corpus, never a stale entry.
import type { CorpusDocument, ProxyCorpus } from '../contract/types.ts';
import { sha256 } from '../util/hash.ts';
import type { KeptBytes } from './kept.ts';
import { byteOffsets, prefixAtWordEnd, utf8Length, words } from './text.ts';
import type { DerivedDocument, Probe } from './types.ts';

export interface DerivedCorpus {
  probe: Probe;
  corpus: ProxyCorpus;
  docs: DerivedDocument[];
}

/** The document as a model keeps it: cut at a word end to at most `bytes` bytes; the same object when nothing
 *  is cut (so a corpus no model cuts derives exactly as without keptBytes). */
export function keptDocument(doc: CorpusDocument, bytes: number): CorpusDocument {
  if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`document ${doc.id}: kept bytes ${bytes} must be an integer >= 0`);
  if (bytes >= utf8Length(doc.text)) return doc;
  return { id: doc.id, text: prefixAtWordEnd(doc.text, words(doc.text), byteOffsets(doc.text), bytes) };
}

/** With `keptBytes` (the bytes a model keeps, kept.ts), each document is first cut to them, so the probe's
 *  byte budget is relative to what the model reads: the derived corpus is then the model's own. */
export function deriveCorpus(probe: Probe, source: ProxyCorpus, keptBytes?: KeptBytes): DerivedCorpus {
  const docs = source.documents.flatMap((d) => probe.derive(keptBytes ? keptDocument(d, keptBytes(d)) : d));
  const ids = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.id)) throw new Error(`probe ${probe.id}: derived document id ${d.id} repeats (source corpus ${source.path})`);
    ids.add(d.id);
  }
  const identity = ['longproxy-probe', probe.id, probe.version, probe.params, source.sha256, docs.map((d) => [d.id, d.sourceId, d.variant, sha256(d.text), d.regions])];
  return {
    probe,
    docs,
    corpus: { path: `${source.path}#probe=${probe.id}@${probe.version}`, sha256: sha256(JSON.stringify(identity)), documents: docs.map((d) => ({ id: d.id, text: d.text })) },
  };
}
