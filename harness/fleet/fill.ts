// Fills the token-statistics cache for every model of a setting over its corpus: (model, document) jobs, longest
// first, on one slot per device (a torch worker reused from model to model), optionally only shard K of N of the
// jobs. A model that fails at any stage is skipped with a row in the failure table while the others go on;
// finished documents are always kept (one cache entry each), so a re-run computes only what is missing.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CorpusDocument, ProxyCorpus } from '../contract/types.ts';
import { fingerprintModelDir } from '../engine/fingerprint.ts';
import type { LanguageModel, ModelRef } from '../engine/types.ts';
import type { RopePolicy } from '../engine/rope-policy.ts';
import type { SyncTokenizer } from '../engine/torch.ts';
import { WorkerRequestError } from '../engine/torch-worker.ts';
import { checkSpec, computeDocStats } from '../tokenstats/compute.ts';
import {
  entryKey,
  foldShardManifests,
  isRecordedComplete,
  readEntry,
  recordComplete,
  recordShardDocs,
  storeEntry,
  type ModelIdentity,
} from '../tokenstats/cache.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import { sha256 } from '../util/hash.ts';
import { describeFailure, type ModelFailure, type Stage } from './failures.ts';
import { progressLine, type DeviceProgressState } from './progress.ts';
import { contiguousParts, shardName, type Shard } from './shard.ts';
import { defaultStageHooks, isSyntheticModel, type StageHooks } from './stages.ts';
import { engineVersion, makeSlot, type DeviceSlot } from './slots.ts';

export interface FleetModelInput {
  id: string;
  /** Resolves the model's folder (or a synthetic "toy:"/"random:" spec); throws when it is not found. */
  resolve(): string;
  /** RoPE policy the engine applies (the setting's model manifest); default as the config says. */
  rope?: RopePolicy;
}

export interface FillOptions {
  /** In the setting's order. */
  models: readonly FleetModelInput[];
  corpus: ProxyCorpus;
  /** The statistics spec of a model (the setting's; dir undefined for synthetic models). */
  specFor(modelId: string, dir: string | undefined): StatsSpec;
  cacheDir: string;
  engine: 'onnx' | 'torch';
  /** One slot per entry; the same device may appear twice (two workers on it). */
  devices: readonly string[];
  dtype?: string;
  shard?: Shard;
  stages?: Partial<StageHooks>;
  /** Progress lines and notes (default: stderr). */
  log?: (line: string) => void;
  /** Tests: a slot factory of their own. */
  makeSlot?: (device: string) => Promise<DeviceSlot>;
}

export interface DeviceReport {
  device: string;
  documents: number;
  tokensProcessed: number;
  /** Seconds spent in forwards (computeDocStats), and in loading models. */
  forwardSeconds: number;
  loadSeconds: number;
  loads: number;
}

export interface FillReport {
  failures: ModelFailure[];
  /** Documents computed by this run, found in the cache, and left to other shards. */
  computed: number;
  cached: number;
  otherShards: number;
  tokensProcessed: number;
  wallSeconds: number;
  devices: DeviceReport[];
  workersStarted: number;
  /** Models whose every document is now in the cache (this shard's documents, when sharded). */
  finished: string[];
}

interface PreparedModel {
  id: string;
  ref: ModelRef;
  spec: StatsSpec;
  ident: ModelIdentity;
  tokenizer: SyncTokenizer;
  rope?: RopePolicy;
  /** Relative cost of one token (weight bytes; 1 for synthetic models). */
  weight: number;
}

interface Job {
  model: string;
  doc: CorpusDocument;
  /** Estimated cost: weight x min(bytes, 4 x maxTokens), an integer (deterministic splits). */
  cost: number;
}

const WEIGHT_FILE = /\.(safetensors|bin|onnx|onnx_data|pt|gguf)$/;

/** Total bytes of weight files in a folder (recursively, onnx/ included): a model's relative cost per token. */
function weightBytes(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (WEIGHT_FILE.test(e.name)) total += statSync(p).size;
    }
  };
  try {
    walk(dir);
  } catch {
    return 1;
  }
  return Math.max(1, Math.round(total / 2 ** 20)); // MiB: keeps costs integers well inside 2^53
}

function docCost(doc: CorpusDocument, spec: StatsSpec | undefined): number {
  const bytes = Buffer.byteLength(doc.text);
  return spec && spec.maxTokens > 0 ? Math.min(bytes, 4 * spec.maxTokens) : bytes;
}

/** The job order every process derives alike: heaviest model first (ties: setting order), each model's documents
 *  longest first (ties: corpus order). */
export function orderJobs(models: { id: string; weight: number; spec?: StatsSpec }[], corpus: ProxyCorpus): Job[] {
  const byWeight = models.map((m, i) => ({ m, i })).sort((a, b) => b.m.weight - a.m.weight || a.i - b.i);
  const jobs: Job[] = [];
  for (const { m } of byWeight) {
    const docs = corpus.documents.map((doc, i) => ({ doc, i, c: docCost(doc, m.spec) })).sort((a, b) => b.c - a.c || a.i - b.i);
    for (const d of docs) jobs.push({ model: m.id, doc: d.doc, cost: m.weight * d.c });
  }
  return jobs;
}

/** A forward that failed because the worker's tokenizer disagreed with the ids it was sent is a tokenizer failure. */
function stageOfForwardError(err: unknown): Stage {
  const kind = err instanceof WorkerRequestError ? err.kind : '';
  const msg = err instanceof Error ? err.message : String(err);
  return kind === 'tokenizer_mismatch' || /tokenizer_mismatch|tokeni[sz]er (check|mismatch|disagree)/i.test(msg) ? 'tokenizer' : 'forward';
}

export async function fillSetting(o: FillOptions): Promise<FillReport> {
  const t0 = performance.now();
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const hooks: StageHooks = { ...defaultStageHooks, ...o.stages };
  const version = await engineVersion(o.engine);
  const failures: ModelFailure[] = [];
  const failed = new Set<string>();
  const fail = (model: string, stage: Stage, err: unknown): void => {
    if (failed.has(model)) return;
    failed.add(model);
    const f = describeFailure(model, stage, err);
    failures.push(f);
    log(`fleet: ${model} failed at ${stage}: ${f.message}`);
  };

  // 1. Every model through resolve, config check and tokenizer; what fails there gets no job.
  const prepared = new Map<string, PreparedModel>();
  const weights: { id: string; weight: number; spec?: StatsSpec }[] = [];
  for (const m of o.models) {
    let stage: Stage = 'resolve';
    let weight = 1;
    let spec: StatsSpec | undefined;
    try {
      const dir = m.resolve();
      const synthetic = isSyntheticModel(dir);
      weight = synthetic ? 1 : weightBytes(dir);
      stage = 'config check';
      hooks.configCheck(m.id, dir);
      spec = o.specFor(m.id, synthetic ? undefined : dir);
      checkSpec(spec);
      stage = 'tokenizer';
      const tokenizer = hooks.tokenizerCheck(m.id, dir);
      stage = 'resolve';
      const fingerprint = synthetic ? sha256(dir) : await fingerprintModelDir(dir);
      prepared.set(m.id, {
        id: m.id,
        ref: { id: m.id, dir },
        spec,
        ident: { modelId: m.id, fingerprint, ...(synthetic ? {} : { dir }), engineId: o.engine, engineVersion: version },
        tokenizer,
        rope: m.rope,
        weight,
      });
    } catch (err) {
      fail(m.id, stage, err);
    }
    weights.push({ id: m.id, weight, spec });
  }

  // 2. The jobs, this shard's part of them, and those already in the cache.
  const all = orderJobs(weights, o.corpus);
  const mine = o.shard ? contiguousParts(all, o.shard.count, (j) => j.cost)[o.shard.index] : all;
  const keyOf = (j: Job): string => {
    const p = prepared.get(j.model)!;
    return entryKey({ ...p.ident, corpusSha256: o.corpus.sha256, doc: j.doc, spec: p.spec });
  };
  const todo: Job[] = [];
  const doneDocs = new Map<string, string[]>(); // per model: documents of this run's jobs in the cache
  const left = new Map<string, number>(); // per model: jobs still to compute
  let cached = 0;
  for (const j of mine) {
    if (!prepared.has(j.model)) continue;
    if (readEntry(o.cacheDir, keyOf(j), `${j.model} document ${j.doc.id}`)) {
      cached++;
      doneDocs.set(j.model, [...(doneDocs.get(j.model) ?? []), j.doc.id]);
    } else {
      todo.push(j);
      left.set(j.model, (left.get(j.model) ?? 0) + 1);
    }
  }
  const mineModels = [...new Set(mine.map((j) => j.model))].filter((id) => prepared.has(id));
  const finished: string[] = [];
  const record = (id: string, docIds: readonly string[]): void => {
    const p = prepared.get(id)!;
    if (o.shard) recordShardDocs(o.cacheDir, shardName(o.shard), p.ident, o.corpus, p.spec, docIds);
  };
  const finish = (id: string): void => {
    const p = prepared.get(id)!;
    finished.push(id);
    if (!o.shard && !isRecordedComplete(o.cacheDir, p.ident, o.corpus, p.spec)) recordComplete(o.cacheDir, p.ident, o.corpus, p.spec);
  };
  for (const id of mineModels) {
    if (doneDocs.has(id)) record(id, doneDocs.get(id)!);
    if (!left.has(id)) finish(id);
  }
  log(
    `fleet: ${o.models.length} models x ${o.corpus.documents.length} documents${o.shard ? `, ${shardName(o.shard)}: ${mine.length} jobs` : ''}; ` +
      `${cached} in the cache, ${todo.length} to compute on ${o.devices.length} device slot(s) (${o.devices.map((d) => d || 'auto').join(', ')})`,
  );

  // 3. One queue per device: contiguous parts of the ordered jobs (few model loads per device); a device whose
  //    queue is empty takes the last job of the fullest queue.
  const queues = contiguousParts(todo, o.devices.length, (j) => j.cost);
  const progress: DeviceProgressState[] = o.devices.map((d, i) => ({
    device: o.devices.length > 1 && o.devices.indexOf(d) !== i ? `${d || 'auto'}#${i}` : d || 'auto',
    model: '',
    done: 0,
    total: queues[i].length,
    tokensProcessed: 0,
    busySeconds: 0,
    costLeft: queues[i].reduce((a, j) => a + j.cost, 0),
    costDone: 0,
  }));
  const reports: DeviceReport[] = progress.map((p) => ({ device: p.device, documents: 0, tokensProcessed: 0, forwardSeconds: 0, loadSeconds: 0, loads: 0 }));
  const take = (i: number): Job | undefined => {
    for (;;) {
      let job = queues[i].shift();
      if (!job) {
        let victim = -1;
        let most = 0;
        queues.forEach((q, k) => {
          const c = q.reduce((a, j) => a + j.cost, 0);
          if (k !== i && q.length > 0 && c > most) [victim, most] = [k, c];
        });
        if (victim < 0) return undefined;
        job = queues[victim].pop()!;
        progress[victim].total--;
        progress[victim].costLeft -= job.cost;
        progress[i].total++;
        progress[i].costLeft += job.cost;
      }
      if (!failed.has(job.model)) return job;
      progress[i].total--;
      progress[i].costLeft -= job.cost;
    }
  };
  const slots: DeviceSlot[] = [];
  const runDevice = async (i: number): Promise<void> => {
    const slot = await (o.makeSlot ?? ((d: string) => makeSlot(o.engine, d, { dtype: o.dtype })))(o.devices[i]);
    slots.push(slot);
    let loaded = null as { id: string; model: LanguageModel } | null;
    const p = progress[i];
    for (let job = take(i); job; job = take(i)) {
      const m = prepared.get(job.model)!;
      let stage: Stage = 'load';
      try {
        if (loaded?.id !== m.id) {
          loaded = null;
          const tl = performance.now();
          p.model = m.id;
          const model = await slot.load(m.ref, m.tokenizer, m.rope);
          reports[i].loads++;
          reports[i].loadSeconds += (performance.now() - tl) / 1000;
          stage = 'config check';
          checkSpec(m.spec, model);
          loaded = { id: m.id, model };
        }
        stage = 'forward';
        const tf = performance.now();
        const r = await computeDocStats(loaded.model, job.doc, m.spec);
        storeEntry(o.cacheDir, keyOf(job), r);
        const s = (performance.now() - tf) / 1000;
        Object.assign(reports[i], {
          documents: reports[i].documents + 1,
          tokensProcessed: reports[i].tokensProcessed + r.cost.tokensProcessed,
          forwardSeconds: reports[i].forwardSeconds + s,
        });
        p.done++;
        p.tokensProcessed += r.cost.tokensProcessed;
        p.busySeconds += s;
        p.costDone += job.cost;
        p.costLeft -= job.cost;
        log(progressLine(p));
        if (failed.has(m.id)) continue; // failed on another device meanwhile: the entry is kept, no record
        record(m.id, [job.doc.id]);
        const n = left.get(m.id)! - 1;
        left.set(m.id, n);
        if (n === 0) finish(m.id);
      } catch (err) {
        fail(m.id, stage === 'forward' ? stageOfForwardError(err) : stage, err);
        p.costLeft -= job.cost;
        p.total--;
        loaded = null;
      }
    }
    p.model = '';
    await slot.close();
  };
  try {
    await Promise.all(o.devices.map((_, i) => runDevice(i)));
  } finally {
    await Promise.all(slots.map((s) => s.close().catch(() => undefined)));
  }
  // An unsharded run after an array job folds the shard manifests into manifest.json.
  if (!o.shard) foldShardManifests(o.cacheDir);
  const order = new Map(o.models.map((m, i) => [m.id, i]));
  failures.sort((a, b) => order.get(a.model)! - order.get(b.model)!);
  return {
    failures,
    computed: reports.reduce((a, r) => a + r.documents, 0),
    cached,
    otherShards: all.length - mine.length,
    tokensProcessed: reports.reduce((a, r) => a + r.tokensProcessed, 0),
    wallSeconds: (performance.now() - t0) / 1000,
    devices: reports,
    workersStarted: slots.reduce((a, s) => a + s.workersStarted, 0),
    finished: finished.sort((a, b) => order.get(a)! - order.get(b)!),
  };
}
