// Parity of the torch engine with the ONNX engine on real checkpoints (fixture and zoo models that ship both ONNX
// files and safetensors weights). The ONNX engine's statistics come from the parity pack written on a CPU machine
// by `npx tsx bench/gpu_parity_pack.ts` (results/gpu/parity-pack.json); this suite loads the same folders through
// the torch engine (the real worker over the pipe) in float32 on the CPU and, where torch sees one, on the GPU, and
// requires every log-probability and entropy within 1e-3 and identical token ids and byte spans.
// It needs transformers for LONGPROXY_PYTHON: on the GPU machine it runs via bench/gpu_run.sh.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { torchEngine } from './torch.ts';
import { workerPython } from './torch-worker.ts';
import type { PlannedForward } from './types.ts';

const root = path.resolve(import.meta.dirname, '../..');
const packFile = path.join(root, 'results/gpu/parity-pack.json');
const py = workerPython();
const probe = spawnSync(py, ['-c', 'import transformers, tokenizers, torch; print(int(torch.cuda.is_available()))'], {
  encoding: 'utf8',
});
const reason =
  probe.status !== 0
    ? `python3 at ${py} cannot import transformers/tokenizers/torch (PyPI is unreachable here); set LONGPROXY_PYTHON ` +
      'to an interpreter that has them (the GPU machine has: bench/gpu_run.sh runs this suite there)'
    : !existsSync(packFile)
      ? `${path.relative(root, packFile)} not found: write it with \`npx tsx bench/gpu_parity_pack.ts\` (needs the ONNX engine)`
      : '';
const hasCuda = probe.stdout?.trim() === '1';

interface PackDoc {
  docId: string;
  text: string;
  ids: number[];
  byteStart: number[];
  byteEnd: number[];
  plan: PlannedForward[];
  addBos: boolean;
  onnx: { logprob: Record<string, (number | null)[]>; entropy: (number | null)[]; top1: number[] };
}
interface PackModel {
  id: string;
  dir: string;
  docs: PackDoc[];
}

const pack: { models: PackModel[] } = reason ? { models: [] } : JSON.parse(readFileSync(packFile, 'utf8'));
const devices = hasCuda ? ['cpu', 'cuda:0'] : ['cpu'];

describe.skipIf(reason)(`torch engine vs ONNX engine (float32, within 1e-3)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('the pack holds at least one model', () => {
    expect(pack.models.length).toBeGreaterThan(0);
  });
  for (const entry of pack.models) {
    for (const device of devices) {
      it(`${entry.id} on ${device}`, async () => {
        const m = await torchEngine.load({ id: entry.id, dir: path.join(root, entry.dir) }, { device, dtype: 'float32' });
        try {
          for (const doc of entry.docs) {
            const n = doc.ids.length;
            const tok = m.tokenize(doc.text); // the engine's own tokenization (the shared span tokenizer)
            expect(Array.from(tok.ids.subarray(0, n))).toEqual(doc.ids);
            expect(Array.from(tok.byteStart.subarray(0, n))).toEqual(doc.byteStart);
            expect(Array.from(tok.byteEnd.subarray(0, n))).toEqual(doc.byteEnd);
            // the worker's Rust fast tokenizer (what a Python user would run) gives the same ids
            const fast = await m.tokenizeAsync(doc.text);
            expect(Array.from(fast.ids.subarray(0, n))).toEqual(doc.ids);
            const out = await m.runPlan(Int32Array.from(doc.ids), doc.plan, doc.addBos);
            let worst = 0;
            const check = (got: Float32Array, want: (number | null)[]) => {
              for (let i = 0; i < n; i++) {
                const w = want[i];
                expect(Number.isNaN(got[i])).toBe(w === null);
                if (w !== null) worst = Math.max(worst, Math.abs(got[i] - w));
              }
            };
            for (const [k, v] of Object.entries(doc.onnx.logprob)) check(out.logprob[k], v);
            check(out.entropy, doc.onnx.entropy);
            expect(worst, `${entry.id} ${doc.docId} on ${device}: largest difference`).toBeLessThanOrEqual(1e-3);
          }
        } finally {
          await m.dispose();
        }
      });
    }
  }
});
