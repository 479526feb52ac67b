// The config check stage of loadSettingStats: with a model manifest, every config on disk is checked before any
// model loads, and all contradictions come back in one UserError with their override flags; overrides for a
// setting without a manifest are refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCKED_NO4K_MANIFEST } from '../contract/settings/locked-no4k-manifest.ts';
import type { Setting } from '../contract/types.ts';
import { UserError } from '../errors.ts';
import { runEnv } from './run-env.ts';
import { loadSettingStats } from './stats-source.ts';

const root = mkdtempSync(path.join(tmpdir(), 'longproxy-stats-source-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.2';
const QWEN = 'Qwen/Qwen2-0.5B-Instruct';
const configs: Record<string, Record<string, unknown>> = {
  [MISTRAL]: { model_type: 'mistral', architectures: ['MistralForCausalLM'], vocab_size: 32000, max_position_embeddings: 32768, rope_theta: 1e6, sliding_window: 4096 },
  [QWEN]: { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], vocab_size: 151936, max_position_embeddings: 32768, rope_theta: 1e6, rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 }, use_sliding_window: false, tie_word_embeddings: true },
};
for (const [id, cfg] of Object.entries(configs)) {
  mkdirSync(path.join(root, 'models', id), { recursive: true });
  writeFileSync(path.join(root, 'models', id, 'config.json'), JSON.stringify(cfg));
}
mkdirSync(path.join(root, 'data'));
writeFileSync(path.join(root, 'data/corpus.json'), JSON.stringify([{ id: 'd1', text: 'a document' }]));
writeFileSync(path.join(root, 'data/downstream.json'), JSON.stringify({ [MISTRAL]: 1, [QWEN]: 2 }));

const setting: Setting = {
  id: 'rehearsal-config-check',
  description: 'two locked ids with drifted configs',
  models: [MISTRAL, QWEN],
  modelDirs: Object.fromEntries(Object.keys(configs).map((id) => [id, path.join(root, 'models', id)])),
  corpusPath: 'data/corpus.json',
  downstreamPath: 'data/downstream.json',
  metricKey: 'score',
  engine: 'torch',
  statsSpec: { contextLength: 32768, stride: 16384, maxTokens: 32768, shortWindows: [{ size: 4096, step: 1024 }], addBos: false },
  manifest: LOCKED_NO4K_MANIFEST,
};
const env = (extra: Record<string, string> = {}) => runEnv({ LONGPROXY_CACHE_DIR: path.join(root, 'cache'), ...extra });

describe('loadSettingStats config check', () => {
  it('refuses every contradiction at once, before loading any model', async () => {
    const err = await loadSettingStats(setting, root, env()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('2 config contradiction(s) with the model manifest, found before any forward');
    expect(msg).toContain(`${MISTRAL}: config.json sliding_window is 4096, the manifest expects null`);
    expect(msg).toContain(`--override ${MISTRAL}:sliding_window`);
    expect(msg).toContain(`${QWEN}: config.json rope_scaling is {"type":"yarn","factor":4}`);
  });

  it('takes overrides from LONGPROXY_OVERRIDE, and refuses them where there is no manifest', async () => {
    const one = await loadSettingStats(setting, root, env({ LONGPROXY_OVERRIDE: `${MISTRAL}:sliding_window` })).catch((e: unknown) => e);
    expect((one as Error).message).toContain('1 config contradiction(s)');
    const none = { ...setting, manifest: undefined };
    await expect(loadSettingStats(none, root, env({ LONGPROXY_OVERRIDE: `${MISTRAL}:sliding_window` }))).rejects.toThrow(/has no model manifest to override/);
  });
});
