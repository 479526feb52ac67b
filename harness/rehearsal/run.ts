// The locked rehearsal: the replicas of the 17 locked repositories (scripts/replicas/build_replicas.py), a rehearsal
// corpus and a synthetic downstream file (inputs.ts) go through the official path: resolve every model as a user's
// download would be found, compute the locked spec's token statistics with the torch engine, score every metric,
// write the 17-row submissions, verify each with the TypeScript verifier and the Python reference. Used by the CPU
// suite (locked-rehearsal.test.ts) and the GPU script (scripts/gpu/rehearsal_run.sh, through main.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { lockedNo4k } from '../contract/settings/locked-no4k.ts';
import type { ProxyCorpus, Setting, VerifyResult } from '../contract/types.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { torchEngine, type TorchLoadOptions } from '../engine/torch.ts';
import { workerPython } from '../engine/torch-worker.ts';
import type { Metric } from '../scoring/metric.ts';
import { scoreMetric } from '../scoring/pipeline.ts';
import { deriveCorpus } from '../probes/derive.ts';
import { probeCorpusStats } from '../probes/load.ts';
import { getProbe } from '../probes/registry.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { configProblems, modelRunFor } from '../scoring/setting-specs.ts';
import { ropeLabel } from '../engine/rope-policy.ts';
import { tokenizerJsonFor } from '../engine/sentencepiece-convert.ts';
import type { Override } from '../contract/model-manifest.ts';
import type { ScoringRecord } from '../scoring/types.ts';
import { getCorpusStats } from '../tokenstats/cache.ts';
import type { ModelCorpusStats, ProbeCorpusStats, StatsSpec } from '../tokenstats/types.ts';
import { compareVerifyOutputs } from '../verify/compare.ts';
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

export type Stage = 'resolve' | 'config check' | 'tokenizer' | 'load' | 'forward';

export interface FillRow {
  model: string;
  dir?: string;
  spec?: StatsSpec;
  /** The RoPE policy the engine applies (harness/engine/rope-policy.ts label), and what config.json declares. */
  ropePolicy: string;
  configRope: string;
  /** "tokenizer.json", or "built from tokenizer.model" (harness/engine/sentencepiece-convert.ts). */
  tokenizerSource: string;
  documents: number;
  /** Tokens of each document under the model's tokenizer (as scored, after the spec's cut). */
  docTokens: number[];
  tokensProcessed: number;
  seconds: number;
  /** CPU seconds of the torch worker process (user + system): on a loaded machine, what the wall-clock of an idle
   *  one would be; null where /proc is not readable. */
  workerCpuSeconds: number | null;
  failure?: { stage: Stage; message: string };
}

export interface FillOptions {
  env: NodeJS.ProcessEnv;
  /** Manifest overrides (as --override / LONGPROXY_OVERRIDE would give them). */
  overrides?: readonly Override[];
  cacheDir: string;
  torch: TorchLoadOptions;
  log?: (line: string) => void;
  /** Probes whose derived corpora are filled too (those the scored metrics declare, harness/probes/load.ts). */
  probes?: readonly string[];
}

/** utime + stime of a live process from /proc/<pid>/stat (Linux), in seconds. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(((Number(fields[11]) + Number(fields[12])) / 100).toFixed(2)); // clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

function ropePolicyOf(dir: string): string {
  const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, any>;
  const rs = cfg.rope_parameters ?? cfg.rope_scaling;
  if (!rs) return 'default';
  const kind = rs.rope_type ?? rs.type ?? 'default';
  return rs.factor ? `${kind} x${rs.factor}` : kind;
}

/** Token statistics of one model at the setting's spec; a failure is recorded with its stage, never thrown. */
export async function fillModel(setting: Setting, corpus: ProxyCorpus, model: string, o: FillOptions): Promise<{ row: FillRow; stats?: ModelCorpusStats }> {
  const row: FillRow = { model, ropePolicy: '?', configRope: '?', tokenizerSource: '?', documents: 0, docTokens: [], tokensProcessed: 0, seconds: 0, workerCpuSeconds: null };
  let stage: Stage = 'resolve';
  try {
    const dir = resolveModelDir(model, { env: o.env });
    row.dir = dir;
    row.configRope = ropePolicyOf(dir);
    stage = 'config check';
    const problems = configProblems(setting, model, dir, o.overrides);
    if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
    const { spec, rope } = modelRunFor(setting, model, o.overrides);
    row.spec = spec;
    row.ropePolicy = ropeLabel(rope);
    stage = 'tokenizer';
    // The folder's tokenizer.json, or one built from tokenizer.model outside the folder ($LONGPROXY_HOME/tokenizers,
    // as the engine itself finds it).
    row.tokenizerSource = tokenizerJsonFor(dir).source;
    stage = 'load';
    const t0 = performance.now();
    const stats = await getCorpusStats({
      modelId: model,
      modelDir: dir,
      corpus,
      spec,
      cacheDir: o.cacheDir,
      engineId: torchEngine.id,
      engineVersion: torchEngine.version,
      model: async () => {
        const m = await torchEngine.load({ id: model, dir }, { ...o.torch, rope });
        stage = 'forward';
        const dispose = m.dispose.bind(m);
        m.dispose = async () => {
          row.workerCpuSeconds = processCpuSeconds(m.pid);
          await dispose();
        };
        return m;
      },
    });
    // The probes' derived corpora through the same model, spec and cache (ModelCorpusStats.probes).
    if (o.probes?.length) {
      const probes: Record<string, ProbeCorpusStats> = {};
      for (const id of o.probes) {
        const derived = deriveCorpus(getProbe(id), corpus);
        const ps = await getCorpusStats({
          modelId: model,
          modelDir: dir,
          corpus: derived.corpus,
          spec,
          cacheDir: o.cacheDir,
          engineId: torchEngine.id,
          engineVersion: torchEngine.version,
          model: () => torchEngine.load({ id: model, dir }, { ...o.torch, rope }),
        });
        probes[id] = probeCorpusStats(derived, ps);
      }
      stats.probes = probes;
    }
    row.documents = stats.docs.length;
    row.docTokens = stats.docs.map((d) => d.n);
    row.tokensProcessed = stats.cost.tokensProcessed;
    row.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
    o.log?.(`[rehearsal] ${model}: ${row.docTokens.join('+')} tokens, ${row.tokensProcessed} through the model, ${row.seconds} s`);
    return { row, stats };
  } catch (err) {
    const message = (err as Error).message.split('\n').slice(0, 3).join(' ');
    row.failure = { stage, message };
    o.log?.(`[rehearsal] ${model}: FAILED at ${stage}: ${message}`);
    return { row };
  }
}

export interface ScoredMetric {
  record: ScoringRecord;
  /** Differences between the Python reference's output and the TypeScript verifier's ([] = the same). */
  referenceDiffs: string[];
  reference: VerifyResult;
}

/** Every metric scored on the filled statistics, each submission verified by both verifiers. */
export async function scoreAndVerify(setting: Setting, stats: readonly ModelCorpusStats[], metrics: readonly Metric<any>[], resultsDir: string, nBoot: number): Promise<ScoredMetric[]> {
  const downstream = loadDownstream(setting.downstreamPath, { expectedModels: setting.models });
  const records: ScoringRecord[] = [];
  for (const metric of metrics) {
    records.push(await scoreMetric(metric, setting, stats, { path: setting.downstreamPath, values: downstream.values }, { resultsDir, nBoot, root: REPO_ROOT }));
  }
  const refOut = (r: ScoringRecord) => r.paths.verify.replace(/\.json$/, '.python-reference.json');
  const runs = await runReferenceBatch(
    records.map((r) => ['--submission', r.paths.submission, '--metric-key', setting.metricKey, '--out', refOut(r), '--downstream', setting.downstreamPath, '--n-boot', String(nBoot)]),
  );
  return records.map((record, i) => {
    if (runs[i].code !== 0) throw new Error(`python reference verifier on ${record.paths.submission} exited ${runs[i].code}: ${runs[i].stderr}`);
    const reference = JSON.parse(readFileSync(refOut(record), 'utf8')) as VerifyResult;
    const ts = JSON.parse(readFileSync(record.paths.verify, 'utf8'));
    return { record, reference, referenceDiffs: compareVerifyOutputs(reference as any, ts) };
  });
}

export function loadRehearsalCorpus(inputs: RehearsalInputs): ProxyCorpus {
  return loadCorpus(inputs.corpusPath);
}

/** The rehearsal table (markdown): model, spec, RoPE policy, tokenizer source, tokens, seconds, outcome. */
export function rehearsalTable(rows: readonly FillRow[]): string {
  const spec = (s?: StatsSpec) => (s ? `${s.contextLength}; ${s.shortWindows.map((w) => `${w.size}/${w.step}`).join(', ')}` : '-');
  const lines = [
    '| model | spec (context; windows) | RoPE policy (config.json) | tokenizer source | document tokens | tokens through the model | seconds | worker CPU s | outcome |',
    '|---|---|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const outcome = r.failure ? `failed at ${r.failure.stage}: ${r.failure.message.slice(0, 160)}` : 'scored';
    lines.push(`| ${r.model} | ${spec(r.spec)} | ${r.ropePolicy} (${r.configRope}) | ${r.tokenizerSource} | ${r.docTokens.join(' + ') || '-'} | ${r.tokensProcessed} | ${r.seconds} | ${r.workerCpuSeconds ?? '-'} | ${outcome} |`);
  }
  return lines.join('\n');
}
