// The derived corpus of a probe over a proxy corpus: the derived documents as a corpus the engines and the cache
// treat like any other. Its sha256 hashes the probe's id, version and parameters, the source corpus's sha256 and
// every derived document (id, text, regions): the cache key of its entries, so a probe is computed once per model
// and spec, and any change of what the probe produces is a new corpus, never a stale entry.
import type { ProxyCorpus } from '../contract/types.ts';
import { sha256 } from '../util/hash.ts';
import type { DerivedDocument, Probe } from './types.ts';

export interface DerivedCorpus {
  probe: Probe;
  corpus: ProxyCorpus;
  docs: DerivedDocument[];
}

export function deriveCorpus(probe: Probe, source: ProxyCorpus): DerivedCorpus {
  const docs = source.documents.flatMap((d) => probe.derive(d));
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
