// `longproxy stats --setting ...`: the fleet fill from the command line (flags in harness/cli/commands/stats.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import { getSetting } from '../contract/settings/index.ts';
import type { ProxyCorpus, Setting } from '../contract/types.ts';
import type { Override } from '../contract/model-manifest.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { UserError } from '../errors.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { runEnv } from '../scoring/run-env.ts';
import { configProblems, modelRunFor } from '../scoring/setting-specs.ts';
import { configCheckError, settingOverrides } from '../scoring/stats-source.ts';
import { DEFAULT_CACHE_DIR } from '../tokenstats/cache.ts';
import { failureTable } from './failures.ts';
import { keptBytesOfTokenizer, type KeptBytes } from '../probes/kept.ts';
import { deriveForModels } from '../probes/load.ts';
import { getProbe } from '../probes/registry.ts';
import { fillSetting, type FillOptions, type FillReport, type FleetModelInput } from './fill.ts';
import { devicesFrom } from './devices.ts';
import { parseShard, shardName, type Shard } from './shard.ts';
import { readSettingFile } from './setting-file.ts';
import { defaultStageHooks, isSyntheticModel, type StageHooks } from './stages.ts';

/** Exit status of a fill in which some model failed (the others finished). */
export const EXIT_MODEL_FAILED = 1;

export function settingFromArg(arg: string): Setting {
  return arg.endsWith('.json') || existsSync(arg) ? readSettingFile(arg) : getSetting(arg);
}

/** The setting's models as fleet inputs: each resolves to its folder (or synthetic spec) when asked, looked up in
 *  `env` (default the process's: LONGPROXY_MODEL_DIR, the Hugging Face cache). */
export function fleetModels(setting: Setting, only?: readonly string[], overrides: readonly Override[] = [], env?: NodeJS.ProcessEnv): FleetModelInput[] {
  const ids = only ?? setting.models;
  const unknown = ids.filter((m) => !setting.models.includes(m));
  if (unknown.length) throw new UserError(`--models: ${unknown.join(', ')} not in setting ${setting.id} (${setting.models.join(', ')})`);
  return ids.map((id) => ({
    id,
    rope: modelRunFor(setting, id, overrides).rope,
    resolve: () => {
      const explicit = setting.modelDirs?.[id];
      return explicit && isSyntheticModel(explicit) ? explicit : resolveModelDir(id, { explicitDir: explicit, root: REPO_ROOT, env });
    },
  }));
}

/** The config check stage: the checkpoint's config.json against the setting's model manifest. */
export function fleetStages(setting: Setting, overrides: readonly Override[] = []): Partial<StageHooks> {
  return {
    configCheck(modelId, dir) {
      defaultStageHooks.configCheck(modelId, dir);
      if (isSyntheticModel(dir)) return;
      const problems = configProblems(setting, modelId, dir, overrides);
      if (problems.length) throw configCheckError(setting, problems);
    },
  };
}

export function reportLines(r: FillReport, label: string): string[] {
  const lines = [
    `stats: ${label}: ${r.computed} documents computed, ${r.cached} from the cache${r.otherShards ? `, ${r.otherShards} left to other shards` : ''}; ` +
      `${r.tokensProcessed} tokens processed in ${r.wallSeconds.toFixed(1)} s (${(r.tokensProcessed / Math.max(r.wallSeconds, 1e-9)).toFixed(0)} tokens/s); ` +
      `${r.workersStarted} worker process(es) started`,
  ];
  for (const d of r.devices) {
    lines.push(`stats:   [${d.device}] ${d.documents} documents, ${d.loads} model loads (${d.loadSeconds.toFixed(1)} s), ${d.forwardSeconds.toFixed(1)} s of forwards, ${d.tokensProcessed} tokens`);
  }
  if (r.failures.length) lines.push('', `stats: ${r.failures.length} model(s) failed (the others finished; re-run the same command to retry them):`, '', failureTable(r.failures));
  return lines;
}

export interface SettingFillRun {
  /** Only these models of the setting (default all). */
  only?: readonly string[];
  overrides?: readonly Override[];
  /** Where models are looked up (default the process's environment). */
  env?: NodeJS.ProcessEnv;
  cacheDir: string;
  engine: 'onnx' | 'torch';
  devices: readonly string[];
  dtype?: string;
  shard?: Shard;
  log?: (line: string) => void;
  /** A slot factory of the caller's (the rehearsal reuses one torch worker across its per-model fills). */
  makeSlot?: FillOptions['makeSlot'];
}

/** The fill of `longproxy stats --setting` (and of the rehearsal): every model through resolve, config check
 *  against the manifest, tokenizer, load and forward, going on past a model that fails; exit 1 when one did. */
export async function fillSettingRun(setting: Setting, corpus: ProxyCorpus, o: SettingFillRun): Promise<{ report: FillReport; exit: number }> {
  const overrides = o.overrides ?? [];
  const report = await fillSetting({
    models: fleetModels(setting, o.only, overrides, o.env),
    corpus,
    specFor: (id) => modelRunFor(setting, id, overrides).spec,
    stages: fleetStages(setting, overrides),
    cacheDir: o.cacheDir,
    engine: o.engine,
    devices: o.devices,
    dtype: o.dtype,
    shard: o.shard,
    log: o.log,
    makeSlot: o.makeSlot,
  });
  return { report, exit: report.failures.length ? EXIT_MODEL_FAILED : 0 };
}

/** The flags of `longproxy stats --setting` (harness/cli/commands/stats.ts parses them). */
export interface SettingFillFlags {
  setting: string;
  model?: string;
  corpus?: string;
  engine?: string;
  cache?: string;
  shard?: string;
  devices?: string;
  models?: string;
  dtype?: string;
  /** --override items, already checked against the setting's manifest (harness/cli/override-flag.ts). */
  override?: readonly string[];
}

/** Per model the bytes of each document it keeps (harness/probes/kept.ts), from the tokenizer the fill loads for
 *  it (every shard derives alike, before any statistics exist); undefined where the folder or tokenizer is not
 *  found: the fill then fails that model at the same stage, with its row in the failure table. */
export function keptBytesOfModels(setting: Setting, models: readonly FleetModelInput[], overrides: readonly Override[] = []): Map<string, KeptBytes | undefined> {
  const out = new Map<string, KeptBytes | undefined>();
  for (const m of models) {
    const { spec } = modelRunFor(setting, m.id, overrides);
    if (spec.maxTokens <= 0) {
      out.set(m.id, undefined); // nothing is cut
      continue;
    }
    try {
      const dir = m.resolve();
      out.set(m.id, keptBytesOfTokenizer(defaultStageHooks.tokenizerCheck(m.id, dir), spec.maxTokens));
    } catch {
      out.set(m.id, undefined);
    }
  }
  return out;
}

export async function runSettingFill(values: SettingFillFlags, usage: string, probes: readonly string[] = []): Promise<number> {
  if (values.model || values.corpus) throw new UserError(`--setting takes the models and corpus from the setting: drop --model/--corpus\n\n${usage}`);
  const setting = settingFromArg(values.setting);
  const env = runEnv();
  const engine = (values.engine ?? env.engine ?? setting.engine) as 'onnx' | 'torch';
  if (engine !== 'onnx' && engine !== 'torch') throw new UserError(`--engine ${engine}: unknown engine; use onnx or torch`);
  const cacheDir = path.resolve(REPO_ROOT, values.cache ?? env.cacheDir);
  if (engine !== setting.engine && cacheDir === path.resolve(REPO_ROOT, DEFAULT_CACHE_DIR)) {
    throw new UserError(`setting ${setting.id} is scored with the ${setting.engine} engine from the committed ${DEFAULT_CACHE_DIR}; put the ${engine} engine's statistics elsewhere: --cache DIR or LONGPROXY_CACHE_DIR`);
  }
  const shard = values.shard !== undefined ? parseShard(values.shard) : undefined;
  const devices = engine === 'onnx' && values.devices === undefined ? ['cpu'] : devicesFrom(values.devices);
  const corpusFile = path.resolve(REPO_ROOT, setting.corpusPath);
  if (!existsSync(corpusFile)) throw new UserError(`setting ${setting.id}: proxy corpus not found at ${corpusFile}`);
  const corpus = loadCorpus(corpusFile);
  const only = values.models ? values.models.split(',').map((m) => m.trim()) : undefined;
  const overrides = settingOverrides(setting, { ...env, overrides: [...new Set([...env.overrides, ...(values.override ?? [])])] });
  // The proxy corpus, then each probe's derived corpus (harness/probes/): the same models, spec and cache; a
  // model's derived corpus is cut to the bytes it keeps, so models whose tokenizers cut documents differently
  // get a fill each.
  const corpora: { label: string; corpus: ProxyCorpus; only?: readonly string[] }[] = [{ label: '', corpus, only }];
  if (probes.length) {
    const kept = keptBytesOfModels(setting, fleetModels(setting, only, overrides), overrides);
    for (const id of probes) {
      const { groups } = deriveForModels(getProbe(id), corpus, [...kept].map(([model, k]) => ({ model, kept: k })));
      for (const g of groups) {
        const which = groups.length > 1 ? ` (derived corpus ${g.derived.corpus.sha256.slice(0, 12)}: ${g.models.join(', ')})` : '';
        corpora.push({ label: `, probe ${id}${which}`, corpus: g.derived.corpus, only: g.models });
      }
    }
  }
  let exit = 0;
  for (const c of corpora) {
    const r = await fillSettingRun(setting, c.corpus, { only: c.only, overrides, cacheDir, engine, devices, dtype: values.dtype ?? env.torch.dtype, shard });
    console.log(reportLines(r.report, `setting ${setting.id}${c.label}${shard ? ` ${shardName(shard)}` : ''}, ${engine} engine, cache ${cacheDir}`).join('\n'));
    exit ||= r.exit;
  }
  return exit;
}
