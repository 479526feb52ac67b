// The zoo cuts no document (documents of <= 4096 tokens, maxTokens 4096), so budgeting against the bytes a model
// keeps must leave its derived corpora byte-identical: each model's derived corpus, from the bytes its cached
// proxy statistics kept and from its tokenizer, has the sha256 the committed cache recorded for
// `<corpus path>#probe=<id>@<version>` (results/cache/manifest.json), so the committed cache stays valid.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../contract/corpus.ts';
import { zoo } from '../contract/settings/zoo.ts';
import { loadTokenizer } from '../engine/tokenizer.ts';
import { modelRunFor } from '../scoring/setting-specs.ts';
import { readCachedCorpusStats } from '../tokenstats/cache.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { keptBytesOfStats, keptBytesOfTokenizer } from './kept.ts';
import { deriveForModels } from './load.ts';
import { PROBES } from './registry.ts';

const cacheDir = path.join(REPO_ROOT, 'results', 'cache');
const manifest = JSON.parse(readFileSync(path.join(cacheDir, 'manifest.json'), 'utf8')) as {
  models: Record<string, { dir?: string; complete: Record<string, { corpus: string }> }>;
};
/** The corpus sha256s the manifest records under `name` for a model. */
const recorded = (model: string, name: string): string[] =>
  Object.entries(manifest.models[model]?.complete ?? {}).filter(([, v]) => v.corpus === name).map(([k]) => k.split('/')[0]);

describe('zoo: derived corpora unchanged by the kept-bytes budget', () => {
  const corpus = loadCorpus(path.join(REPO_ROOT, zoo.corpusPath));

  it('every zoo model, from its cached statistics, derives the recorded corpus of every probe', () => {
    expect(zoo.models.length).toBeGreaterThan(0);
    const models = zoo.models.map((model) => {
      const stats = readCachedCorpusStats({ modelId: model, corpus, spec: modelRunFor(zoo, model, []).spec, cacheDir });
      expect(stats, `${model}: no cached statistics of ${zoo.corpusPath} in results/cache`).not.toBeNull();
      return { model, kept: keptBytesOfStats(stats!) };
    });
    for (const probe of PROBES) {
      const { groups, byModel } = deriveForModels(probe, corpus, models);
      expect(groups).toHaveLength(1); // no model cuts a document: one derived corpus for all
      const name = `${zoo.corpusPath}#probe=${probe.id}@${probe.version}`;
      for (const { model } of models) {
        const want = recorded(model, name);
        expect(want, `${model}: ${name} recorded in results/cache/manifest.json`).toHaveLength(1);
        expect(byModel.get(model)!.corpus.sha256, `${model} ${probe.id}`).toBe(want[0]);
      }
    }
  }, 25_000);

  it('the fill\'s source of kept bytes (the tokenizer) gives the same corpora', () => {
    // One model per distinct tokenizer.json (the zoo shares one): tokenizing is the slow part.
    const byTokenizer = new Map<string, string>();
    for (const model of zoo.models) {
      const dir = path.join(REPO_ROOT, zoo.modelDirs![model]);
      const key = readFileSync(path.join(dir, 'tokenizer.json'), 'utf8');
      if (!byTokenizer.has(key)) byTokenizer.set(key, model);
    }
    for (const model of byTokenizer.values()) {
      const kept = keptBytesOfTokenizer(loadTokenizer(path.join(REPO_ROOT, zoo.modelDirs![model])), modelRunFor(zoo, model, []).spec.maxTokens);
      for (const probe of PROBES) {
        const { byModel } = deriveForModels(probe, corpus, [{ model, kept }]);
        expect(byModel.get(model)!.corpus.sha256).toBe(recorded(model, `${zoo.corpusPath}#probe=${probe.id}@${probe.version}`)[0]);
      }
    }
  }, 25_000);
});
