// Probe statistics for metrics: the probes a set of metrics declares, and one model's statistics of a derived
// corpus joined with the derived documents' regions (ModelCorpusStats.probes).
import type { ModelCorpusStats, ProbeCorpusStats } from '../tokenstats/types.ts';
import type { DerivedCorpus } from './derive.ts';
import { PROBES, getProbe } from './registry.ts';

/** The probes the metrics declare, each once, in the probe registry's order; an unknown id is a UserError. */
export function declaredProbes(metrics: readonly { id: string; probes?: readonly string[] }[]): string[] {
  const wanted = new Set(metrics.flatMap((m) => m.probes ?? []));
  for (const id of wanted) getProbe(id);
  return PROBES.filter((p) => wanted.has(p.id)).map((p) => p.id);
}

/** A model's statistics of a derived corpus (documents in the derived corpus's order) with their regions. */
export function probeCorpusStats(derived: DerivedCorpus, stats: ModelCorpusStats): ProbeCorpusStats {
  if (stats.docs.length !== derived.docs.length) {
    throw new Error(`probe ${derived.probe.id}: ${stats.model} has statistics of ${stats.docs.length} derived documents, the probe made ${derived.docs.length}`);
  }
  // Regions past the model's last token (the derived document was cut by the spec's maxTokens) are left out by
  // the metrics; say so, since the byte budget (text only) cannot know every tokenizer.
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
