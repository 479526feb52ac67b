// The locked manifest and its config check: every locked id has an entry scored at 32768 tokens, a config as the
// repository ships it passes, each drift the issue names is refused with the field, both values and the override,
// and an override is accepted only where it overrides something.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ropeLabel } from '../engine/rope-policy.ts';
import { UserError } from '../errors.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { LOCKED_MODELS } from './locked-models.ts';
import { checkTokenizerFiles, modelSettings, parseOverride, parseOverrides, positionsReached, readField } from './model-manifest.ts';
import { checkModelConfig, LOCKED_NO4K_MANIFEST } from './settings/locked-no4k-manifest.ts';

const QWEN7 = 'Qwen/Qwen2.5-7B-Instruct';
const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.2';
const PI = 'Leooyii/PI_32k_Slimpajama_1B';
const NTK64 = 'Leooyii/NTK_64k_Slimpajama_2B';

/** Configs as DESIGN.md describes the repositories (hidden sizes left out: they are not checked). */
const qwen7 = { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], vocab_size: 152064, max_position_embeddings: 32768, rope_theta: 1000000.0, sliding_window: 131072, use_sliding_window: false, tie_word_embeddings: false };
const mistral = { model_type: 'mistral', architectures: ['MistralForCausalLM'], vocab_size: 32000, max_position_embeddings: 32768, rope_theta: 1000000.0, sliding_window: null, tie_word_embeddings: false };
const pi = { model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: 32001, max_position_embeddings: 4096, rope_theta: 10000.0, rope_scaling: { type: 'linear', factor: 8.0 }, tie_word_embeddings: false };
const ntk64 = { ...pi, vocab_size: 32000, rope_scaling: { type: 'dynamic', factor: 8.0 } };

describe('the locked manifest', () => {
  it('has one entry per locked id, each scored at 32768 tokens without BOS, every fact sourced', () => {
    expect(Object.keys(LOCKED_NO4K_MANIFEST)).toEqual([...LOCKED_MODELS]);
    for (const [id, e] of Object.entries(LOCKED_NO4K_MANIFEST)) {
      expect(e.id).toBe(id);
      expect(e.contextLength.allowed).toEqual([32768]);
      expect(e.bos).toBe('none');
      for (const fact of [...Object.values(e.config), e.contextLength, e.rope, e.tokenizer]) {
        expect(['confirmed', 'inferred'], id).toContain(fact!.status);
        expect(fact!.source.length, id).toBeGreaterThan(10);
        expect(fact!.allowed.length, id).toBeGreaterThan(0);
      }
    }
  });

  it('gives the Leooyii models their authors\' mechanism and the FILM folder its tokenizer.model', () => {
    const policy = (id: string) => LOCKED_NO4K_MANIFEST[id].rope.allowed[0];
    expect(policy(PI)).toEqual({ kind: 'linear', factor: 8 });
    expect(policy('Leooyii/Longlora_32k_Slimpajama_1B')).toEqual({ kind: 'linear', factor: 8 });
    expect(policy('Leooyii/NTK_32k_Slimpajama_1B')).toEqual({ kind: 'ntk-frozen', factor: 4, trainingLength: 32768, originalMax: 4096 });
    expect(policy(NTK64)).toEqual({ kind: 'ntk-frozen', factor: 8, trainingLength: 65536, originalMax: 4096 });
    expect(policy('Leooyii/NTK_64k_Slimpajama_1B')).toEqual(policy(NTK64));
    expect(LOCKED_MODELS.filter((m) => policy(m).kind === 'as-config')).toHaveLength(12);
    expect(LOCKED_NO4K_MANIFEST['In2Training/FILM-7B'].tokenizer.allowed).toEqual(['tokenizer.model']);
    expect(LOCKED_NO4K_MANIFEST[PI].config.vocab_size!.allowed).toEqual([32000, 32001]);
    expect(LOCKED_NO4K_MANIFEST[PI].rope.status).toBe('inferred');
  });
});

describe('docs/locked-models.md', () => {
  it('shows each entry as the manifest has it (policy, vocabulary, positions)', () => {
    const rows = readFileSync(path.join(REPO_ROOT, 'docs/locked-models.md'), 'utf8').split('\n').filter((l) => l.startsWith('| '));
    for (const e of Object.values(LOCKED_NO4K_MANIFEST)) {
      const row = rows.find((r) => r.startsWith(`| ${e.id} |`));
      expect(row, e.id).toBeDefined();
      const cells = row!.split(' | ');
      expect(cells[3]).toBe(`${e.config.vocab_size!.allowed.join(' / ')} (${e.config.vocab_size!.status === 'confirmed' ? 'C' : 'I'})`);
      expect(cells[4]).toContain(String(e.config.max_position_embeddings!.allowed[0]));
      expect(cells[11]).toContain(ropeLabel(e.rope.allowed[0]));
    }
  });
});

describe('checkModelConfig', () => {
  it('passes configs as the repositories ship them, Leooyii at max_position_embeddings 4096 included', () => {
    expect(checkModelConfig(QWEN7, qwen7)).toEqual([]);
    expect(checkModelConfig(MISTRAL, mistral)).toEqual([]);
    expect(checkModelConfig(MISTRAL, { ...mistral, sliding_window: undefined })).toEqual([]); // absent = off
    expect(checkModelConfig(PI, pi)).toEqual([]);
    expect(checkModelConfig(PI, { ...pi, vocab_size: 32000 })).toEqual([]);
    expect(checkModelConfig(NTK64, ntk64)).toEqual([]);
    // transformers 5 writes rope_parameters instead of rope_theta + rope_scaling
    const v5 = { ...pi, rope_theta: undefined, rope_scaling: undefined, rope_parameters: { rope_type: 'linear', factor: 8.0, rope_theta: 10000.0 } };
    expect(checkModelConfig(PI, v5)).toEqual([]);
  });

  it('refuses the drifts the repositories are known for, naming field, found, expected and the override', () => {
    const [sw] = checkModelConfig(MISTRAL, { ...mistral, sliding_window: 4096 });
    expect(sw).toMatchObject({ field: 'sliding_window', found: '4096', expected: 'null', status: 'confirmed', override: `--override ${MISTRAL}:sliding_window` });
    expect(sw.message).toContain(`${MISTRAL}: config.json sliding_window is 4096, the manifest expects null`);
    const [yarn] = checkModelConfig(QWEN7, { ...qwen7, rope_scaling: { type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 } });
    expect(yarn).toMatchObject({ field: 'rope_scaling', found: '{"type":"yarn","factor":4}', expected: 'null' });
    expect(checkModelConfig(QWEN7, { ...qwen7, use_sliding_window: true }).map((p) => p.field)).toEqual(['use_sliding_window']);
    expect(checkModelConfig(QWEN7, { ...qwen7, model_type: 'qwen2_moe' })[0]).toMatchObject({ field: 'model_type', found: '"qwen2_moe"', expected: '"qwen2"' });
    const [vocab] = checkModelConfig(PI, { ...pi, vocab_size: 32002 });
    expect(vocab).toMatchObject({ field: 'vocab_size', found: '32002', expected: '32000 or 32001', status: 'inferred' });
    expect(checkModelConfig(MISTRAL, { ...mistral, rope_theta: 10000 })[0]).toMatchObject({ field: 'rope_theta', found: '10000', expected: '1000000' });
    expect(checkModelConfig(MISTRAL, { ...mistral, rope_theta: undefined })[0]).toMatchObject({ field: 'rope_theta', found: '10000' }); // transformers' default
  });

  it('refuses a Leooyii config without its rope_scaling, then the policy it leaves nothing to, then the 32768 positions it does not reach', () => {
    const problems = checkModelConfig(PI, { ...pi, rope_scaling: null });
    expect(problems.map((p) => p.field)).toEqual(['rope_scaling']);
    // accepting it leaves the linear policy nothing to apply: run the config as written, then the context is short
    const accepted = checkModelConfig(PI, { ...pi, rope_scaling: null }, [`${PI}:rope_scaling`]);
    expect(accepted.map((p) => p.field)).toEqual(['rope']);
    expect(accepted[0].override).toBe(`--override ${PI}:rope=as-config`);
    const asConfig = checkModelConfig(PI, { ...pi, rope_scaling: null }, [`${PI}:rope_scaling`, `${PI}:rope=as-config`]);
    expect(asConfig.map((p) => p.field)).toEqual(['max_position_embeddings']);
    expect(asConfig[0]).toMatchObject({ override: `--override ${PI}:context=4096` });
    expect(checkModelConfig(PI, { ...pi, rope_scaling: null }, [`${PI}:rope_scaling`, `${PI}:rope=as-config`, `${PI}:context=4096`])).toEqual([]);
  });

  it('accepts an override only where it overrides something', () => {
    expect(checkModelConfig(MISTRAL, { ...mistral, sliding_window: 4096 }, [`${MISTRAL}:sliding_window`])).toEqual([]);
    const unused = checkModelConfig(MISTRAL, mistral, [`${MISTRAL}:sliding_window`]);
    expect(unused).toHaveLength(1);
    expect(unused[0].message).toMatch(/agrees with the manifest on sliding_window; remove the override/);
    // another model's override does not apply
    expect(checkModelConfig(MISTRAL, { ...mistral, sliding_window: 4096 }, [`${QWEN7}:rope=as-config`])).toHaveLength(1);
  });

  it('parses the override flags and names a bad one', () => {
    expect(parseOverride(`${MISTRAL}:sliding_window`, LOCKED_NO4K_MANIFEST)).toEqual({ model: MISTRAL, field: 'sliding_window' });
    expect(parseOverride(`${NTK64}:rope=transformers-dynamic`, LOCKED_NO4K_MANIFEST)).toEqual({ model: NTK64, field: 'rope', kind: 'transformers-dynamic' });
    expect(parseOverrides(`${PI}:context=16384, ${MISTRAL}:rope_theta`, LOCKED_NO4K_MANIFEST)).toHaveLength(2);
    expect(() => parseOverride('nobody/x:rope_theta', LOCKED_NO4K_MANIFEST)).toThrow(UserError);
    expect(() => parseOverride(`${PI}:hidden_size`, LOCKED_NO4K_MANIFEST)).toThrow(/FIELD one of model_type, architectures/);
    expect(() => parseOverride(`${PI}:rope=dynamic`, LOCKED_NO4K_MANIFEST)).toThrow(/rope=KIND with KIND one of as-config, linear, ntk-frozen, transformers-dynamic/);
    expect(() => parseOverride(`${PI}:context=big`, LOCKED_NO4K_MANIFEST)).toThrow(/context=N/);
    expect(() => parseOverride('no-colon', LOCKED_NO4K_MANIFEST)).toThrow(/not MODEL:FIELD/);
  });
});

describe('what a model is run with', () => {
  it('takes the manifest policy, changed and recorded by overrides', () => {
    const ntk = LOCKED_NO4K_MANIFEST[NTK64];
    expect(modelSettings(ntk, [])).toEqual({ rope: ntk.rope.allowed[0], contextLength: 32768, recorded: [] });
    const dyn = modelSettings(ntk, parseOverrides([`${NTK64}:rope=transformers-dynamic`, `${NTK64}:rope_theta`], LOCKED_NO4K_MANIFEST));
    expect(dyn.rope).toEqual({ kind: 'transformers-dynamic', factor: 8, trainingLength: 65536, originalMax: 4096 });
    expect(dyn.recorded).toEqual(['rope=transformers-dynamic f=8 L=65536 M=4096', 'rope_theta']);
    expect(() => modelSettings(ntk, parseOverrides([`${NTK64}:rope=linear`], LOCKED_NO4K_MANIFEST))).toThrow(/no linear factor/);
    expect(() => modelSettings(LOCKED_NO4K_MANIFEST[QWEN7], parseOverrides([`${QWEN7}:rope=ntk-frozen`], LOCKED_NO4K_MANIFEST))).toThrow(/no NTK parameters/);
  });

  it('computes the positions a policy reaches as the worker does', () => {
    expect(positionsReached(pi, { kind: 'linear', factor: 8 })).toBe(32768);
    expect(positionsReached(ntk64, { kind: 'ntk-frozen', factor: 8, trainingLength: 65536, originalMax: 4096 })).toBe(65536);
    expect(positionsReached(pi, { kind: 'as-config' })).toBe(4096);
    expect(readField({ architectures: [] }, 'architectures')).toBeNull();
  });

  it('checks the tokenizer files of a folder', () => {
    const film = LOCKED_NO4K_MANIFEST['In2Training/FILM-7B'];
    expect(checkTokenizerFiles(film, ['config.json', 'tokenizer.model', 'tokenizer_config.json'])).toEqual([]);
    expect(checkTokenizerFiles(LOCKED_NO4K_MANIFEST[QWEN7], ['config.json', 'tokenizer.model'])[0].message).toMatch(/has no tokenizer.json/);
    expect(checkTokenizerFiles(LOCKED_NO4K_MANIFEST[QWEN7], ['tokenizer.json'])).toEqual([]);
  });
});
