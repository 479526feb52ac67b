// How loss falls with position. Positions are measured in UTF-8 bytes from the start of the document, not in
// tokens, so the curve means the same for every tokenizer.
//  - log-slope: pool bits per byte in doubling byte-offset buckets [2^k, 2^(k+1)) for k >= startLog2, then the
//    least-squares slope of bpb against k (bits per byte per doubling of position). More negative = the model
//    keeps gaining from longer context.
//  - half-diff: bpb of the tokens in the second half of each document's scored bytes minus bpb of the first
//    half, pooled over the corpus.
import { defineMetric } from '../../harness/scoring/metric.ts';
import type { ModelCorpusStats } from '../../harness/tokenstats/types.ts';
import { addToken, bitsPerByte, emptyPool, type Pool } from '../../harness/scoring/token-math.ts';

export interface PositionCurveHp {
  [k: string]: number | string;
  form: 'log-slope' | 'half-diff';
  /** log-slope only: first bucket is byte offsets [2^startLog2, 2^(startLog2+1)). */
  startLog2: number;
}

export default defineMetric<PositionCurveHp>({
  id: 'position-curve',
  description: 'Slope of bits per byte against log2 byte position (or late-minus-early bpb); lower is better',
  needs: ['long', 'bytes'],
  grid: { form: ['log-slope', 'half-diff'], startLog2: [6, 8, 10] },
  defaults: { form: 'log-slope', startLog2: 8 },
  direction: 'lower-is-better',
  compute(stats, hp) {
    return hp.form === 'log-slope' ? logSlope(stats.docs, hp.startLog2) : halfDiff(stats.docs);
  },
});

type Docs = ModelCorpusStats["docs"];

function logSlope(docs: Docs, startLog2: number): number {
  const buckets: Pool[] = [];
  for (const d of docs) {
    for (let i = d.scoredFrom; i < d.n; i++) {
      const k = Math.floor(Math.log2(d.byteStart[i] + 1));
      if (k < startLog2) continue;
      (buckets[k - startLog2] ??= emptyPool());
      addToken(buckets[k - startLog2], d, i, d.logprobLong[i]);
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  buckets.forEach((p, j) => {
    if (p && p.bytes > 0) {
      xs.push(j + startLog2);
      ys.push(bitsPerByte(p));
    }
  });
  if (xs.length < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0; j < xs.length; j++) {
    sxy += (xs[j] - mx) * (ys[j] - my);
    sxx += (xs[j] - mx) ** 2;
  }
  return sxy / sxx;
}

function halfDiff(docs: Docs): number {
  const early = emptyPool();
  const late = emptyPool();
  for (const d of docs) {
    if (d.n <= d.scoredFrom) continue;
    const lo = d.byteStart[d.scoredFrom];
    const mid = lo + (d.byteEnd[d.n - 1] - lo) / 2;
    for (let i = d.scoredFrom; i < d.n; i++) addToken(d.byteStart[i] < mid ? early : late, d, i, d.logprobLong[i]);
  }
  return bitsPerByte(late) - bitsPerByte(early);
}
