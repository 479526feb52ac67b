// Probe statistics for metrics: the probes a set of metrics declares, and one model's statistics of a derived
// corpus joined with the derived documents' regions (ModelCorpusStats.probes).
import type { ProxyCorpus } from '../contract/types.ts';
import type { ModelCorpusStats, ProbeCorpusStats } from '../tokenstats/types.ts';
import { deriveCorpus, type DerivedCorpus } from './derive.ts';
import type { KeptBytes } from './kept.ts';
import { PROBES, getProbe } from './registry.ts';
import type { Probe } from './types.ts';
import { utf8Length } from './text.ts';

/** The probes the metrics declare, each once, in the probe registry's order; an unknown id is a UserError. */
export function declaredProbes(metrics: readonly { id: string; probes?: readonly string[] }[]): string[] {
  const wanted = new Set(metrics.flatMap((m) => m.probes ?? []));
  for (const id of wanted) getProbe(id);
  return PROBES.filter((p) => wanted.has(p.id)).map((p) => p.id);
}

export interface ModelsDerived {
  /** Per model its derived corpus. */
  byModel: Map<string, DerivedCorpus>;
  /** The models sharing each distinct derived corpus (first appearance order; the models' order within). */
  groups: { derived: DerivedCorpus; models: string[] }[];
}

/** Each model's derived corpus of `probe`, the source cut to the bytes it keeps (undefined: the whole document,
 *  e.g. a model whose tokenizer did not load; its fill then fails at that stage). Models that keep the same
 *  bytes of every document share one derived corpus, derived once: on a corpus no model cuts, one group, the
 *  same corpus as deriveCorpus(probe, corpus). */
export function deriveForModels(probe: Probe, corpus: ProxyCorpus, models: readonly { model: string; kept?: KeptBytes }[]): ModelsDerived {
  const byKept = new Map<string, { derived: DerivedCorpus; models: string[] }>();
  const byModel = new Map<string, DerivedCorpus>();
  for (const { model, kept } of models) {
    const bytes = corpus.documents.map((d) => Math.min(utf8Length(d.text), kept ? kept(d) : Infinity));
    const key = bytes.join(',');
    let g = byKept.get(key);
    if (!g) {
      const at = new Map(corpus.documents.map((d, i) => [d, bytes[i]]));
      g = { derived: deriveCorpus(probe, corpus, (d) => at.get(d)!), models: [] };
      byKept.set(key, g);
    }
    g.models.push(model);
    byModel.set(model, g.derived);
  }
  return { byModel, groups: [...byKept.values()] };
}

/** A model's statistics of a derived corpus (documents in the derived corpus's order) with their regions. */
export function probeCorpusStats(derived: DerivedCorpus, stats: ModelCorpusStats): ProbeCorpusStats {
  if (stats.docs.length !== derived.docs.length) {
    throw new Error(`probe ${derived.probe.id}: ${stats.model} has statistics of ${stats.docs.length} derived documents, the probe made ${derived.docs.length}`);
  }
  // Regions past the model's last token (the derived document was cut by the spec's maxTokens) are left out by
  // the metrics; say so: a corpus derived without the model's kept bytes (deriveForModels), or appended text that
  // needs more tokens per byte than the 3% margin of the budget, can still be cut.
  const cut = derived.docs.reduce((a, d, i) => {
    const n = stats.docs[i].n;
    const covered = n > 0 ? stats.docs[i].byteEnd[n - 1] : 0;
    return a + d.regions.filter((r) => r.byteEnd > covered).length;
  }, 0);
  if (cut > 0) {
    const total = derived.docs.reduce((a, d) => a + d.regions.length, 0);
    process.stderr.write(`longproxy probes: ${stats.model}: ${cut} of ${total} regions of probe ${derived.probe.id} lie past the tokens the spec keeps (maxTokens); metrics leave them out (docs/probes.md, "Byte budget")\n`);
  }
  return {
    probe: derived.probe.id,
    version: derived.probe.version,
    params: derived.probe.params,
    docs: derived.docs.map((d, i) => {
      if (stats.docs[i].docId !== d.id) throw new Error(`probe ${derived.probe.id}: statistics of ${stats.docs[i].docId} where ${d.id} was expected`);
      return { sourceId: d.sourceId, variant: d.variant, stats: stats.docs[i], regions: d.regions };
    }),
    cost: stats.cost,
  };
}
