// Two scoring runs of the same suites (e.g. the committed CPU run with the ONNX engine and a GPU run with the
// torch engine, `longproxy compare runs`): per metric, how far the submitted scores are apart, whether the
// models rank identically, whether the same hyperparameters were chosen, and the difference of every verifier
// statistic. Pure functions over the files' contents; reading the folders is readRun().
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSubmission } from '../contract/submission.ts';
import { averageRanks } from '../stats/ranks.ts';

/** A verifier output as JSON (null = undefined statistic). */
export interface VerifyJson {
  spearman: { rho: number | null; p_value: number | null; ci95: [number | null, number | null] };
  pearson: { r: number | null; p_value: number | null };
  skipped_spearman: { rho: number | null; p_value: number | null; outliers: string[]; ci95: [number | null, number | null] };
  bootstrap?: { valid?: { spearman?: number; skipped_spearman?: number } };
}

export interface MetricRun {
  scores: Record<string, number>;
  verify: VerifyJson;
  /** From the claim bundle, when there is one. */
  hyperparameters?: Record<string, unknown>;
  compute?: { engine: string; device: string; tokensProcessed: number; statsWallSeconds: number; scoringWallSeconds: number };
}

export interface Tolerances {
  /** Largest relative difference of a model's score (|a - b| / max(|a|, 1e-12)). */
  score: number;
  /** Largest absolute difference of a verifier statistic (rho, r, p-values, interval bounds). */
  statistic: number;
}

export const DEFAULT_TOLERANCES: Tolerances = { score: 1e-2, statistic: 1e-3 };

/** The statistics compared, as [label, getter]. */
export const STATISTICS: [string, (v: VerifyJson) => number | null][] = [
  ['spearman.rho', (v) => v.spearman.rho],
  ['spearman.p_value', (v) => v.spearman.p_value],
  ['spearman.ci95.lo', (v) => v.spearman.ci95[0]],
  ['spearman.ci95.hi', (v) => v.spearman.ci95[1]],
  ['pearson.r', (v) => v.pearson.r],
  ['pearson.p_value', (v) => v.pearson.p_value],
  ['skipped_spearman.rho', (v) => v.skipped_spearman.rho],
  ['skipped_spearman.p_value', (v) => v.skipped_spearman.p_value],
  ['skipped_spearman.ci95.lo', (v) => v.skipped_spearman.ci95[0]],
  ['skipped_spearman.ci95.hi', (v) => v.skipped_spearman.ci95[1]],
];

export interface StatisticDiff {
  name: string;
  a: number | null;
  b: number | null;
  /** |a - b|; 0 when both are null; Infinity when only one is. */
  diff: number;
}

export interface MetricComparison {
  metric: string;
  models: number;
  maxRelScoreDiff: number;
  /** The model whose score differs most (relatively). */
  worstModel: string;
  rankingIdentical: boolean;
  /** Models whose rank differs, "model: rank a -> rank b". */
  rankChanges: string[];
  hyperparametersIdentical: boolean | null;
  outliersIdentical: boolean;
  statistics: StatisticDiff[];
  maxStatisticDiff: number;
  /** Why the runs disagree beyond the tolerances; empty when they agree. */
  failures: string[];
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
const statDiff = (a: number | null, b: number | null) => (a === null && b === null ? 0 : a === null || b === null ? Infinity : Math.abs(a - b));
const sortedKey = (o: unknown): string =>
  JSON.stringify(o, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));

export function compareMetric(metric: string, a: MetricRun, b: MetricRun, tol: Tolerances = DEFAULT_TOLERANCES): MetricComparison {
  const failures: string[] = [];
  const models = Object.keys(a.scores);
  const onlyA = models.filter((m) => !(m in b.scores));
  const onlyB = Object.keys(b.scores).filter((m) => !(m in a.scores));
  if (onlyA.length || onlyB.length) failures.push(`model sets differ (only in the first: ${onlyA.join(', ') || '-'}; only in the second: ${onlyB.join(', ') || '-'})`);
  const common = models.filter((m) => m in b.scores);
  let maxRel = 0;
  let worst = '';
  for (const m of common) {
    const d = relDiff(a.scores[m], b.scores[m]);
    if (!worst || d > maxRel) [maxRel, worst] = [d, m];
  }
  if (maxRel > tol.score) failures.push(`score of ${worst} differs by ${maxRel.toExponential(2)} relative (> ${tol.score})`);
  const ra = averageRanks(common.map((m) => a.scores[m]));
  const rb = averageRanks(common.map((m) => b.scores[m]));
  const rankChanges = common.flatMap((m, i) => (ra[i] !== rb[i] ? [`${m}: rank ${ra[i]} -> ${rb[i]}`] : []));
  if (rankChanges.length) failures.push(`ranking differs: ${rankChanges.join('; ')}`);
  const statistics = STATISTICS.map(([name, get]) => ({ name, a: get(a.verify), b: get(b.verify), diff: statDiff(get(a.verify), get(b.verify)) }));
  const maxStat = Math.max(0, ...statistics.map((s) => s.diff));
  for (const s of statistics) if (s.diff > tol.statistic) failures.push(`${s.name} ${s.a} vs ${s.b} (|diff| ${s.diff} > ${tol.statistic})`);
  const outliersIdentical = sortedKey([...a.verify.skipped_spearman.outliers].sort()) === sortedKey([...b.verify.skipped_spearman.outliers].sort());
  if (!outliersIdentical) failures.push(`skipped-Spearman outliers differ: [${a.verify.skipped_spearman.outliers.join(', ')}] vs [${b.verify.skipped_spearman.outliers.join(', ')}]`);
  const hp = a.hyperparameters && b.hyperparameters ? sortedKey(a.hyperparameters) === sortedKey(b.hyperparameters) : null;
  if (hp === false) failures.push(`hyperparameters chosen differ: ${sortedKey(a.hyperparameters)} vs ${sortedKey(b.hyperparameters)}`);
  return {
    metric,
    models: common.length,
    maxRelScoreDiff: maxRel,
    worstModel: worst,
    rankingIdentical: rankChanges.length === 0,
    rankChanges,
    hyperparametersIdentical: hp,
    outliersIdentical,
    statistics,
    maxStatisticDiff: maxStat,
    failures,
  };
}

/** Every metric of one setting in a results folder (submissions/<setting>/*.json, verify/, claims/). */
export function readRun(resultsDir: string, setting: string): Record<string, MetricRun> {
  const subDir = path.join(resultsDir, 'submissions', setting);
  if (!existsSync(subDir)) throw new Error(`${subDir}: no submissions of setting ${setting} (is ${resultsDir} a results folder of a scoring run?)`);
  const out: Record<string, MetricRun> = {};
  for (const file of readdirSync(subDir).filter((f) => f.endsWith('.json')).sort()) {
    const metric = file.slice(0, -5);
    const verifyFile = path.join(resultsDir, 'verify', setting, file);
    if (!existsSync(verifyFile)) throw new Error(`${verifyFile}: missing (the submission ${path.join(subDir, file)} has no verifier output)`);
    const claimFile = path.join(resultsDir, 'claims', setting, file);
    const claim = existsSync(claimFile) ? JSON.parse(readFileSync(claimFile, 'utf8')) : undefined;
    out[metric] = {
      scores: loadSubmission(path.join(subDir, file)).scores,
      verify: JSON.parse(readFileSync(verifyFile, 'utf8')) as VerifyJson,
      hyperparameters: claim?.hyperparameters,
      compute: claim?.compute,
    };
  }
  return out;
}

export interface RunComparison {
  metrics: MetricComparison[];
  /** Metrics present in only one run. */
  unmatched: string[];
  ok: boolean;
}

export function compareRuns(a: Record<string, MetricRun>, b: Record<string, MetricRun>, tol: Tolerances = DEFAULT_TOLERANCES): RunComparison {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const unmatched = names.filter((m) => !(m in a) || !(m in b));
  const metrics = names.filter((m) => m in a && m in b).map((m) => compareMetric(m, a[m], b[m], tol));
  return { metrics, unmatched, ok: unmatched.length === 0 && metrics.length > 0 && metrics.every((m) => m.failures.length === 0) };
}

const num = (x: number | null) => (x === null ? 'null' : Number.isFinite(x) ? x.toPrecision(6) : String(x));
const exp = (x: number) => (x === Infinity ? 'inf' : x === 0 ? '0' : x.toExponential(2));

export function renderComparison(r: RunComparison, labels: [string, string], tol: Tolerances, cost?: [MetricRun['compute'], MetricRun['compute']]): string {
  const lines = [
    `Scoring runs compared: **${labels[0]}** vs **${labels[1]}**; tolerances: score ${tol.score} relative, statistics ${tol.statistic} absolute, rankings identical.`,
    '',
    '| metric | models | max rel. score diff (model) | ranking identical | hp identical | outliers identical | max abs statistic diff | verdict |',
    '|---|---:|---|---|---|---|---:|---|',
    ...r.metrics.map(
      (m) =>
        `| ${m.metric} | ${m.models} | ${exp(m.maxRelScoreDiff)} (${m.worstModel}) | ${m.rankingIdentical ? 'yes' : 'NO'} | ${m.hyperparametersIdentical === null ? '?' : m.hyperparametersIdentical ? 'yes' : 'NO'} | ${m.outliersIdentical ? 'yes' : 'NO'} | ${exp(m.maxStatisticDiff)} | ${m.failures.length ? 'DIFFERS' : 'same'} |`,
    ),
    '',
    `| metric | statistic | ${labels[0]} | ${labels[1]} | abs diff |`,
    '|---|---|---:|---:|---:|',
    ...r.metrics.flatMap((m) => m.statistics.map((s) => `| ${m.metric} | ${s.name} | ${num(s.a)} | ${num(s.b)} | ${exp(s.diff)} |`)),
  ];
  if (cost && cost[0] && cost[1]) {
    lines.push('', '| run | engine | device | tokens through the models | forward wall-clock s |', '|---|---|---|---:|---:|');
    cost.forEach((c, i) => c && lines.push(`| ${labels[i]} | ${c.engine} | ${c.device} | ${c.tokensProcessed} | ${c.statsWallSeconds.toFixed(1)} |`));
  }
  for (const m of r.metrics) for (const f of m.failures) lines.push(`- ${m.metric}: ${f}`);
  for (const u of r.unmatched) lines.push(`- ${u}: scored in only one of the runs`);
  lines.push('', r.ok ? 'RESULT: the runs agree within the tolerances.' : 'RESULT: the runs DIFFER (see above).');
  return lines.join('\n');
}
