// Compares the token statistics of two caches for every model of a setting, document by document (e.g. a GPU
// run's torch cache against the committed ONNX cache): token ids and byte spans must be identical; per model the
// largest absolute differences of log-probabilities (long and short windows) and entropies, and the top-1
// agreement. `longproxy compare caches` prints renderCacheComparison's table.
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import type { Setting } from '../contract/types.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { readCachedCorpusStats } from '../tokenstats/cache.ts';
import { diffDocStats } from '../tokenstats/diff.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { statsSpecFor } from './setting-specs.ts';

export interface CacheComparisonRow {
  model: string;
  engineDevice: string;
  docs: number;
  tokens: number;
  compared: number;
  maxLogprob: number;
  maxEntropy: number;
  top1Agreement: number;
}

export interface CacheComparison {
  rows: CacheComparisonRow[];
  /** Missing models, structural differences and differences above the tolerance; empty when the caches agree. */
  problems: string[];
  /** Largest difference over all models. */
  worst: number;
}

export interface CompareCachesOptions {
  setting: Setting;
  /** The cache compared against (e.g. results/cache). */
  baseDir: string;
  cacheDir: string;
  tol: number;
  engine?: string;
  baseEngine?: string;
}

export function compareCaches(o: CompareCachesOptions): CacheComparison {
  const corpus = loadCorpus(path.join(REPO_ROOT, o.setting.corpusPath));
  const rows: CacheComparisonRow[] = [];
  const problems: string[] = [];
  let worst = 0;
  for (const model of o.setting.models) {
    const dir = resolveModelDir(model, { explicitDir: o.setting.modelDirs?.[model], root: REPO_ROOT });
    const spec = statsSpecFor(o.setting, dir);
    const a = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: o.baseDir, engineId: o.baseEngine });
    const b = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir: o.cacheDir, engineId: o.engine });
    if (!a || !b) {
      problems.push(`${model}: no complete statistics in ${!a ? o.baseDir : o.cacheDir}`);
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
    if (lp > o.tol || ent > o.tol) problems.push(`${model}: largest difference ${Math.max(lp, ent).toExponential(2)} > ${o.tol}`);
    rows.push({ model, engineDevice: `${b.cost.engine}/${b.cost.device}`, docs: a.docs.length, tokens: n, compared, maxLogprob: lp, maxEntropy: ent, top1Agreement: agree / n });
  }
  return { rows, problems, worst };
}

export function renderCacheComparison(r: CacheComparison, labels: { cache: string; base: string; setting: string; tol: number }): string {
  return [
    `Token statistics of ${labels.cache} against ${labels.base} (setting ${labels.setting}, tolerance ${labels.tol}):`,
    '',
    '| model | engine/device | docs | tokens | values compared | max abs log-prob diff | max abs entropy diff | top-1 agreement |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map((x) => `| ${x.model} | ${x.engineDevice} | ${x.docs} | ${x.tokens} | ${x.compared} | ${x.maxLogprob.toExponential(2)} | ${x.maxEntropy.toExponential(2)} | ${x.top1Agreement.toFixed(4)} |`),
    '',
    `max over all models: ${r.worst.toExponential(2)}`,
    ...r.problems.map((p) => `- ${p}`),
    r.problems.length ? 'RESULT: the caches DIFFER (see above).' : 'RESULT: the caches agree within the tolerance.',
  ].join('\n');
}
