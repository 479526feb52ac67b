// Tokens/s of the ONNX engine on the tiny fixture model next to a PyTorch CPU forward of the same model on the same
// tokens (bench/engine_torch.py: the torch worker's built-in decoder, harness/engine/torch_worker/native.py, which runs in
// Debian's torch 1.13 without transformers), in one run. Both sides compute the same statistics (log-softmax in float64, entropy, top-1) for every position.
//
//   npx tsx bench/engine.ts [--model fixtures/models/tiny-qwen2] [--context 512] [--docs 2] [--repeat 3]
//
// Rows: "forward loop" = one session run per input sequence, statistics for all positions (what torch does);
// "runPlan batched / unbatched" = the engine's plan execution over the same documents (long pass + short windows
// 128/32), batched by equal length or one forward at a time. Ratios are against the PyTorch row.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnxEngine } from '../harness/engine/onnx.ts';
import type { LanguageModel, PlannedForward } from '../harness/engine/types.ts';
import { planForwards } from '../harness/tokenstats/plan.ts';
import type { StatsSpec } from '../harness/tokenstats/types.ts';
import { REPO_ROOT as root } from '../harness/util/paths.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const modelDir = path.resolve(root, arg('model', 'fixtures/models/tiny-qwen2'));
const repeat = Number(arg('repeat', '3'));
const python = process.env.LONGPROXY_PYTHON ?? '/usr/bin/python3';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => Promise<number>): Promise<{ seconds: number; tokens: number }> {
  await fn(); // warm-up
  const times: number[] = [];
  let tokens = 0;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    tokens = await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), tokens };
}

async function main(): Promise<void> {
  const docs = (JSON.parse(readFileSync(path.join(root, 'fixtures/corpus/govreport_small.json'), 'utf8')) as { text: string }[]).slice(0, Number(arg('docs', '2')));
  const batched: LanguageModel = await onnxEngine.load({ id: 'bench', dir: modelDir });
  const single: LanguageModel = await onnxEngine.load({ id: 'bench', dir: modelDir }, { batch: false });
  const context = Math.min(Number(arg('context', '512')), batched.maxPositions);
  const spec: StatsSpec = { contextLength: context, stride: context / 2, maxTokens: 0, shortWindows: [{ size: 128, step: 32 }], addBos: false };
  const work = docs.map((d) => {
    const ids = batched.tokenize(d.text).ids;
    return { ids, plan: planForwards(ids.length, spec) };
  });
  // The sequences both sides run in the forward-loop rows: the long-pass windows of every document.
  const sequences = work.flatMap((w) => w.plan.filter((f: PlannedForward) => f.field === 'long').map((f) => Array.from(w.ids.subarray(f.start, f.end))));

  const loop = await timed(async () => {
    let n = 0;
    for (const s of sequences) {
      await batched.forward(Int32Array.from(s), 1);
      n += s.length;
    }
    return n;
  });
  const runPlan = (m: LanguageModel) => async (): Promise<number> => {
    let n = 0;
    for (const w of work) n += (await m.runPlan(w.ids, w.plan, false)).tokensProcessed;
    return n;
  };
  const planBatched = await timed(runPlan(batched));
  const planSingle = await timed(runPlan(single));

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-bench-'));
  const tokensFile = path.join(tmp, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ ids: sequences }));
  // PyTorch at 1 thread and at all cores: on a shared machine its OpenMP threads suffer most from oversubscription.
  const torchRows: { name: string; seconds: number; tokens: number; note: string }[] = [];
  let torchError = '';
  let maxDiff = NaN;
  for (const threads of [...new Set([1, os.cpus().length])]) {
    const py = spawnSync(python, [path.join(root, 'bench/engine_torch.py'), '--model', modelDir, '--tokens', tokensFile, '--repeat', String(repeat), '--threads', String(threads)], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (py.status !== 0) {
      torchError = py.stderr.trim().split('\n').at(-1) ?? '';
      break;
    }
    const r = JSON.parse(py.stdout) as { seconds: number[]; tokens_per_repeat: number; torch: string; threads: number; weights: string; logprobs: number[][] };
    torchRows.push({ name: `pytorch cpu, ${r.threads} thread${r.threads > 1 ? 's' : ''}`, seconds: median(r.seconds), tokens: r.tokens_per_repeat, note: `torch ${r.torch}, weights from ${r.weights}` });
    maxDiff = 0;
    for (let k = 0; k < sequences.length; k++) {
      const ours = await batched.forward(Int32Array.from(sequences[k]), 1);
      r.logprobs[k].forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - ours.logprob[i]))));
    }
  }
  const best = torchRows.reduce<(typeof torchRows)[number] | null>((a, r) => (!a || r.tokens / r.seconds > a.tokens / a.seconds ? r : a), null);

  const rows: [string, { seconds: number; tokens: number }][] = [
    ['onnx forward loop', loop],
    ['onnx runPlan batched', planBatched],
    ['onnx runPlan unbatched', planSingle],
  ];
  const ref = best ? best.tokens / best.seconds : NaN;
  const line = (name: string, r: { seconds: number; tokens: number }): string => {
    const tps = r.tokens / r.seconds;
    return `| ${name.padEnd(24)} | ${String(r.tokens).padStart(7)} | ${r.seconds.toFixed(3).padStart(8)} | ${tps.toFixed(0).padStart(8)} | ${Number.isNaN(ref) ? '     n/a' : `${(tps / ref).toFixed(2)}x`.padStart(8)} |`;
  };
  const cfg = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as Record<string, number>;
  console.log(`model ${path.relative(root, modelDir)} (hidden ${cfg.hidden_size}, layers ${cfg.num_hidden_layers}, vocab ${cfg.vocab_size}); ${docs.length} documents, ${sequences.length} long windows of <= ${context} tokens; median of ${repeat}; ${os.cpus().length} CPU cores`);
  console.log('| run                      |  tokens |  seconds | tokens/s | vs torch |');
  console.log('|--------------------------|---------|----------|----------|----------|');
  for (const [name, r] of rows) console.log(line(name, r));
  for (const r of torchRows) console.log(line(r.name, r));
  if (torchError) console.log(`| pytorch cpu forward loop | not run: ${python} bench/engine_torch.py failed: ${torchError} |`);
  if (best) console.log(`\n${best.note}; ratios against the faster PyTorch row; max |onnx - torch| log-prob over the forward-loop tokens: ${maxDiff.toExponential(2)}`);
  console.log('runPlan rows count every token fed to the model (long pass + 128/32 short windows, prefix reuse included).');
  await batched.dispose();
  await single.dispose();
}

await main();
