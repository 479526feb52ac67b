// retrieval-gain, as proposed for this benchmark in the public repository hhexiy/long-context-eval:
// NLL(continuation | excerpt only) - NLL(continuation | full document + excerpt), in bits per byte of the
// continuation, pooled over the probes. The probe (harness/probes/retrieval-gain.ts): excerpts of 48 words from
// positions 0.05, 0.15 (early), 0.3, 0.45 (middle) of the document, 4 per document, each with the 32 words that
// follow it in the document as its continuation; the excerpt + continuation is appended after the document
// ("context" documents, long-context log-probabilities) and also scored alone ("excerpt-only" documents). A
// model that retrieves the excerpt's place in the document predicts the continuation from it. Unit "relative":
// the gain as a share of the excerpt-only loss. Higher is better.
import { defineMetric } from '../../harness/scoring/metric.ts';
import { poolRange, probeOf, scoredRegions } from '../../harness/scoring/probe-math.ts';
import { LN2 } from '../../harness/scoring/token-math.ts';
import type { ModelCorpusStats } from '../../harness/tokenstats/types.ts';

const PROBE = 'retrieval-gain';

export interface RetrievalGainHp {
  [k: string]: string;
  positions: 'all' | 'early' | 'middle';
  unit: 'bits' | 'relative';
}

interface Pair {
  depth: number;
  alone: number;
  full: number;
  bytes: number;
}

/** The continuations scored both ways, paired by source document and item. */
function pairs(stats: ModelCorpusStats): Pair[] {
  const probe = probeOf(stats, PROBE, 'retrieval-gain');
  const alone = new Map<string, number>();
  for (const s of scoredRegions(probe, 'target', 'excerpt-only')) {
    alone.set(`${s.sourceId}\u0000${s.region.item}`, poolRange(s.doc, s.from, s.to, s.doc.logprobLong).nll);
  }
  const out: Pair[] = [];
  for (const s of scoredRegions(probe, 'target', 'context')) {
    const a = alone.get(`${s.sourceId}\u0000${s.region.item}`);
    if (a === undefined) continue;
    const full = poolRange(s.doc, s.from, s.to, s.doc.logprobLong);
    out.push({ depth: s.region.depth, alone: a, full: full.nll, bytes: full.bytes });
  }
  return out;
}

const inPositions = (depth: number, which: RetrievalGainHp['positions']): boolean =>
  which === 'all' || (which === 'early' ? depth <= 0.2 : depth > 0.2);

function gain(ps: Pair[], unit: RetrievalGainHp['unit']): number {
  const alone = ps.reduce((a, p) => a + p.alone, 0);
  const full = ps.reduce((a, p) => a + p.full, 0);
  const bytes = ps.reduce((a, p) => a + p.bytes, 0);
  if (bytes === 0) return NaN;
  return unit === 'bits' ? (alone - full) / LN2 / bytes : alone > 0 ? (alone - full) / alone : NaN;
}

export default defineMetric<RetrievalGainHp>({
  id: 'retrieval-gain',
  description:
    'Bits per byte of an excerpt\'s continuation gained by reading the whole document before the excerpt (excerpts of 48 words at positions 0.05-0.45, continuations of 32); higher is better',
  needs: ['long', 'bytes'],
  probes: [PROBE],
  grid: { positions: ['all', 'early', 'middle'], unit: ['bits', 'relative'] },
  defaults: { positions: 'all', unit: 'bits' },
  direction: 'higher-is-better',
  compute: (stats, hp) => gain(pairs(stats).filter((p) => inPositions(p.depth, hp.positions)), hp.unit),
  curve(stats) {
    const ps = pairs(stats);
    const depths = [...new Set(ps.map((p) => p.depth))].sort((a, b) => a - b);
    return {
      xLabel: 'position of the excerpt in the document (fraction of its bytes)',
      yLabel: 'bits per byte of the continuation gained from the document',
      points: depths
        .map((d) => ({ x: d, y: Number(gain(ps.filter((p) => p.depth === d), 'bits').toFixed(6)) }))
        .filter((p) => Number.isFinite(p.y)),
    };
  },
});
