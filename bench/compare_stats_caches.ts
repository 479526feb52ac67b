// Compares the token statistics of two caches for every model of a setting, document by document (e.g. the GPU
// run's torch cache against the committed ONNX cache): token ids and byte spans must be identical; prints per
// model the largest absolute differences of log-probabilities (long and short windows) and entropies, and the
// top-1 agreement; exits 1 when a difference exceeds --tol (default 1e-3) or a model is missing, 2 on bad input.
//
// npx tsx bench/compare_stats_caches.ts --cache DIR [--base results/cache] [--setting zoo] [--tol 1e-3]
//     [--engine torch] [--base-engine onnx] [--out FILE.md]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags } from '../harness/cli/flags.ts';
import { loadCorpus } from '../harness/contract/corpus.ts';
import { getSetting } from '../harness/contract/settings/index.ts';
import { resolveModelDir } from '../harness/engine/resolve.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';
import { statsSpecFor } from '../harness/scoring/setting-specs.ts';
import { DEFAULT_CACHE_DIR, readCachedCorpusStats } from '../harness/tokenstats/cache.ts';
import { diffDocStats } from '../harness/tokenstats/diff.ts';

const HELP = 'usage: npx tsx bench/compare_stats_caches.ts --cache DIR [--base results/cache] [--setting zoo] [--tol 1e-3] [--engine ID] [--base-engine ID] [--out FILE.md]';

function main(): number {
  const v = parseFlags(
    process.argv.slice(2),
    { cache: { type: 'string' }, base: { type: 'string' }, setting: { type: 'string' }, tol: { type: 'string' }, engine: { type: 'string' }, 'base-engine': { type: 'string' }, out: { type: 'string' } },
    HELP,
  );
  if (v === null) return 0;
  if (!v.cache) throw new Error(`--cache DIR is required\n${HELP}`);
  const tol = Number(v.tol ?? '1e-3');
  if (!(tol >= 0)) throw new Error(`--tol ${v.tol}: expected a number >= 0`);
  const setting = getSetting(v.setting ?? 'zoo');
  const corpus = loadCorpus(path.join(REPO_ROOT, setting.corpusPath));
  const rows: string[] = [];
  const problems: string[] = [];
  let worst = 0;
  for (const model of setting.models) {
    const dir = resolveModelDir(model, { explicitDir: setting.modelDirs?.[model], root: REPO_ROOT });
    const spec = statsSpecFor(setting, dir);
    const a = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: path.resolve(v.base ?? DEFAULT_CACHE_DIR), engineId: v['base-engine'] });
    const b = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: path.resolve(v.cache), engineId: v.engine });
    if (!a || !b) {
      problems.push(`${model}: no complete statistics in ${!a ? (v.base ?? DEFAULT_CACHE_DIR) : v.cache}`);
      continue;
    }
    let lp = 0, ent = 0, agree = 0, n = 0, compared = 0;
    for (let i = 0; i < a.docs.length; i++) {
      const d = diffDocStats(b.docs[i], a.docs[i]);
      problems.push(...d.problems.map((p) => `${model} ${a.docs[i].docId}: ${p}`));
      lp = Math.max(lp, d.maxLogprob);
      ent = Math.max(ent, d.maxEntropy);
      agree += d.top1Agreement * a.docs[i].n;
      n += a.docs[i].n;
      compared += d.compared;
    }
    worst = Math.max(worst, lp, ent);
    if (lp > tol || ent > tol) problems.push(`${model}: largest difference ${Math.max(lp, ent).toExponential(2)} > ${tol}`);
    rows.push(`| ${model} | ${b.cost.engine}/${b.cost.device} | ${a.docs.length} | ${n} | ${compared} | ${lp.toExponential(2)} | ${ent.toExponential(2)} | ${(agree / n).toFixed(4)} |`);
  }
  const text = [
    `Token statistics of ${v.cache} against ${v.base ?? DEFAULT_CACHE_DIR} (setting ${setting.id}, tolerance ${tol}):`,
    '',
    '| model | engine/device | docs | tokens | values compared | max abs log-prob diff | max abs entropy diff | top-1 agreement |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `max over all models: ${worst.toExponential(2)}`,
    ...problems.map((p) => `- ${p}`),
    problems.length ? 'RESULT: the caches DIFFER (see above).' : 'RESULT: the caches agree within the tolerance.',
  ].join('\n');
  console.log(text);
  if (v.out) writeFileSync(v.out, `${text}\n`);
  return problems.length ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`compare_stats_caches: ${(err as Error).message}`);
  process.exitCode = 2;
}
