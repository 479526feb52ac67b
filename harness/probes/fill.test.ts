// Probes through the engine and the cache: loadSettingStats with probes fills each probe's derived corpus with the
// setting's engine and spec (tiny ONNX fixture, small GovReport corpus: one document is long enough for the
// probes, three are not), joins the statistics with the regions, records the derived corpus in the cache
// manifest, and a second load reads the same statistics from the cache without a model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Setting } from '../contract/types.ts';
import { loadCorpus } from '../contract/corpus.ts';
import { runEnv } from '../scoring/run-env.ts';
import { loadSettingStats } from '../scoring/stats-source.ts';
import { regionTokens } from '../scoring/probe-math.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { fleetModels, keptBytesOfModels } from '../fleet/cli.ts';
import { deriveCorpus } from './derive.ts';
import { deriveForModels } from './load.ts';
import { getProbe } from './registry.ts';
import { tinyFixtureSetting } from '../scoring/testing/tiny-setting.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-probe-fill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const setting: Setting = tinyFixtureSetting('tiny-probes', 'the tiny fixture on the small GovReport corpus, with probes');
const PROBES = ['repeat-at-distance', 'retrieval-gain'];

describe('probes through the engine and the cache', () => {
  const env = runEnv({ LONGPROXY_CACHE_DIR: tmp });
  let first: Awaited<ReturnType<typeof loadSettingStats>>;

  it('fills each probe\'s derived corpus and joins the statistics with the regions, every region covered', async () => {
    first = await loadSettingStats(setting, REPO_ROOT, env, PROBES);
    expect(first.ok, first.ok ? '' : first.reason).toBe(true);
    if (!first.ok) return;
    const [s] = first.stats;
    expect(Object.keys(s.probes ?? {})).toEqual(PROBES);
    const corpus = loadCorpus(path.join(REPO_ROOT, setting.corpusPath));
    for (const id of PROBES) {
      const p = s.probes![id];
      const derived = deriveCorpus(getProbe(id), corpus);
      expect(p.docs.map((d) => d.stats.docId)).toEqual(derived.docs.map((d) => d.id));
      expect(new Set(p.docs.map((d) => d.sourceId))).toEqual(new Set(['govreport-87'])); // the others are too short
      expect(p.cost.tokensProcessed).toBeGreaterThan(0);
      for (const d of p.docs) for (const r of d.regions) expect(regionTokens(d.stats, r.byteStart, r.byteEnd), `${d.stats.docId} ${r.role} ${r.item}`).not.toBeNull();
    }
    expect(s.probes!['retrieval-gain'].docs.map((d) => d.variant)).toEqual(['context', 'excerpt-only', 'excerpt-only', 'excerpt-only', 'excerpt-only']);
    const manifest = JSON.parse(readFileSync(path.join(tmp, 'manifest.json'), 'utf8'));
    const sets = Object.values(manifest.models['fixture/tiny-qwen2'].complete) as { corpus: string }[];
    expect(sets.map((x) => x.corpus.replace(/^.*fixtures/, 'fixtures')).sort()).toEqual([
      'fixtures/corpus/govreport_small.json',
      'fixtures/corpus/govreport_small.json#probe=repeat-at-distance@1',
      'fixtures/corpus/govreport_small.json#probe=retrieval-gain@1',
    ]);
  }, 60_000);

  it('a second load reads the same statistics from the cache', async () => {
    if (!first?.ok) return;
    const again = await loadSettingStats({ ...setting, modelDirs: { 'fixture/tiny-qwen2': 'no/such/folder' } }, REPO_ROOT, env, PROBES);
    expect(again.ok, again.ok ? '' : again.reason).toBe(true);
    if (!again.ok) return;
    for (const id of PROBES) {
      expect(again.stats[0].probes![id].docs.map((d) => Array.from(d.stats.logprobLong))).toEqual(first.stats[0].probes![id].docs.map((d) => Array.from(d.stats.logprobLong)));
    }
  });
});

describe('probes on documents cut by maxTokens', () => {
  // govreport-87 (2785 tokens of tiny-qwen2) is cut at 2304: its derived documents are this model's own, within
  // the kept bytes, and the fill's source of kept bytes (the tokenizer, harness/fleet/cli.ts) names the same corpora.
  const cut: Setting = { ...setting, id: 'tiny-probes-cut', statsSpec: { ...setting.statsSpec, maxTokens: 2304 } };
  const dir = path.join(tmp, 'cut');
  const env = runEnv({ LONGPROXY_CACHE_DIR: dir });

  it('every region lies within the tokens kept, and the tokenizer derives the same corpora', async () => {
    const got = await loadSettingStats(cut, REPO_ROOT, env, PROBES);
    expect(got.ok, got.ok ? '' : got.reason).toBe(true);
    if (!got.ok) return;
    const [s] = got.stats;
    const corpus = loadCorpus(path.join(REPO_ROOT, cut.corpusPath));
    const cutDoc = s.docs.find((d) => d.docId === 'govreport-87')!;
    expect(cutDoc.n).toBe(2304);
    const kept = cutDoc.byteEnd[cutDoc.n - 1];
    expect(kept).toBeLessThan(Buffer.byteLength(corpus.documents.find((d) => d.id === 'govreport-87')!.text));
    const fromTokenizer = keptBytesOfModels(cut, fleetModels(cut));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const shas = Object.keys(manifest.models['fixture/tiny-qwen2'].complete).map((k) => k.split('/')[0]);
    for (const id of PROBES) {
      const p = s.probes![id];
      expect(p.docs.length).toBeGreaterThan(0);
      // Today's derivation (whole text) puts regions past the last token; the model's own keeps them all.
      expect(deriveCorpus(getProbe(id), corpus).docs[0].regions.some((r) => r.byteEnd > kept)).toBe(true);
      for (const d of p.docs) for (const r of d.regions) expect(regionTokens(d.stats, r.byteStart, r.byteEnd), `${d.stats.docId} ${r.role} ${r.item}`).not.toBeNull();
      const viaTokenizer = deriveForModels(getProbe(id), corpus, [{ model: 'fixture/tiny-qwen2', kept: fromTokenizer.get('fixture/tiny-qwen2') }]);
      expect(shas).toContain(viaTokenizer.byModel.get('fixture/tiny-qwen2')!.corpus.sha256);
    }
  }, 60_000);
});
