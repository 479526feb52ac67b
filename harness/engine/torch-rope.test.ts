// The torch worker applies a model's RoPE policy end to end (the built-in decoder here; transformers on the GPU
// machine, scripts/gpu/rope_check.py): a Llama folder with max_position_embeddings 64 and linear x8 runs a 512-token
// forward under the linear policy and reports 512 positions; under transformers-dynamic no window shares a prefix
// forward. The frequencies themselves are unit-tested in harness/engine/torch_worker/test_rope.py.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSpec } from '../tokenstats/compute.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { torchEngine } from './torch.ts';
import { workerPython } from './torch-worker.ts';
import type { PlannedForward } from './types.ts';

const noTorch = spawnSync(workerPython(), ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0 ? `python3 with torch and numpy not found at ${workerPython()}` : '';
const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-torch-rope-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A random-weight Llama folder (safetensors written here: no Python needed to build it). */
function writeTinyLlama(dir: string, ropeScaling: Record<string, unknown>): void {
  const [d, heads, kv, inter, layers, v] = [32, 4, 2, 64, 2, 300];
  mkdirSync(dir, { recursive: true });
  const config = { model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: d, intermediate_size: inter, num_hidden_layers: layers, num_attention_heads: heads, num_key_value_heads: kv, vocab_size: v, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10000.0, rope_scaling: ropeScaling, hidden_act: 'silu', tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2 };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(path.join(REPO_ROOT, 'fixtures/models/tiny-qwen2/tokenizer.json'), path.join(dir, 'tokenizer.json'));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 1.2;
  const shapes: Record<string, number[]> = { 'model.embed_tokens.weight': [v, d], 'model.norm.weight': [d], 'lm_head.weight': [v, d] };
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}.`;
    Object.assign(shapes, { [`${p}input_layernorm.weight`]: [d], [`${p}post_attention_layernorm.weight`]: [d], [`${p}self_attn.q_proj.weight`]: [d, d], [`${p}self_attn.k_proj.weight`]: [kv * 8, d], [`${p}self_attn.v_proj.weight`]: [kv * 8, d], [`${p}self_attn.o_proj.weight`]: [d, d], [`${p}mlp.gate_proj.weight`]: [inter, d], [`${p}mlp.up_proj.weight`]: [inter, d], [`${p}mlp.down_proj.weight`]: [d, inter] });
  }
  const header: Record<string, unknown> = {};
  const blobs: Buffer[] = [];
  let off = 0;
  for (const [name, shape] of Object.entries(shapes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const f = new Float32Array(n).map(() => (name.endsWith('norm.weight') ? 1 + 0.1 * rand() : rand()));
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + f.byteLength] };
    blobs.push(Buffer.from(f.buffer));
    off += f.byteLength;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - (h.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, Buffer.from(h), ...blobs]));
}

const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => 3 + ((i * 37) % 290));

describe.skipIf(noTorch)(`torch engine RoPE policies${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  beforeAll(() => {
    writeTinyLlama(path.join(tmp, 'linear'), { type: 'linear', factor: 8 });
    writeTinyLlama(path.join(tmp, 'dynamic'), { type: 'dynamic', factor: 4 });
  });
  const spec = (rope?: string) => ({ contextLength: 512, stride: 256, maxTokens: 512, shortWindows: [{ size: 64, step: 16 }], addBos: false, ...(rope ? { rope } : {}) });

  it('linear x8 on max_position_embeddings 64: 512 positions, a 512-token forward, the policy in checkSpec', async () => {
    const m = await torchEngine.load({ id: 'pi-tiny', dir: path.join(tmp, 'linear') }, { device: 'cpu', dtype: 'float32', rope: { kind: 'linear', factor: 8 } });
    try {
      expect(m.maxPositions).toBe(512);
      expect(m.rope).toBe('linear x8');
      expect(m.details.ropeDynamic).toBe(false);
      checkSpec(spec('linear x8'), m);
      expect(() => checkSpec(spec(), m)).toThrow(/loaded with RoPE policy linear x8, but the statistics spec asks for as-config/);
      const r = await m.forward(ids(512), 1);
      expect(r.logprob.length).toBe(511);
      expect(r.logprob.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
    } finally {
      await m.dispose();
    }
  }, 60_000);

  it('transformers-dynamic: every planned forward runs alone (no shared prefix), as reported by the worker', async () => {
    const rope = { kind: 'transformers-dynamic', factor: 4, trainingLength: 256, originalMax: 64 } as const;
    const m = await torchEngine.load({ id: 'ntk-tiny', dir: path.join(tmp, 'dynamic') }, { device: 'cpu', dtype: 'float32', rope });
    try {
      expect(m.maxPositions).toBe(256);
      expect(m.rope).toBe('transformers-dynamic f=4 L=256 M=64');
      expect(m.details.ropeDynamic).toBe(true);
      const plan: PlannedForward[] = [
        { start: 0, end: 200, scoreFrom: 1, field: 'long' },
        { start: 0, end: 80, scoreFrom: 64, field: '64/16' }, // a prefix of the long pass: shared under static RoPE
        { start: 16, end: 96, scoreFrom: 80, field: '64/16' },
      ];
      const out = await m.runPlan(ids(200), plan, false);
      expect(out.tokensProcessed).toBe(200 + 80 + 80);
      const alone = await m.runPlan(ids(200), [plan[1]], false);
      // batched with the other 80-token forward: equal up to float32 rounding
      out.logprob['64/16'].subarray(64, 80).forEach((x, i) => expect(Math.abs(x - alone.logprob['64/16'][64 + i])).toBeLessThan(1e-5));
      // and not the long pass's values: the 80-token forward has its own base
      const diff = Math.max(...Array.from(out.logprob['64/16'].subarray(66, 80), (x, i) => Math.abs(x - out.logprob.long[66 + i])));
      expect(diff).toBeGreaterThan(1e-4);
    } finally {
      await m.dispose();
    }
  }, 60_000);
});
