// Pure helpers for metrics that read probes (ModelCorpusStats.probes): the tokens of a marked region, pooled
// log-probabilities over them, and the distance back to the region's source. Imports nothing but the
// token-statistics types and token-math.
import type { DocStats, ProbeCorpusStats, ProbeRegion, ProbeRole } from '../tokenstats/types.ts';
import { addToken, emptyPool, type Pool } from './token-math.ts';

/** First index i of the non-decreasing array a with a[i] >= v (a.length when none). */
function lowerBound(a: Int32Array, v: number, strict = false): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? a[mid] <= v : a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Token indices [from, to) of the scored tokens whose byte spans lie inside [start, end); null when the
 *  statistics do not cover the region to its end (a document cut by maxTokens) or no token lies inside it. */
export function regionTokens(doc: DocStats, start: number, end: number): [number, number] | null {
  const n = doc.n;
  if (n === 0 || doc.byteEnd[n - 1] < end) return null;
  const from = Math.max(doc.scoredFrom, lowerBound(doc.byteStart.subarray(0, n), start));
  const to = lowerBound(doc.byteEnd.subarray(0, n), end, true); // first token ending past the region
  return from < to ? [from, to] : null;
}

/** Pool of log-probabilities lps over tokens [from, to). */
export function poolRange(doc: DocStats, from: number, to: number, lps: Float32Array): Pool {
  const p = emptyPool();
  for (let i = from; i < to; i++) addToken(p, doc, i, lps[i]);
  return p;
}

export interface ScoredRegion {
  sourceId: string;
  variant: string;
  region: ProbeRegion;
  doc: DocStats;
  from: number;
  to: number;
}

/** Every covered region of `role` in the probe's derived documents of `variant`, in document order. */
export function scoredRegions(probe: ProbeCorpusStats, role: ProbeRole, variant = 'context'): ScoredRegion[] {
  const out: ScoredRegion[] = [];
  for (const d of probe.docs) {
    if (d.variant !== variant) continue;
    for (const r of d.regions) {
      if (r.role !== role) continue;
      const range = regionTokens(d.stats, r.byteStart, r.byteEnd);
      if (range) out.push({ sourceId: d.sourceId, variant, region: r, doc: d.stats, from: range[0], to: range[1] });
    }
  }
  return out;
}

/** Tokens between the end of the region's source and the region's first token: how far back a model must look
 *  (NaN when the region has no source in the same document). */
export function tokensBackToSource(s: ScoredRegion): number {
  if (s.region.sourceStart < 0) return NaN;
  const end = lowerBound(s.doc.byteEnd.subarray(0, s.doc.n), s.region.sourceEnd); // the source's last token
  return s.from - end;
}

/** Tokens from the source's first token to the region's first token (NaN without a source). */
export function tokensFromSourceStart(s: ScoredRegion): number {
  if (s.region.sourceStart < 0) return NaN;
  return s.from - lowerBound(s.doc.byteStart.subarray(0, s.doc.n), s.region.sourceStart);
}

/** The probe's statistics, or an error naming the probe and the metric that declared it. */
export function probeOf(stats: { model: string; probes?: Readonly<Record<string, ProbeCorpusStats>> }, probe: string, metric: string): ProbeCorpusStats {
  const p = stats.probes?.[probe];
  if (!p) throw new Error(`${metric}: statistics of ${stats.model} lack probe ${probe} (declare it in the metric's probes; the suites load what metrics declare)`);
  return p;
}
