// The replicas of the 17 locked repositories (scripts/replicas/build_replicas.py, docs/replicas.md): what the
// builder writes is what each repository ships (layout, architecture, config fields, tokenizer files), the build is
// deterministic, both lookups (Hugging Face cache, LONGPROXY_MODEL_DIR) find every model, and the tokenizer.json
// converted from a SentencePiece stand-in gives the ids python3-sentencepiece gives.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, readlinkSync, rmSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { fingerprintModelDir } from '../engine/fingerprint.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { loadTokenizer } from '../engine/tokenizer.ts';
import { workerPython } from '../engine/torch-worker.ts';
import { buildReplicas, lookupEnv, type ReplicaManifest } from './run.ts';
import { rehearsalDocuments } from './inputs.ts';

const py = workerPython();
const probe = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const reason = probe.status !== 0 ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON; Debian: python3-torch)` : '';

/** Shape and dtype of every tensor of a safetensors file, from its header. */
function safetensorsHeader(file: string): Record<string, { dtype: string; shape: number[] }> {
  const fd = openSync(file, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE());
    const h = Buffer.alloc(n);
    readSync(fd, h, 0, n, 8);
    const out = JSON.parse(h.toString('utf8'));
    delete out.__metadata__;
    return out;
  } finally {
    closeSync(fd);
  }
}

const config = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, any>;

describe.skipIf(reason)(`replicas of the 17 locked repositories${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const base = mkdtempSync(path.join(tmpdir(), 'longproxy-replicas-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let m: ReplicaManifest;
  let buildSeconds = 0;
  beforeAll(() => {
    const t0 = performance.now();
    m = buildReplicas(path.join(base, 'a'));
    buildSeconds = (performance.now() - t0) / 1000;
    console.log(`[replicas] built 17 replicas in ${buildSeconds.toFixed(1)} s`);
  }, 120_000);

  it('builds one replica per locked id, each with its architecture class and config fields', () => {
    expect(m.replicas.map((r) => r.id)).toEqual([...LOCKED_MODELS]);
    for (const r of m.replicas) {
      const dir = path.join(m.root, r.model_dir);
      const cfg = config(dir);
      expect(cfg.architectures, r.id).toEqual([r.architecture]);
      expect(cfg.hidden_size, r.id).toBe(16);
      const family = r.id.split('/')[0];
      if (family === 'Qwen') {
        expect([cfg.model_type, cfg.max_position_embeddings, cfg.rope_theta, cfg.use_sliding_window, cfg.rope_scaling]).toEqual(['qwen2', 32768, 1e6, false, undefined]);
        expect(cfg.vocab_size).toBe(cfg.tie_word_embeddings ? 151936 : 152064);
      } else if (family === 'Leooyii') {
        expect([cfg.model_type, cfg.max_position_embeddings, cfg.rope_theta, cfg.vocab_size]).toEqual(['llama', 4096, 10000, 32001]);
        const want = r.id.startsWith('Leooyii/NTK_32k') ? { type: 'dynamic', factor: 4 } : r.id.startsWith('Leooyii/NTK_64k') ? { type: 'dynamic', factor: 8 } : { type: 'linear', factor: 8 };
        expect(cfg.rope_scaling, r.id).toEqual(want);
      } else if (r.id === '01-ai/Yi-6B-200K') {
        expect([cfg.model_type, cfg.max_position_embeddings, cfg.rope_theta, cfg.vocab_size]).toEqual(['llama', 200000, 5e6, 64000]);
      } else {
        expect([cfg.model_type, cfg.max_position_embeddings, cfg.rope_theta, cfg.sliding_window, cfg.vocab_size]).toEqual(['mistral', 32768, 1e6, null, 32000]);
        expect(cfg.torch_dtype).toBe(r.id === 'In2Training/FILM-7B' ? 'float32' : 'bfloat16');
      }
      // The embedding has vocab_size rows, stored in the repository's dtype.
      const shards = Object.keys(r.files).filter((f) => f.endsWith('.safetensors'));
      const tensors = Object.assign({}, ...shards.map((f) => safetensorsHeader(path.join(dir, f))));
      expect(tensors['model.embed_tokens.weight'].shape, r.id).toEqual([cfg.vocab_size, 16]);
      expect(tensors['model.embed_tokens.weight'].dtype).toBe(cfg.torch_dtype === 'float32' ? 'F32' : 'BF16');
      expect('lm_head.weight' in tensors, r.id).toBe(!cfg.tie_word_embeddings);
      if (shards.length > 1) {
        const index = JSON.parse(readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
        expect(Object.keys(index.weight_map).sort()).toEqual(Object.keys(tensors).sort());
      }
    }
  });

  it('ships the tokenizer files of each repository: FILM tokenizer.model only, Leooyii with [PAD], Qwen2 / Qwen2.5 added tokens', () => {
    for (const r of m.replicas) {
      const dir = path.join(m.root, r.model_dir);
      const has = (f: string) => existsSync(path.join(dir, f));
      if (r.id === 'In2Training/FILM-7B') {
        expect([has('tokenizer.model'), has('tokenizer_config.json'), has('special_tokens_map.json'), has('tokenizer.json')]).toEqual([true, true, true, false]);
        expect(r.tokenizer_source).toBe('tokenizer.model');
        continue;
      }
      expect(has('tokenizer.json'), r.id).toBe(true);
      const tj = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
      const added = tj.added_tokens.map((t: { id: number; content: string }) => [t.id, t.content]);
      if (r.id.startsWith('Leooyii/')) expect(added).toEqual([[0, '<unk>'], [1, '<s>'], [2, '</s>'], [32000, '[PAD]']]);
      if (r.id.startsWith('Qwen/Qwen2-')) expect(added.map((a: unknown[]) => a[0])).toEqual([151643, 151644, 151645]);
      if (r.id.startsWith('Qwen/Qwen2.5')) expect(added.at(-1)).toEqual([151664, '<|file_sep|>']);
      if (r.id.startsWith('Qwen/')) expect([Object.keys(tj.model.vocab).length, tj.model.merges.length]).toEqual([151643, 151387]);
      if (r.id === 'mistralai/Mistral-7B-Instruct-v0.2' || r.id === '01-ai/Yi-6B-200K') expect(has('tokenizer.model')).toBe(true);
    }
  });

  it('lays out a Hugging Face cache and a LONGPROXY_MODEL_DIR tree in which every id resolves to the same files', async () => {
    for (const r of m.replicas) {
      const hub = resolveModelDir(r.id, { env: lookupEnv(m, 'hub') });
      const dir = resolveModelDir(r.id, { env: lookupEnv(m, 'dir') });
      expect(hub).toBe(path.join(m.root, r.hub_snapshot));
      expect(path.basename(hub)).toBe(readFileSync(path.join(m.hubCache, `models--${r.id.replace('/', '--')}`, 'refs', 'main'), 'utf8'));
      expect(dir).toBe(path.join(m.modelDir, ...r.id.split('/')));
      const link = path.join(hub, 'config.json');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(`../../blobs/${r.files['config.json']}`);
      expect(await fingerprintModelDir(hub)).toBe(await fingerprintModelDir(dir));
    }
  });

  it('is deterministic: a second build is byte-identical', () => {
    const again = buildReplicas(path.join(base, 'b'), { models: ['Qwen/Qwen2-0.5B-Instruct', 'In2Training/FILM-7B', 'Leooyii/NTK_64k_Slimpajama_2B'] });
    for (const r of again.replicas) {
      const first = m.replicas.find((x) => x.id === r.id)!;
      expect(r.files, r.id).toEqual(first.files);
      expect(r.revision).toBe(first.revision);
    }
  }, 60_000);

  it('plants a bad config and a broken model when asked, and records them', () => {
    const p = buildReplicas(path.join(base, 'planted'), {
      models: ['mistralai/Mistral-7B-Instruct-v0.2', 'Qwen/Qwen2-0.5B-Instruct'],
      plantBadConfig: 'mistralai/Mistral-7B-Instruct-v0.2',
      plantBroken: 'Qwen/Qwen2-0.5B-Instruct',
    });
    const mistral = p.replicas.find((r) => r.id.startsWith('mistralai'))!;
    const qwen = p.replicas.find((r) => r.id.startsWith('Qwen'))!;
    expect(config(path.join(p.root, mistral.model_dir)).sliding_window).toBe(4096);
    expect(mistral.planted[0]).toMatch(/sliding_window 4096/);
    const clean = m.replicas.find((r) => r.id === qwen.id)!;
    const size = (root: string, rel: string) => statSync(path.join(root, rel, 'model.safetensors')).size;
    expect(size(p.root, qwen.model_dir)).toBe(Math.floor(size(m.root, clean.model_dir) / 2));
    expect(qwen.planted[0]).toMatch(/cut to half/);
  }, 60_000);

  const spm = spawnSync(py, ['-c', 'import sentencepiece'], { encoding: 'utf8' });
  const spmReason = spm.status !== 0 ? `python3-sentencepiece is not installed for ${py} (apt-get install python3-sentencepiece)` : '';
  it.skipIf(spmReason)(`the tokenizer.json converted from each SentencePiece stand-in gives python3-sentencepiece's ids${spmReason ? ` (skipped: ${spmReason})` : ''}`, () => {
    const texts = [
      ...rehearsalDocuments({ docs: 2, mode: 'cpu' }).map((d) => d.text),
      ' leading space', 'two  spaces  and trailing  ', 'new\n\nlines\r\nand\ttabs', 'digits 1234567 3.14159 -0.5e10',
      'accents café naïve Ångström', 'CJK 日本語の文章 and emoji 🙂👍🏽', 'controls \u0001\u0007 and NBSP\u00a0here', '   ',
    ];
    for (const id of ['mistralai/Mistral-7B-Instruct-v0.2', '01-ai/Yi-6B-200K']) {
      const dir = path.join(m.root, m.replicas.find((r) => r.id === id)!.model_dir);
      const ref = spawnSync(py, ['-c', 'import json, sys, sentencepiece as s\nsp = s.SentencePieceProcessor(model_file=sys.argv[1])\nprint(json.dumps([sp.encode(t) for t in json.load(sys.stdin)]))', path.join(dir, 'tokenizer.model')], {
        input: JSON.stringify(texts),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      expect(ref.status, ref.stderr).toBe(0);
      const want = JSON.parse(ref.stdout) as number[][];
      const tok = loadTokenizer(dir);
      texts.forEach((t, i) => expect(Array.from(tok.tokenize(t).ids), `${id}, text ${i} (${JSON.stringify(t.slice(0, 30))})`).toEqual(want[i]));
    }
  }, 60_000);
});
