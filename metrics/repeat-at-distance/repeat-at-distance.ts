// repeat-at-distance: how much of a passage's copy the long context predicts that a short window cannot. The
// probe (harness/probes/repeat-at-distance.ts) appends, after the document, copies of passages from depths
// 0.1..0.9 of it; each copy's first 8 words are the cue, the other 24 the target. Scored on the targets whose
// source lies beyond the short window (more than size + step tokens back, so the window cannot see it): bits per
// byte gained by the long context over the short window, pooled over those targets (unit "bits"), or that gain
// as a share of the short window's loss (unit "relative": 1 = the long context predicts the copy perfectly).
// Higher is better. The report page shows the long-context loss on the targets against the distance back to
// their source, per model.
import { defineMetric, type MetricCurve } from '../../harness/scoring/metric.ts';
import { poolRange, probeOf, scoredRegions, tokensBackToSource, tokensFromSourceStart } from '../../harness/scoring/probe-math.ts';
import { bitsPerByte, LN2, mergePools, pickShortWindow, shortLogprobs, type WindowChoice } from '../../harness/scoring/token-math.ts';
import type { ModelCorpusStats, ProbeRole } from '../../harness/tokenstats/types.ts';

export const PROBE = 'repeat-at-distance';

export interface CopyGainHp {
  [k: string]: string;
  shortWindow: WindowChoice;
  /** Which copies: all depths, the far ones (source at depth <= 0.5, far back), the near ones (>= 0.5). */
  depths: 'all' | 'far' | 'near';
  unit: 'bits' | 'relative';
}

const inDepths = (depth: number, which: CopyGainHp['depths']): boolean =>
  which === 'all' || (which === 'far' ? depth <= 0.5 + 1e-9 : depth >= 0.5 - 1e-9);

/** Long-over-short gain on the regions of `role` of the repeat-at-distance probe (shared with novel-passage). */
export function copyGain(stats: ModelCorpusStats, role: ProbeRole, metric: string, hp: CopyGainHp): number {
  const w = pickShortWindow(stats, hp.shortWindow);
  let long = 0;
  let short = 0;
  let bytes = 0;
  for (const s of scoredRegions(probeOf(stats, PROBE, metric), role)) {
    if (!inDepths(s.region.depth, hp.depths) || !(tokensBackToSource(s) > w.size + w.step)) continue;
    const l = poolRange(s.doc, s.from, s.to, s.doc.logprobLong);
    long += l.nll;
    short += poolRange(s.doc, s.from, s.to, shortLogprobs(s.doc, w)).nll;
    bytes += l.bytes;
  }
  if (bytes === 0) return NaN;
  return hp.unit === 'bits' ? (short - long) / LN2 / bytes : short > 0 ? (short - long) / short : NaN;
}

/** Long-context bits per byte on the regions of `role` at each depth, against the mean distance (tokens from
 *  the source's start) of that depth. */
export function copyCurve(stats: ModelCorpusStats, role: ProbeRole, metric: string, what: string): MetricCurve {
  const byDepth = new Map<number, { pools: ReturnType<typeof poolRange>[]; dist: number[] }>();
  for (const s of scoredRegions(probeOf(stats, PROBE, metric), role)) {
    const e = byDepth.get(s.region.depth) ?? { pools: [], dist: [] };
    e.pools.push(poolRange(s.doc, s.from, s.to, s.doc.logprobLong));
    e.dist.push(tokensFromSourceStart(s));
    byDepth.set(s.region.depth, e);
  }
  const points = [...byDepth.values()]
    .map((e) => ({ x: Math.round(e.dist.reduce((a, b) => a + b, 0) / e.dist.length), y: Number(bitsPerByte(mergePools(e.pools)).toFixed(6)) }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
  return { xLabel: `tokens back to the start of the ${what} (mean per depth)`, yLabel: `long-context bits per byte on the ${role === 'target' ? 'copies' : 'controls'} after the cue`, points };
}

export default defineMetric<CopyGainHp>({
  id: 'repeat-at-distance',
  description:
    'Bits per byte the long context gains over the short window on copies of passages from depths 0.1..0.9 of the document (after an 8-word cue), source beyond the window; higher is better',
  needs: ['long', 'short', 'bytes'],
  probes: [PROBE],
  grid: { shortWindow: ['smallest', 'largest'], depths: ['all', 'far', 'near'], unit: ['bits', 'relative'] },
  defaults: { shortWindow: 'smallest', depths: 'all', unit: 'bits' },
  direction: 'higher-is-better',
  compute: (stats, hp) => copyGain(stats, 'target', 'repeat-at-distance', hp),
  curve: (stats) => copyCurve(stats, 'target', 'repeat-at-distance', 'copied passage'),
});
