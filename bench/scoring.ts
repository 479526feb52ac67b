// Benchmark: the CPU arithmetic of the scoring suites (no verifier, no files): every metric over its whole grid
// for every model, then the held-out protocol (50 splits). Runs on synthetic statistics of a given size, so it
// needs no cache; prints milliseconds per metric and the ratio to bpb (one pass over the tokens) side by side.
//   npx tsx bench/scoring.ts [--models 12] [--docs 12] [--tokens 4096] [--runs 3]
import { parseArgs } from 'node:util';
import { METRICS } from '../metrics/registry.ts';
import { runHeldOut } from '../harness/scoring/heldout.ts';
import { gridCandidates } from '../harness/scoring/grid.ts';
import { buildDoc, wrapStats } from '../harness/scoring/testing/arbitraries.ts';
import { Rng } from '../harness/util/rng.ts';

const { values } = parseArgs({
  options: { models: { type: 'string', default: '12' }, docs: { type: 'string', default: '12' }, tokens: { type: 'string', default: '4096' }, runs: { type: 'string', default: '3' } },
});
const [nModels, nDocs, nTokens, runs] = [values.models, values.docs, values.tokens, values.runs].map(Number);
const rng = new Rng(1);
const windows = [{ size: 256, step: 64 }, { size: 1024, step: 256 }];
const models = Array.from({ length: nModels }, (_, i) => `bench/m${i}`);
const stats = models.map((m) => {
  const s = wrapStats(
    Array.from({ length: nDocs }, (_, d) =>
      buildDoc(`d${d}`, Array.from({ length: nTokens }, () => {
        const long = -6 * rng.next();
        return { bytes: 1 + rng.int(6), long, shorts: [long - 3 * rng.next(), long - 2 * rng.next()], entropy: 3 * rng.next(), top1: rng.int(2) };
      }), 1, windows),
    ),
    m,
  );
  s.spec = { ...s.spec, shortWindows: windows, contextLength: nTokens };
  return s;
});
const downstream = Object.fromEntries(models.map((m) => [m, rng.next()]));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const rows: Array<{ id: string; grid: number; gridMs: number; heldMs: number }> = [];
for (const metric of METRICS) {
  const g: number[] = [];
  const h: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const cands = gridCandidates(metric, stats);
    const t1 = performance.now();
    try {
      runHeldOut(models, downstream, cands);
    } catch {
      /* a metric undefined on random statistics still costs its grid */
    }
    g.push(t1 - t0);
    h.push(performance.now() - t1);
  }
  rows.push({ id: metric.id, grid: metric.gridPoints().length, gridMs: median(g), heldMs: median(h) });
}
const ref = rows.find((r) => r.id === 'bpb')!;
const tokens = nModels * nDocs * nTokens;
console.log(`${nModels} models x ${nDocs} docs x ${nTokens} tokens (${(tokens / 1e6).toFixed(2)}M token rows), median of ${runs} runs\n`);
console.log('| metric | grid points | grid scoring ms | ms / grid point | x bpb per point | M token rows/s | held-out ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const per = r.gridMs / r.grid;
  console.log(`| ${r.id} | ${r.grid} | ${r.gridMs.toFixed(0)} | ${per.toFixed(1)} | ${(per / (ref.gridMs / ref.grid)).toFixed(2)} | ${((tokens * r.grid) / (r.gridMs / 1000) / 1e6).toFixed(1)} | ${r.heldMs.toFixed(1)} |`);
}
