// Throughput of the fleet fill (harness/fleet/), for scripts/gpu/fill_bench.sh:
//  A. scaling: tokens/s of `longproxy stats --setting`'s fill on 1 GPU and on all visible GPUs, side by side, on
//     random-weight models of the locked architectures ("random:ARCH", bench/gpu_bench.py ARCHS; tokens are byte
//     ids of GovReport-like text from the zoo corpus) at the locked spec (32k context, windows 1024/256 and
//     4096/1024). Weak scaling: with N GPUs the run has N times the documents, so each GPU has the work of the
//     1-GPU run; efficiency = (tokens/s on N) / (N x tokens/s on 1).
//  B. worker reuse on the zoo (torch engine): wall-clock against the sum of forward seconds, with a new worker
//     process per model (the old fill) and with one worker reused for every model (the fleet).
// Every pass fills a fresh cache folder under --scratch. Prints a Markdown report; --out writes it with a JSON.
//
//   node --import ./scripts/gpu/ts-register.mjs bench/fill_bench.ts --devices cuda:0,cuda:1 [--docs-per-gpu 2]
//     [--models random:Qwen2.5-7B,random:Llama-2-7B-32k,random:Mistral-7B-v0.2] [--tokens 32768] [--spec locked]
//     [--zoo-models 6] [--zoo-docs 0 (= all 12)] [--dtype bfloat16] [--out DIR] [--scratch DIR]
// CPU dry run: --devices cpu,cpu --models toy:1:4096,toy:2:4096 --tokens 1500 --spec zoo --zoo-models 2 --zoo-docs 1
//   --dtype float32
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCorpus } from '../harness/contract/corpus.ts';
import { getSetting } from '../harness/contract/settings/index.ts';
import { torchEngine } from '../harness/engine/torch.ts';
import type { LanguageModel } from '../harness/engine/types.ts';
import { fleetModels } from '../harness/fleet/cli.ts';
import { fillSetting, type FillReport } from '../harness/fleet/fill.ts';
import type { DeviceSlot } from '../harness/fleet/slots.ts';
import { statsSpecFor } from '../harness/scoring/setting-specs.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const devices = arg('devices', 'cuda:0').split(',');
const docsPerGpu = Number(arg('docs-per-gpu', '2'));
const models = arg('models', 'random:Qwen2.5-7B,random:Llama-2-7B-32k,random:Mistral-7B-v0.2').split(',');
const tokens = Number(arg('tokens', '32768'));
const specSetting = getSetting(arg('spec', 'locked') === 'locked' ? 'locked-no4k' : 'zoo');
const zooModels = Number(arg('zoo-models', '6'));
const zooDocs = Number(arg('zoo-docs', '0')); // 0: all 12
const dtype = arg('dtype', devices[0].startsWith('cuda') ? 'bfloat16' : 'float32');
const scratch = arg('scratch', '') || mkdtempSync(path.join(tmpdir(), 'longproxy-fill-bench-'));
const outDir = arg('out', '');
const log = process.env.FILL_BENCH_VERBOSE ? (l: string) => process.stderr.write(`${l}\n`) : (l: string) => (l.startsWith('fleet:') ? process.stderr.write(`${l}\n`) : undefined);

/** n documents of `tokens` bytes (the byte tokenizer's tokens) cut from the zoo corpus's GovReport text. */
function benchCorpus(n: number, file: string): ReturnType<typeof loadCorpus> {
  const zoo = loadCorpus(path.join(REPO_ROOT, getSetting('zoo').corpusPath));
  const all = Buffer.from(zoo.documents.map((d) => d.text).join('\n\n'));
  const docs = Array.from({ length: n }, (_, i) => {
    const parts: Buffer[] = [];
    let have = 0;
    for (let k = 0; have < tokens + 64; k++) {
      const start = ((i * 7919 + k * 104729) % Math.max(1, all.length - 4096)) | 0;
      const piece = all.subarray(start, Math.min(all.length, start + tokens + 64 - have));
      parts.push(piece);
      have += piece.length;
    }
    return { id: `bench-${i}`, text: Buffer.concat(parts).subarray(0, tokens).toString('latin1') };
  });
  writeFileSync(file, JSON.stringify(docs));
  return loadCorpus(file);
}

interface PassResult {
  label: string;
  devices: string[];
  documents: number;
  tokensProcessed: number;
  wallSeconds: number;
  forwardSeconds: number;
  loadSeconds: number;
  loads: number;
  workers: number;
  failures: FillReport['failures'];
}

function summarize(label: string, devs: string[], r: FillReport): PassResult {
  return {
    label,
    devices: devs,
    documents: r.computed,
    tokensProcessed: r.tokensProcessed,
    wallSeconds: r.wallSeconds,
    forwardSeconds: r.devices.reduce((a, d) => a + d.forwardSeconds, 0),
    loadSeconds: r.devices.reduce((a, d) => a + d.loadSeconds, 0),
    loads: r.devices.reduce((a, d) => a + d.loads, 0),
    workers: r.workersStarted,
    failures: r.failures,
  };
}

async function scalingPass(devs: string[]): Promise<PassResult> {
  const dir = path.join(scratch, `scale-${devs.length}`);
  mkdirSync(dir, { recursive: true });
  const corpus = benchCorpus(docsPerGpu * devs.length, path.join(dir, 'corpus.json'));
  const r = await fillSetting({
    models: models.map((m) => ({ id: `bench/${m.replace(/[:]/g, '-')}`, resolve: () => m })),
    corpus,
    specFor: () => specSetting.statsSpec,
    cacheDir: path.join(dir, 'cache'),
    engine: 'torch',
    devices: devs,
    dtype,
    log,
  });
  return summarize(`${devs.length} device(s)`, devs, r);
}

/** A slot that starts a new worker for every model, as the fill did before the fleet. */
function workerPerModelSlot(device: string): DeviceSlot {
  let current: LanguageModel | null = null;
  let started = 0;
  return {
    device,
    async load(ref, tokenizer) {
      if (current) await current.dispose();
      started++;
      current = await torchEngine.load(ref, { device, dtype, tokenizer });
      return current;
    },
    async close() {
      if (current) await current.dispose();
      current = null;
    },
    get workersStarted() {
      return started;
    },
  };
}

async function zooPass(reuse: boolean): Promise<PassResult> {
  const zoo = getSetting('zoo');
  const ids = zoo.models.slice(0, zooModels);
  let corpus = loadCorpus(path.join(REPO_ROOT, zoo.corpusPath));
  if (zooDocs > 0) {
    const file = path.join(scratch, 'zoo-corpus.json');
    writeFileSync(file, JSON.stringify(corpus.documents.slice(0, zooDocs)));
    corpus = loadCorpus(file);
  }
  const r = await fillSetting({
    models: fleetModels(zoo, ids),
    corpus,
    specFor: (id) => statsSpecFor(zoo, id),
    cacheDir: path.join(scratch, `zoo-${reuse ? 'reused' : 'per-model'}`),
    engine: 'torch',
    devices: [devices[0]],
    dtype,
    log,
    makeSlot: reuse ? undefined : async (d) => workerPerModelSlot(d),
  });
  return summarize(reuse ? 'one worker reused' : 'one worker per model', [devices[0]], r);
}

const f = (x: number, p = 1) => x.toFixed(p);
const rate = (p: PassResult) => p.tokensProcessed / p.wallSeconds;

async function main(): Promise<void> {
  const t0 = performance.now();
  const one = await scalingPass([devices[0]]);
  const all = devices.length > 1 ? await scalingPass(devices) : null;
  const zooPer = zooModels > 0 ? await zooPass(false) : null;
  const zooReuse = zooModels > 0 ? await zooPass(true) : null;
  const lines: string[] = [];
  lines.push(`## Fill throughput (${models.join(', ')}; ${tokens}-token documents, spec ${specSetting.id}, ${dtype})`, '');
  lines.push('| devices | documents | tokens processed | wall s | loads (s) | tokens/s (wall) | tokens/s per device | efficiency |', '|---|---|---|---|---|---|---|---|');
  for (const p of [one, all].filter((x): x is PassResult => x !== null)) {
    const eff = rate(p) / (p.devices.length * rate(one));
    lines.push(`| ${p.devices.join(',')} | ${p.documents} | ${p.tokensProcessed} | ${f(p.wallSeconds)} | ${p.loads} (${f(p.loadSeconds)}) | ${f(rate(p), 0)} | ${f(rate(p) / p.devices.length, 0)} | ${f(eff, 3)} |`);
  }
  if (!all) lines.push('', `Only one device given (${devices[0]}): no multi-device pass; on a machine with several GPUs the script passes them all.`);
  if (zooPer && zooReuse) {
    lines.push('', `## Worker reuse on the zoo (${zooModels} models x ${zooDocs || 12} documents, torch engine on ${devices[0]})`, '');
    lines.push('| workers | worker processes | wall s | forward s | load s (incl. worker start) | wall / forward |', '|---|---|---|---|---|---|');
    for (const p of [zooPer, zooReuse]) lines.push(`| ${p.label} | ${p.workers} | ${f(p.wallSeconds)} | ${f(p.forwardSeconds)} | ${f(p.loadSeconds)} | ${f(p.wallSeconds / Math.max(p.forwardSeconds, 1e-9), 2)} |`);
    // Forward seconds vary with the machine's load: the saving is the time outside forwards (worker starts, loads).
    const over = (p: PassResult) => p.wallSeconds - p.forwardSeconds;
    lines.push('', `Time outside forwards: ${f(over(zooPer))} s with a worker per model, ${f(over(zooReuse))} s with one reused: saving ${f(over(zooPer) - over(zooReuse))} s over ${zooModels} models (${f((over(zooPer) - over(zooReuse)) / zooModels, 2)} s per model).`);
  }
  const failures = [one, all, zooPer, zooReuse].flatMap((p) => p?.failures ?? []);
  if (failures.length) lines.push('', 'FAILURES: ' + JSON.stringify(failures));
  lines.push('', `(bench/fill_bench.ts, ${f((performance.now() - t0) / 1000)} s in all)`);
  const md = lines.join('\n');
  console.log(md);
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'fill_bench.md'), `${md}\n`);
    writeFileSync(path.join(outDir, 'fill_bench.json'), `${JSON.stringify({ devices, models, tokens, dtype, spec: specSetting.id, one, all, zooPer, zooReuse }, null, 1)}\n`);
  }
  if (!arg('scratch', '')) rmSync(scratch, { recursive: true, force: true });
  process.exitCode = failures.length ? 1 : 0;
}

await main();
