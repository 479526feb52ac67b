// Compares a scoring run's submissions and verifier outputs with another's (by default the committed CPU run in
// results/): per metric the largest relative score difference, whether the ranking of the models is identical,
// whether the same hyperparameters were chosen, and the difference of every verifier statistic (Spearman,
// Pearson, skipped Spearman, their p-values and bootstrap intervals). Prints a markdown table; exits 1 when a
// ranking differs or a score or statistic differs by more than its tolerance, 2 on bad input.
//
// npx tsx bench/compare_scoring_runs.ts --run DIR [--base results] [--setting zoo] [--score-tol 0.01]
//     [--stat-tol 0.001] [--labels cpu-onnx,gpu-torch] [--out FILE.md]
// DIR is a LONGPROXY_RESULTS_DIR of a scoring run (submissions/, verify/, claims/ under it).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags } from '../harness/cli/flags.ts';
import { compareRuns, DEFAULT_TOLERANCES, readRun, renderComparison } from '../harness/scoring/compare-runs.ts';

const HELP = `usage: npx tsx bench/compare_scoring_runs.ts --run DIR [--base results] [--setting zoo] [--score-tol ${DEFAULT_TOLERANCES.score}]
    [--stat-tol ${DEFAULT_TOLERANCES.statistic}] [--labels A,B] [--out FILE.md]`;

function tolerance(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!(x >= 0)) throw new Error(`${flag} ${v}: expected a number >= 0`);
  return x;
}

function main(): number {
  const v = parseFlags(
    process.argv.slice(2),
    { run: { type: 'string' }, base: { type: 'string' }, setting: { type: 'string' }, 'score-tol': { type: 'string' }, 'stat-tol': { type: 'string' }, labels: { type: 'string' }, out: { type: 'string' } },
    HELP,
  );
  if (v === null) return 0;
  if (!v.run) throw new Error(`--run DIR is required\n${HELP}`);
  const setting = v.setting ?? 'zoo';
  const base = path.resolve(v.base ?? 'results');
  const tol = { score: tolerance('--score-tol', v['score-tol'], DEFAULT_TOLERANCES.score), statistic: tolerance('--stat-tol', v['stat-tol'], DEFAULT_TOLERANCES.statistic) };
  const labels = (v.labels ?? `${path.relative(process.cwd(), base) || base},${v.run}`).split(',') as [string, string];
  const a = readRun(base, setting);
  const b = readRun(path.resolve(v.run), setting);
  const r = compareRuns(a, b, tol);
  const first = (run: typeof a) => Object.values(run).find((m) => m.compute)?.compute;
  const text = renderComparison(r, labels, tol, [first(a), first(b)]);
  console.log(text);
  if (v.out) writeFileSync(v.out, `${text}\n`);
  return r.ok ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`compare_scoring_runs: ${(err as Error).message}`);
  process.exitCode = 2;
}
