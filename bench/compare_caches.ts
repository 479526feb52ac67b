// Token-statistics parity of two caches of the same setting, e.g. the torch engine's on the GPU against the ONNX
// engine's on the CPU: per model, the largest absolute difference of every float statistic (long-context and
// short-window log-probabilities, entropy) over every scored token of every document, top-1 agreement, and
// whether token ids and byte spans are identical. Exit 1 when a float statistic differs by more than --tol
// (default 1e-3, the parity bar) or ids/spans differ; 2 on bad input.
//
//   npx tsx bench/compare_caches.ts --setting zoo --a results/cache --b /tmp/gpu/results/cache [--tol 1e-3]
import path from 'node:path';
import { loadCorpus } from '../harness/contract/corpus.ts';
import { getSetting } from '../harness/contract/settings/index.ts';
import { resolveModelDir } from '../harness/engine/resolve.ts';
import { REPO_ROOT } from '../harness/scoring/pipeline.ts';
import { statsSpecFor } from '../harness/scoring/setting-specs.ts';
import { readCachedCorpusStats } from '../harness/tokenstats/cache.ts';
import { compareDocStats, type StatsDiff } from '../harness/tokenstats/compare.ts';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) {
    console.error(`compare_caches: --${name} is required (usage: --setting ID --a CACHE_DIR --b CACHE_DIR [--tol X])`);
    process.exit(2);
  }
  return v;
}

const setting = getSetting(arg('setting', 'zoo'));
const dirA = path.resolve(arg('a'));
const dirB = path.resolve(arg('b'));
const tol = Number(arg('tol', '1e-3'));
const corpus = loadCorpus(path.join(REPO_ROOT, setting.corpusPath));
const rows: string[] = [];
let worst = 0;
let bad = false;
for (const model of setting.models) {
  const dir = resolveModelDir(model, { explicitDir: setting.modelDirs?.[model], root: REPO_ROOT });
  const spec = statsSpecFor(setting, dir);
  const a = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: dirA });
  const b = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: dirB });
  if (!a || !b) {
    console.error(`compare_caches: ${model}: no complete statistics in ${!a ? dirA : dirB}`);
    process.exit(2);
  }
  const d: StatsDiff = compareDocStats(a.docs, b.docs);
  worst = Math.max(worst, d.maxAbsLogprob, d.maxAbsEntropy);
  const ok = d.idsEqual && d.spansEqual && d.maxAbsLogprob <= tol && d.maxAbsEntropy <= tol;
  if (!ok) bad = true;
  rows.push(
    `| ${model} | ${a.cost.engine} ${a.cost.device} / ${b.cost.engine} ${b.cost.device} | ${d.tokens} | ${d.maxAbsLogprob.toExponential(2)} | ` +
      `${d.maxAbsEntropy.toExponential(2)} | ${(d.top1Agreement * 100).toFixed(3)}% | ${d.idsEqual && d.spansEqual ? 'yes' : 'NO'} | ${ok ? 'yes' : 'NO'} |`,
  );
}
console.log(`setting ${setting.id}: ${dirA} (a) vs ${dirB} (b), tolerance ${tol}\n`);
console.log('| model | engines (a / b) | scored tokens | max abs log-prob diff (long + short windows) | max abs entropy diff | top-1 agreement | ids and spans equal | within tolerance |');
console.log('|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
console.log(`\nlargest difference over all models: ${worst.toExponential(2)}; all within ${tol}: ${!bad}`);
process.exit(bad ? 1 : 0);
