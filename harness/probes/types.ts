// A probe: a pure, seeded, versioned transform of one proxy document into derived documents with marked regions
// (byte spans with a role: cue, target, control), built from the proxy text only. The engines run derived
// documents like any other; a metric declares the probes it reads (MetricDefinition.probes) and receives their
// statistics with the regions (ModelCorpusStats.probes). Bump `version` whenever derive() changes its output:
// the derived corpus's content hash keys the cache anyway, the version makes the change visible in claims.
import type { CorpusDocument } from '../contract/types.ts';
import type { ProbeRegion } from '../tokenstats/types.ts';

export type ProbeParamValue = number | string | boolean | readonly number[];
export type ProbeParams = Readonly<Record<string, ProbeParamValue>>;

export interface DerivedDocument {
  /** Unique within the derived corpus, e.g. "<source id>#repeat-at-distance". */
  id: string;
  text: string;
  sourceId: string;
  /** Kind of derived document ("context", "excerpt-only"). */
  variant: string;
  /** Byte spans in `text`, in increasing byteStart order. */
  regions: ProbeRegion[];
}

export interface Probe {
  /** Folder-style id, e.g. "repeat-at-distance". */
  id: string;
  version: number;
  description: string;
  /** Every parameter, seed included: part of the derived corpus's identity. */
  params: ProbeParams;
  /** Derived documents of one proxy document ([] when the document is too short for the probe). Pure. */
  derive(doc: CorpusDocument): DerivedDocument[];
}
