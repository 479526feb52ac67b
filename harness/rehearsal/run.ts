// The locked rehearsal: the replicas of the 17 locked repositories (scripts/replicas/build_replicas.py), a rehearsal
// corpus and a synthetic downstream file (inputs.ts) go through the official path: resolve every model as a user's
// download would be found, compute the locked spec's token statistics with the torch engine, score every metric,
// write the 17-row submissions, verify each with the TypeScript verifier and the Python reference. Used by the CPU
// suite (locked-rehearsal.test.ts) and the command harness/cli/rehearsal.ts (which scripts/gpu/rehearsal_run.sh runs).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { lockedNo4k } from '../contract/settings/locked-no4k.ts';
import type { ProxyCorpus, Setting, VerifyResult } from '../contract/types.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { TorchDeviceWorker, torchEngine } from '../engine/torch.ts';
import { workerPython } from '../engine/torch-worker.ts';
import type { Metric } from '../scoring/metric.ts';
import { scoreMetric } from '../scoring/pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { modelRunFor } from '../scoring/setting-specs.ts';
import { ropeLabel } from '../engine/rope-policy.ts';
import { tokenizerJsonFor } from '../engine/sentencepiece-convert.ts';
import type { Override } from '../contract/model-manifest.ts';
import type { ScoringRecord } from '../scoring/types.ts';
import { readCachedCorpusStats } from '../tokenstats/cache.ts';
import { fillSettingRun } from '../fleet/cli.ts';
import type { DerivedCorpus } from '../probes/derive.ts';
import { keptBytesOfStats } from '../probes/kept.ts';
import { deriveForModels, probeCorpusStats } from '../probes/load.ts';
import { getProbe } from '../probes/registry.ts';
import type { Probe } from '../probes/types.ts';
import type { ModelFailure } from '../fleet/failures.ts';
import type { FillReport } from '../fleet/fill.ts';
import type { DeviceSlot } from '../fleet/slots.ts';
import type { ModelCorpusStats, ProbeCorpusStats, StatsSpec } from '../tokenstats/types.ts';
import { compareVerifyOutputs } from '../verify/compare.ts';
import { verifyResultToJson } from '../verify/result-json.ts';
import { verifySubmission } from '../verify/verify-submission.ts';
import { runReferenceBatch } from '../verify/python-reference.ts';
import type { RehearsalInputs } from './inputs.ts';

export const BUILDER = path.join(REPO_ROOT, 'scripts', 'replicas', 'build_replicas.py');

export interface ReplicaInfo {
  id: string;
  revision: string;
  hub_snapshot: string;
  model_dir: string;
  architecture: string;
  model_type: string;
  vocab_size: number;
  max_position_embeddings: number;
  rope_scaling: { type?: string; rope_type?: string; factor?: number } | null;
  rope_theta: number;
  head_dim: number;
  training_length: number | null;
  tokenizer_kind: string;
  tokenizer_source: 'tokenizer.json' | 'tokenizer.model';
  files: Record<string, string>;
  planted: string[];
}

export interface ReplicaManifest {
  root: string;
  hubCache: string;
  modelDir: string;
  replicas: ReplicaInfo[];
}

export interface BuildOptions {
  models?: readonly string[];
  plantBadConfig?: string;
  plantBroken?: string;
  realSize?: boolean;
  device?: string;
}

/** Runs the builder into `out` and reads what it wrote. */
export function buildReplicas(out: string, o: BuildOptions = {}): ReplicaManifest {
  const args = [BUILDER, '--out', out];
  if (o.models) args.push('--models', o.models.join(','));
  if (o.plantBadConfig) args.push('--plant-bad-config', o.plantBadConfig);
  if (o.plantBroken) args.push('--plant-broken', o.plantBroken);
  if (o.realSize) args.push('--real-size');
  if (o.device) args.push('--device', o.device);
  const r = spawnSync(workerPython(), args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`build_replicas.py failed (exit ${r.status ?? r.signal}):\n${r.stderr || r.error}`);
  return readReplicaManifest(out);
}

export function readReplicaManifest(out: string): ReplicaManifest {
  const m = JSON.parse(readFileSync(path.join(out, 'replicas.json'), 'utf8')) as { hf_hub_cache: string; longproxy_model_dir: string; replicas: ReplicaInfo[] };
  return { root: out, hubCache: path.join(out, m.hf_hub_cache), modelDir: path.join(out, m.longproxy_model_dir), replicas: m.replicas };
}

/** The locked setting with the rehearsal's corpus and downstream file (same id, models, spec and metric key). */
export function rehearsalSetting(inputs: RehearsalInputs, models: readonly string[] = lockedNo4k.models): Setting {
  return { ...lockedNo4k, models, corpusPath: inputs.corpusPath, downstreamPath: inputs.downstreamPath };
}

/** Where a model is looked up: the Hugging Face cache only, or LONGPROXY_MODEL_DIR only (no HOME fallback). */
export function lookupEnv(m: ReplicaManifest, layout: 'hub' | 'dir'): NodeJS.ProcessEnv {
  return layout === 'hub' ? { HF_HUB_CACHE: m.hubCache, HOME: m.root } : { LONGPROXY_MODEL_DIR: m.modelDir, HOME: m.root };
}

/** The planted faults: a config that contradicts the manifest (sliding_window 4096, as an early Mistral revision)
 *  and a model whose weights file is cut to half its size (a broken download). */
export const PLANTED = { badConfig: 'mistralai/Mistral-7B-Instruct-v0.2', broken: 'Qwen/Qwen2-0.5B-Instruct' } as const;

export function buildPlanted(out: string): ReplicaManifest {
  return buildReplicas(out, { models: [PLANTED.badConfig, PLANTED.broken], plantBadConfig: PLANTED.badConfig, plantBroken: PLANTED.broken });
}

/** The planted folders shadow the clean ones (LONGPROXY_MODEL_DIR is looked at before the Hugging Face cache);
 *  the other models resolve from the clean replicas' cache. */
export function plantedEnv(clean: ReplicaManifest, planted: ReplicaManifest): NodeJS.ProcessEnv {
  return { ...lookupEnv(clean, 'hub'), LONGPROXY_MODEL_DIR: planted.modelDir };
}

export interface FillRow {
  model: string;
  dir?: string;
  /** The statistics spec of the model's cached statistics (what it was scored at). */
  spec?: StatsSpec;
  /** The RoPE policy the harness hands the engine (harness/engine/rope-policy.ts label), what the worker reported
   *  applying when it loaded the model in this fill (null: not loaded, its statistics were in the cache), and what
   *  config.json declares. */
  ropePolicy: string;
  workerRope: string | null;
  configRope: string;
  /** "tokenizer.json", or "built from tokenizer.model" (harness/engine/sentencepiece-convert.ts). */
  tokenizerSource: string;
  documents: number;
  /** Tokens of each document under the model's tokenizer (as scored, after the spec's cut). */
  docTokens: number[];
  tokensProcessed: number;
  /** Wall-clock of the model's fill on its worker, from its load to its last document (0: from the cache). */
  seconds: number;
  /** CPU seconds its torch worker spent on it (user + system, from /proc; the first model of a worker includes the
   *  Python start): on a loaded machine, what the wall-clock of an idle one would be; null without /proc. */
  workerCpuSeconds: number | null;
  /** The row of the fleet's failure table (harness/fleet/failures.ts). */
  failure?: ModelFailure;
}

export interface RehearsalFillOptions {
  cacheDir: string;
  device: string;
  /** Torch workers on the device (default 1): the fleet gives each a share of the jobs, one model at a time. */
  workers?: number;
  dtype: string;
  /** Positions per chunk of the output projection (the worker's default when unset). */
  chunk?: number;
  /** Manifest overrides (--override / LONGPROXY_OVERRIDE). */
  overrides?: readonly Override[];
  /** Probes whose derived corpora are filled after the proxy corpus (harness/probes/; default none). */
  probes?: readonly string[];
  log?: (line: string) => void;
}

/** utime + stime of a live process from /proc/<pid>/stat (Linux), in seconds. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

function ropePolicyOf(dir: string): string {
  try {
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, any>;
    const rs = cfg.rope_parameters ?? cfg.rope_scaling;
    if (!rs) return 'default';
    const kind = rs.rope_type ?? rs.type ?? 'default';
    return rs.factor ? `${kind} x${rs.factor}` : kind;
  } catch {
    return '?';
  }
}

/**
 * The rehearsal's fills, through the fill of `longproxy stats --setting` (harness/fleet/cli.ts fillSettingRun:
 * resolve, config check against the manifest, tokenizer, load, forward, the failure table, the exit status) on
 * `workers` torch workers that every call reuses, so that a fill per test pays the Python start once per worker.
 */
export class RehearsalFiller {
  private readonly workers: TorchDeviceWorker[];
  /** Per model, from its last fill that loaded it: what the worker applied, wall-clock and worker CPU seconds. */
  private readonly loads = new Map<string, { rope: string; seconds: number; cpuSeconds: number | null }>();

  constructor(
    readonly setting: Setting,
    readonly corpus: ProxyCorpus,
    private readonly o: RehearsalFillOptions,
  ) {
    const n = o.workers ?? 1;
    this.workers = Array.from({ length: n }, () => new TorchDeviceWorker(o.device, { dtype: o.dtype, ...(o.chunk ? { chunk: o.chunk } : {}) }));
    this.probes = (o.probes ?? []).map((id) => getProbe(id));
  }

  /** The probes whose derived corpora are filled after the proxy corpus through the same fleet, workers and
   *  cache; each model's cut to the bytes its proxy statistics kept (harness/probes/kept.ts). */
  private readonly probes: Probe[];

  /** Worker processes started so far (one per worker when every fill reused them). */
  get workersStarted(): number {
    return this.workers.reduce((a, w) => a + w.started, 0);
  }

  /** A fill's slot on worker `w`: a model's time runs from its load to the next load or the end of the fill. */
  private slot(w: TorchDeviceWorker): DeviceSlot {
    let current: { id: string; rope: string; t0: number; cpu0: number } | null = null;
    const finish = () => {
      if (!current) return;
      const cpu = processCpuSeconds(w.pid);
      const prev = this.loads.get(current.id);
      // Summed over the loads of one fill() (the proxy corpus, then each probe's derived corpus).
      const seconds = (performance.now() - current.t0) / 1000 + (prev?.seconds ?? 0);
      const cpuSeconds = cpu === null ? null : cpu - current.cpu0 + (prev?.cpuSeconds ?? 0);
      this.loads.set(current.id, {
        rope: current.rope || prev?.rope || '?',
        seconds: Number(seconds.toFixed(2)),
        cpuSeconds: cpuSeconds === null ? null : Number(cpuSeconds.toFixed(2)),
      });
      current = null;
    };
    return {
      device: this.o.device,
      load: async (ref, tokenizer, rope) => {
        finish();
        // A worker not started yet counts from 0: its Python start and imports are the first model's.
        current = { id: ref.id, rope: '', t0: performance.now(), cpu0: processCpuSeconds(w.pid) ?? 0 };
        const m = await w.load(ref, { tokenizer, rope });
        current.rope = m.rope;
        return m;
      },
      close: async () => finish(), // the worker is kept for the next fill; close() ends it
      get workersStarted() {
        return w.started;
      },
    };
  }

  /** Fills `models` (the setting's order), their folders looked up in `env`; a failure is a row, never thrown.
   *  `overrides` (default the filler's) as --override gives them. */
  async fill(models: readonly string[], env: NodeJS.ProcessEnv, overrides: readonly Override[] = this.o.overrides ?? []): Promise<{ rows: FillRow[]; stats: ModelCorpusStats[]; report: FillReport; exit: number }> {
    for (const m of models) this.loads.delete(m);
    let next = 0;
    // One fill of `corpus` for `only` on the filler's workers (the proxy corpus, then each probe's derived corpora).
    const run = (corpus: ProxyCorpus, only: readonly string[]) =>
      fillSettingRun(this.setting, corpus, {
        only,
        overrides,
        env,
        cacheDir: this.o.cacheDir,
        engine: 'torch',
        devices: this.workers.map(() => this.o.device),
        dtype: this.o.dtype,
        log: this.o.log ?? (() => undefined),
        // The fleet asks for its slots in device order, once per fill.
        makeSlot: async () => this.slot(this.workers[next++ % this.workers.length]),
      });
    const { report, exit } = await run(this.corpus, models);
    // Each probe's derived corpus for the models the proxy fill finished (a probe failure fails its model).
    const probeFailures = new Map<string, ModelFailure>();
    const base = new Map<string, ModelCorpusStats>();
    for (const m of models) {
      if (!report.finished.includes(m)) continue;
      const s = readCachedCorpusStats({ modelId: m, corpus: this.corpus, spec: modelRunFor(this.setting, m, overrides).spec, cacheDir: this.o.cacheDir, engineId: torchEngine.id });
      if (s) base.set(m, s);
    }
    const derivedOf = new Map<string, Map<string, DerivedCorpus>>(); // probe -> model -> its derived corpus
    for (const probe of this.probes) {
      const ok = models.filter((m) => base.has(m) && !probeFailures.has(m));
      if (!ok.length) break;
      const { byModel, groups } = deriveForModels(probe, this.corpus, ok.map((m) => ({ model: m, kept: keptBytesOfStats(base.get(m)!) })));
      derivedOf.set(probe.id, byModel);
      for (const g of groups) {
        const r = await run(g.derived.corpus, g.models);
        for (const f of r.report.failures) probeFailures.set(f.model, { ...f, message: `probe ${probe.id}: ${f.message}` });
      }
    }
    const stats: ModelCorpusStats[] = [];
    const rows = models.map((model): FillRow => {
      const { spec, rope } = modelRunFor(this.setting, model, overrides);
      let dir: string | undefined;
      try {
        dir = resolveModelDir(model, { env });
      } catch {
        dir = undefined;
      }
      const loaded = this.loads.get(model);
      const row: FillRow = {
        model,
        dir,
        ropePolicy: ropeLabel(rope),
        workerRope: loaded?.rope ?? null,
        configRope: dir ? ropePolicyOf(dir) : '?',
        tokenizerSource: '?',
        documents: 0,
        docTokens: [],
        tokensProcessed: 0,
        seconds: loaded?.seconds ?? 0,
        workerCpuSeconds: loaded?.cpuSeconds ?? null,
        failure: report.failures.find((f) => f.model === model) ?? probeFailures.get(model),
      };
      if (dir) {
        try {
          row.tokenizerSource = tokenizerJsonFor(dir).source;
        } catch {
          row.tokenizerSource = 'none';
        }
      }
      if (!row.failure && report.finished.includes(model)) {
        const s = base.get(model);
        if (s && this.probes.length) {
          const probes: Record<string, ProbeCorpusStats> = {};
          for (const [id, byModel] of derivedOf) {
            const d = byModel.get(model);
            const ps = d && readCachedCorpusStats({ modelId: model, corpus: d.corpus, spec, cacheDir: this.o.cacheDir, engineId: torchEngine.id });
            if (d && ps) probes[id] = probeCorpusStats(d, ps);
          }
          s.probes = probes;
        }
        if (s) {
          stats.push(s);
          Object.assign(row, { spec: s.spec, documents: s.docs.length, docTokens: s.docs.map((d) => d.n), tokensProcessed: s.cost.tokensProcessed + Object.values(s.probes ?? {}).reduce((a, p) => a + p.cost.tokensProcessed, 0) });
        }
      }
      this.o.log?.(row.failure
        ? `[rehearsal] ${model}: FAILED at ${row.failure.stage}: ${row.failure.message}`
        : `[rehearsal] ${model}: ${row.docTokens.join('+')} tokens, ${row.tokensProcessed} through the model, ${row.seconds} s`);
      return row;
    });
    return { rows, stats, report, exit };
  }

  /** Starts every worker ahead of the first fill (TorchDeviceWorker.start). */
  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

export interface ScoredMetric {
  record: ScoringRecord;
  /** Differences between the Python reference's output and the TypeScript verifier's ([] = the same). */
  referenceDiffs: string[];
  reference: VerifyResult;
}

/** One metric scored on the filled statistics: its submission written and verified by the TypeScript verifier. */
export async function scoreRehearsalMetric(setting: Setting, stats: readonly ModelCorpusStats[], metric: Metric<any>, resultsDir: string, nBoot: number): Promise<ScoringRecord> {
  const downstream = loadDownstream(setting.downstreamPath, { expectedModels: setting.models });
  return scoreMetric(metric, setting, stats, { path: setting.downstreamPath, values: downstream.values }, { resultsDir, nBoot, root: REPO_ROOT });
}

/** The Python reference (scripts/verify_locked_no4k.py, one process for all) on each record's submission, its
 *  output compared with the TypeScript verifier's. */
export async function verifyWithReference(setting: Setting, records: readonly ScoringRecord[], nBoot: number): Promise<ScoredMetric[]> {
  const refOut = (r: ScoringRecord) => r.paths.verify.replace(/\.json$/, '.python-reference.json');
  const runs = await runReferenceBatch(
    records.map((r) => ['--submission', r.paths.submission, '--metric-key', setting.metricKey, '--out', refOut(r), '--downstream', setting.downstreamPath, '--n-boot', String(nBoot)]),
  );
  const out: ScoredMetric[] = [];
  for (const [i, record] of records.entries()) {
    if (runs[i].code !== 0) throw new Error(`python reference verifier on ${record.paths.submission} exited ${runs[i].code}: ${runs[i].stderr}`);
    const reference = JSON.parse(readFileSync(refOut(record), 'utf8')) as VerifyResult;
    let ts = JSON.parse(readFileSync(record.paths.verify, 'utf8'));
    // The reference follows the installed scikit-learn's MinCovDet rule (>= 1.8 on the GPU machine, <= 1.7 on
    // Debian): the TypeScript verifier is run again under the rule the reference reports, so that the two are
    // compared on the same rule (docs/verifier.md).
    if (reference.mcd_correction && reference.mcd_correction !== ts.mcd_correction) {
      const again = await verifySubmission({ submissionPath: record.paths.submission, downstreamPath: setting.downstreamPath, metricKey: setting.metricKey, nBoot, seed: reference.bootstrap.seed, expectedModels: setting.models, mcdCorrection: reference.mcd_correction });
      ts = JSON.parse(verifyResultToJson(again));
    }
    out.push({ record, reference, referenceDiffs: compareVerifyOutputs(reference as any, ts) });
  }
  return out;
}

export function loadRehearsalCorpus(inputs: RehearsalInputs): ProxyCorpus {
  return loadCorpus(inputs.corpusPath);
}

/** The rehearsal table (markdown): model, spec, RoPE policy, tokenizer source, tokens, seconds, outcome. */
export function rehearsalTable(rows: readonly FillRow[]): string {
  const spec = (s?: StatsSpec) => (s ? `${s.contextLength}; ${s.shortWindows.map((w) => `${w.size}/${w.step}`).join(', ')}` : '-');
  const rope = (r: FillRow) => (r.workerRope === null || r.workerRope === r.ropePolicy ? r.ropePolicy : `${r.ropePolicy}, worker applied ${r.workerRope}`);
  const lines = [
    '| model | spec (context; windows) | RoPE policy (config.json) | tokenizer source | document tokens | tokens through the model | seconds | worker CPU s | outcome |',
    '|---|---|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const outcome = r.failure ? `failed at ${r.failure.stage}: ${r.failure.message.slice(0, 160)}` : r.workerRope === null ? 'scored (from the cache)' : 'scored';
    lines.push(`| ${r.model} | ${spec(r.spec)} | ${rope(r)} (${r.configRope}) | ${r.tokenizerSource} | ${r.docTokens.join(' + ') || '-'} | ${r.tokensProcessed} | ${r.seconds} | ${r.workerCpuSeconds ?? '-'} | ${outcome} |`);
  }
  return lines.join('\n');
}
