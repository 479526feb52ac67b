// Checks of what scripts/models/build_fixture.py (the fixture) and scripts/zoo/build_zoo.py (the zoo) made: the
// fixture, the zoo (model list, folders, cards, parity recorded on the GPU machine, one shared tokenizer, size
// budget), the proxy corpus (every document exactly 4096 zoo tokens, cut at a token boundary, never training text)
// and the haystack. The builder's own tests: scripts/zoo/build_zoo.test.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../harness/engine/tokenizer.ts';
import { findZooCorpus, readZooModels } from '../../harness/contract/settings/zoo.ts';
import { sha256 } from '../../harness/util/hash.ts';
import { REPO_ROOT as ROOT } from '../../harness/util/paths.ts';

const FIXTURE = path.join(ROOT, 'fixtures/models/tiny-qwen2');
const MODELS_FILE = path.join(ROOT, 'fixtures/zoo/models.json');
const split = JSON.parse(readFileSync(path.join(ROOT, 'data/zoo_split.json'), 'utf8')) as Record<'train' | 'proxy' | 'haystack', string[]>;

const sha = (file: string): string => sha256(readFileSync(file));
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));
function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (s, e) => s + (e.isDirectory() ? treeBytes(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size),
    0,
  );
}

describe('the fixture model', () => {
  it('has the folder layout, a Qwen2 config with >= 2048 positions, parity recorded under 1e-3', () => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'model_card.json', 'golden_logprobs.json']) {
      expect(existsSync(path.join(FIXTURE, f)), f).toBe(true);
    }
    const config = readJson(path.join(FIXTURE, 'config.json'));
    expect(config.model_type).toBe('qwen2');
    expect(config.max_position_embeddings).toBeGreaterThanOrEqual(2048);
    const card = readJson(path.join(FIXTURE, 'model_card.json'));
    expect(Math.max(...(Object.values(card.onnx_vs_torch_max_abs_logprob) as number[]))).toBeLessThan(1e-3);
    expect(card.params).toBeGreaterThan(100_000);
  });
});

const zooModels = existsSync(MODELS_FILE) ? readZooModels(MODELS_FILE) : [];
describe.skipIf(zooModels.length === 0)(`the zoo${zooModels.length === 0 ? ' (skipped: fixtures/zoo/models.json not found, the zoo is not built)' : ''}`, () => {
  it('lists at least 16 models zoo/<name> in fixtures/zoo/<name>, each described', () => {
    expect(zooModels.length).toBeGreaterThanOrEqual(16);
    expect(new Set(zooModels.map((m) => m.id)).size).toBe(zooModels.length);
    for (const m of zooModels) {
      expect(m.id).toMatch(/^zoo\/[a-z0-9-]+$/);
      expect(m.dir).toBe(`fixtures/zoo/${m.id.slice(4)}`);
      expect(m.description ?? '').not.toBe('');
    }
  });

  it('every model folder is complete; every card records ONNX-vs-PyTorch parity <= 1e-3 at 256 and 4096 tokens and a quick evaluation', () => {
    for (const m of zooModels) {
      const dir = path.join(ROOT, m.dir);
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'model_card.json']) {
        expect(existsSync(path.join(dir, f)), `${m.dir}/${f}`).toBe(true);
      }
      const card = readJson(path.join(dir, 'model_card.json'));
      expect(Object.keys(card.onnx_vs_torch_max_abs_logprob).sort(), m.id).toEqual(['256', '4096']);
      for (const v of Object.values(card.onnx_vs_torch_max_abs_logprob) as number[]) expect(v, m.id).toBeLessThanOrEqual(1e-3);
      const exact = card.quick_eval_needle_exact_match?.exact ?? {};
      expect(Object.keys(exact).sort(), m.id).toEqual(['1024', '2048', '4096', '512']);
      for (const v of Object.values(exact) as number[]) expect(v, m.id).toBeGreaterThanOrEqual(0);
      expect(card.recipe?.trained_len, m.id).toBeGreaterThan(0);
      expect(readJson(path.join(dir, 'config.json')).model_type).toBe('qwen2');
    }
  });

  it('shares one tokenizer across the zoo', () => {
    const want = sha(path.join(ROOT, zooModels[0].dir, 'tokenizer.json'));
    for (const m of zooModels) expect(sha(path.join(ROOT, m.dir, 'tokenizer.json')), m.id).toBe(want);
  });

  it('keeps fixtures/ under 35 MB', () => {
    expect(treeBytes(path.join(ROOT, 'fixtures'))).toBeLessThan(35_000_000);
  });
});

const corpusFile = path.join(ROOT, findZooCorpus(ROOT));
describe.skipIf(!existsSync(corpusFile))(`the zoo proxy corpus and haystack${existsSync(corpusFile) ? '' : ` (skipped: ${path.relative(ROOT, corpusFile)} not written yet)`}`, () => {
  // The zoo's own tokenizer (the fixture model has a tokenizer of its own, from scripts/models/build_fixture.py).
  const tok = loadTokenizer(path.join(ROOT, zooModels[0]?.dir ?? 'fixtures/zoo/missing'));
  const corpus = readJson(corpusFile) as { id: string; text: string; n_tokens: number; source: string }[];
  const haystack = readJson(path.join(ROOT, 'data/zoo_haystack.json')) as { id: string; text: string; n_tokens: number }[];
  const train = new Set(split.train);

  it('holds held-out documents of exactly 4096 zoo tokens each, cut at a token boundary', () => {
    expect(path.basename(corpusFile)).toBe(`zoo_${corpus.length}docs_4k_tokens.json`);
    expect(corpus.length).toBeGreaterThanOrEqual(10);
    for (const d of corpus) {
      expect(train.has(d.id), d.id).toBe(false);
      expect(split.proxy).toContain(d.id);
      expect(d.n_tokens).toBe(4096);
      expect(tok.tokenize(d.text).ids.length, d.id).toBe(4096);
      expect(d.source).toMatch(/GovReport/);
    }
  });

  it('haystack documents are neither training text nor proxy documents', () => {
    const proxyIds = new Set(corpus.map((d) => d.id));
    expect(haystack.length).toBeGreaterThanOrEqual(10);
    for (const d of haystack) {
      expect(train.has(d.id) || proxyIds.has(d.id), d.id).toBe(false);
      expect(tok.tokenize(d.text).ids.length, d.id).toBe(d.n_tokens);
    }
  });
});
