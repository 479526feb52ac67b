// Each setting's spec comes from the setting alone: every locked model at 32768 tokens with both windows, whatever
// its max_position_embeddings (the case: 4096 with linear x8), its RoPE policy and overrides in the key;
// the zoo's spec hashes as its committed cache entries do; an unknown or incomplete setting has no default.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOverrides } from '../contract/model-manifest.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { defineSetting, getSetting } from '../contract/settings/index.ts';
import { UserError } from '../errors.ts';
import { specHash } from '../tokenstats/cache.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { configProblems, modelRunFor, statsSpecFor } from './setting-specs.ts';

const locked = getSetting('locked-no4k');
const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-setting-specs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LOCKED_SPEC = { contextLength: 32768, stride: 16384, maxTokens: 32768, shortWindows: [{ size: 1024, step: 256 }, { size: 4096, step: 1024 }], addBos: false };

describe('locked-no4k specs', () => {
  it('scores every locked model at 32768 tokens with the 1024/256 and 4096/1024 windows, no BOS', () => {
    for (const m of LOCKED_MODELS) {
      const { rope: _rope, ...spec } = statsSpecFor(locked, m);
      expect(spec, m).toEqual(LOCKED_SPEC);
    }
  });

  it('is not lowered by max_position_embeddings 4096 (Leooyii PI: linear x8), and keys the RoPE policy', () => {
    const dir = path.join(tmp, 'pi');
    mkdirSync(dir);
    const config = { model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: 32001, max_position_embeddings: 4096, rope_theta: 10000.0, rope_scaling: { type: 'linear', factor: 8.0 } };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const run = modelRunFor(locked, 'Leooyii/PI_32k_Slimpajama_1B');
    expect(run.spec).toEqual({ ...LOCKED_SPEC, rope: 'linear x8' });
    expect(run.rope).toEqual({ kind: 'linear', factor: 8 });
    expect(configProblems(locked, 'Leooyii/PI_32k_Slimpajama_1B', dir)).toEqual([]);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 32002 }));
    expect(configProblems(locked, 'Leooyii/PI_32k_Slimpajama_1B', dir).map((p) => p.field)).toEqual(['vocab_size']);
    writeFileSync(path.join(dir, 'config.json'), '{not json');
    expect(() => configProblems(locked, 'Leooyii/PI_32k_Slimpajama_1B', dir)).toThrow(/config.json: not a valid config.json/);
    expect(statsSpecFor(locked, 'Leooyii/NTK_32k_Slimpajama_1B').rope).toBe('ntk-frozen f=4 L=32768 M=4096');
    expect(statsSpecFor(locked, 'Leooyii/NTK_64k_Slimpajama_1B').rope).toBe('ntk-frozen f=8 L=65536 M=4096');
    expect(statsSpecFor(locked, 'Qwen/Qwen2-7B-Instruct').rope).toBeUndefined();
  });

  it('scores at another context only with a recorded override, which changes the cache key', () => {
    const m = 'Leooyii/NTK_32k_Slimpajama_1B';
    const plain = statsSpecFor(locked, m);
    const shorter = statsSpecFor(locked, m, parseOverrides([`${m}:context=16384`], locked.manifest!));
    expect(shorter).toMatchObject({ contextLength: 16384, stride: 8192, overrides: ['context=16384'] });
    expect(shorter.shortWindows).toEqual(LOCKED_SPEC.shortWindows);
    const dyn = statsSpecFor(locked, m, parseOverrides([`${m}:rope=transformers-dynamic`], locked.manifest!));
    expect(dyn.rope).toBe('transformers-dynamic f=4 L=32768 M=4096');
    expect(new Set([specHash(plain), specHash(shorter), specHash(dyn)]).size).toBe(3);
    expect(() => statsSpecFor(locked, 'someone/else')).toThrow(/has no manifest entry/);
  });
});

describe('zoo spec and settings without defaults', () => {
  it("hashes the zoo spec as the committed cache's complete sets", () => {
    const zoo = getSetting('zoo');
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'results/cache/manifest.json'), 'utf8')) as { models: Record<string, { complete: Record<string, unknown> }> };
    const keys = Object.entries(manifest.models).filter(([id]) => id.startsWith('zoo/')).flatMap(([, r]) => Object.keys(r.complete));
    expect(keys.length).toBeGreaterThan(0);
    for (const m of zoo.models) expect(keys.map((k) => k.split('/')[1])).toContain(specHash(statsSpecFor(zoo, m)));
    expect(() => statsSpecFor(zoo, zoo.models[0], parseOverrides([`Qwen/Qwen2-7B-Instruct:rope_theta`], locked.manifest!))).toThrow(/has no model manifest/);
  });

  it('has no silent default: an unknown setting and a setting without a spec are refused', () => {
    expect(() => getSetting('locked-4k')).toThrow(UserError);
    expect(() => getSetting('locked-4k')).toThrow(/unknown setting "locked-4k"; known settings: locked-no4k, zoo/);
    const bare = { id: 'bare', description: 'x', models: ['a'], corpusPath: 'c', downstreamPath: 'd', metricKey: 'score', engine: 'onnx' } as never;
    expect(() => defineSetting(bare)).toThrow(/setting "bare": statsSpec is missing/);
    expect(() => defineSetting({ ...(bare as object), id: 'bare2', engine: 'vllm', statsSpec: LOCKED_SPEC } as never)).toThrow(/engine vllm is not in harness\/engine\/index.ts/);
    expect(() => defineSetting({ ...(bare as object), id: 'bare3', statsSpec: LOCKED_SPEC, manifest: {} } as never)).toThrow(/model a has no manifest entry/);
  });
});
