// Writes the parity pack that bench/gpu_parity.py checks on the GPU machine: for each model folder that has both
// ONNX files (for the ONNX engine) and Hugging Face weights (for the torch engine), and a few GovReport documents,
// the ONNX engine's token ids, byte spans, forward plan and statistics (CPU, float32).
//
// npx tsx bench/gpu_parity_pack.ts [--models dir,dir] [--docs 2] [--max-tokens 1024] [--out results/gpu/parity-pack.json]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine, PlannedForward } from '../harness/engine/types.ts';
import type { StatsSpec } from '../harness/tokenstats/types.ts';
import { writeFileAtomic } from '../harness/util/atomic.ts';
import { REPO_ROOT as root } from '../harness/util/paths.ts';


function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Folders with ONNX files and safetensors weights under fixtures/models and fixtures/zoo. */
export function parityModelDirs(): string[] {
  const out: string[] = [];
  for (const base of ['fixtures/models', 'fixtures/zoo']) {
    const abs = path.join(root, base);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const dir = path.join(abs, entry.name);
      const hasOnnx = existsSync(path.join(dir, 'onnx'));
      const hasWeights = existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.safetensors'));
      if (hasOnnx && hasWeights && existsSync(path.join(dir, 'tokenizer.json'))) out.push(path.relative(root, dir));
    }
  }
  return out;
}

export async function onnxEngine(): Promise<Engine> {
  const mod = (await import('../harness/engine/onnx.ts')) as Record<string, unknown>;
  const e = Object.values(mod).find((v) => (v as Engine)?.id === 'onnx' && typeof (v as Engine).load === 'function');
  if (!e) throw new Error('harness/engine/onnx.ts exports no Engine with id "onnx"');
  return e as Engine;
}

export async function planFor(n: number, spec: StatsSpec): Promise<PlannedForward[]> {
  const mod = (await import('../harness/tokenstats/plan.ts')) as { planForwards(n: number, s: StatsSpec): PlannedForward[] };
  return mod.planForwards(n, spec);
}

/** A spec scaled to a small model: long context = min(maxPositions, maxTokens), one short window of a quarter. */
export function smallSpec(maxPositions: number, maxTokens: number): StatsSpec {
  const ctx = Math.min(maxPositions, maxTokens);
  const size = Math.max(16, Math.floor(ctx / 4));
  return { contextLength: ctx, stride: Math.floor(ctx / 2), maxTokens, shortWindows: [{ size, step: size / 4 }], addBos: false };
}

/**
 * The first `count` GovReport texts: from ../shared/data/govreport (where the recorded parity pack's texts came
 * from) when that folder is beside the checkout, else from the committed zoo haystack (GovReport documents of the
 * same source), so that a clone without ../shared still runs the parity suite.
 */
export function govreportTexts(count: number): { docId: string; text: string }[] {
  const shared = path.join(root, '../shared/data/govreport/govreport_public_125.jsonl');
  if (existsSync(shared)) {
    return readFileSync(shared, 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, count)
      .map((line, i) => ({ docId: `govreport-${i}`, text: (JSON.parse(line) as { text: string }).text }));
  }
  const haystack = JSON.parse(readFileSync(path.join(root, 'data/zoo_haystack.json'), 'utf8')) as { id: string; text: string }[];
  return haystack.slice(0, count).map((d, i) => ({ docId: `zoo-haystack-${i}`, text: d.text }));
}

async function main(): Promise<void> {
  const dirs = arg('models', '') ? arg('models', '').split(',') : parityModelDirs();
  const docs = govreportTexts(Number(arg('docs', '2')));
  const maxTokens = Number(arg('max-tokens', '1024'));
  const out = arg('out', 'results/gpu/parity-pack.json');
  const engine = await onnxEngine();
  const models = [];
  for (const dir of dirs) {
    const m = await engine.load({ id: dir, dir: path.join(root, dir) });
    const spec = smallSpec(m.maxPositions, maxTokens);
    const entry = { id: dir, dir, spec, docs: [] as unknown[] };
    for (const d of docs) {
      const t = m.tokenize(d.text);
      const n = Math.min(t.ids.length, maxTokens);
      const ids = t.ids.subarray(0, n);
      const plan = await planFor(n, spec);
      const r = await m.runPlan(ids, plan, spec.addBos);
      entry.docs.push({
        docId: d.docId,
        text: d.text, // whole text: the worker compares the first n tokens of its own tokenization
        ids: Array.from(ids),
        byteStart: Array.from(t.byteStart.subarray(0, n)),
        byteEnd: Array.from(t.byteEnd.subarray(0, n)),
        plan,
        addBos: spec.addBos,
        onnx: {
          logprob: Object.fromEntries(Object.entries(r.logprob).map(([k, v]) => [k, Array.from(v, (x) => (Number.isNaN(x) ? null : x))])),
          entropy: Array.from(r.entropy, (x) => (Number.isNaN(x) ? null : x)),
          top1: Array.from(r.top1),
          entropyShort: Object.fromEntries(Object.entries(r.entropyShort).map(([k, v]) => [k, Array.from(v, (x) => (Number.isNaN(x) ? null : x))])),
          top1Short: Object.fromEntries(Object.entries(r.top1Short).map(([k, v]) => [k, Array.from(v)])),
        },
      });
      console.log(`[pack] ${dir} ${d.docId}: ${n} tokens, ${plan.length} forwards`);
    }
    await m.dispose();
    models.push(entry);
  }
  writeFileAtomic(out, JSON.stringify({ models }));
  console.log(`[pack] wrote ${out}: ${models.length} models`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
