// Where scoring gets a setting's token statistics: the token-statistics cache (results/cache, or
// LONGPROXY_CACHE_DIR), filled with the setting's engine (or LONGPROXY_ENGINE, run-env.ts) when a model's weights are
// on disk and its entries are missing. When neither is there, the exact reason (what was looked for, where) is
// returned for the skipped suites. A setting with a model manifest has every config on disk checked against it
// before any model loads (setting-specs.ts): a contradiction no override accepts stops the fill, naming them all.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import type { ProxyCorpus, Setting } from '../contract/types.ts';
import { parseOverrides, type ConfigProblem, type Override } from '../contract/model-manifest.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import type { ModelFailure } from '../fleet/failures.ts';
import { UserError } from '../errors.ts';
import { readCachedCorpusStats } from '../tokenstats/cache.ts';
import type { ModelCorpusStats, ProbeCorpusStats } from '../tokenstats/types.ts';
import { keptBytesOfStats } from '../probes/kept.ts';
import { deriveForModels, probeCorpusStats } from '../probes/load.ts';
import { getProbe } from '../probes/registry.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { engineForSetting, runEnv, type RunEnv } from './run-env.ts';
import { configProblems, modelRunFor } from './setting-specs.ts';

export type StatsOutcome = { ok: true; stats: ModelCorpusStats[] } | { ok: false; reason: string };

/** Missing inputs of a setting that are files (synchronous: decides skips early). */
export function settingInputsReason(setting: Setting, root = REPO_ROOT): string | undefined {
  const missing: string[] = [];
  if (setting.models.length === 0) missing.push(`setting ${setting.id} lists no models (${setting.description})`);
  if (!existsSync(path.join(root, setting.corpusPath))) missing.push(`proxy corpus not found at ${setting.corpusPath}`);
  if (!existsSync(path.join(root, setting.downstreamPath))) missing.push(`downstream file not found at ${setting.downstreamPath}`);
  return missing.length ? `${setting.id}: ${missing.join('; ')}` : undefined;
}

function modelDirOf(setting: Setting, model: string, root: string): string | undefined {
  try {
    return resolveModelDir(model, { explicitDir: setting.modelDirs?.[model], root });
  } catch {
    return undefined;
  }
}

/** The setting's overrides of LONGPROXY_OVERRIDE (none without a manifest: there is nothing to override). */
export function settingOverrides(setting: Setting, env: RunEnv): Override[] {
  if (env.overrides.length === 0) return [];
  if (!setting.manifest) throw new UserError(`LONGPROXY_OVERRIDE: setting ${setting.id} has no model manifest to override; unset it`);
  return parseOverrides(env.overrides, setting.manifest);
}

/** One UserError listing every config contradiction, each with its override flag. */
export function configCheckError(setting: Setting, problems: readonly ConfigProblem[]): UserError {
  return new UserError(
    `${setting.id}: ${problems.length} config contradiction(s) with the model manifest, found before any forward:\n` +
      problems.map((p) => `  - ${p.message}`).join('\n') +
      '\nOverrides go in LONGPROXY_OVERRIDE (comma separated) or --override; docs/locked-models.md lists what each records.',
  );
}

/** Statistics of every model of the setting, from the cache, computing what is missing where weights exist;
 *  with `probes`, each model's statistics of those probes' derived corpora too (ModelCorpusStats.probes), cached
 *  and filled the same way. A model's derived corpus is cut to the bytes its proxy statistics kept (maxTokens;
 *  harness/probes/kept.ts), so where documents are cut it is the model's own. */
export async function loadSettingStats(setting: Setting, root = REPO_ROOT, env: RunEnv = runEnv(), probes: readonly string[] = []): Promise<StatsOutcome> {
  const inputs = settingInputsReason(setting, root);
  if (inputs) return { ok: false, reason: inputs };
  const engineId = engineForSetting(setting, env, root);
  const corpus: ProxyCorpus = loadCorpus(path.join(root, setting.corpusPath));
  const cacheDir = path.resolve(root, env.cacheDir);
  const overrides = settingOverrides(setting, env);
  const dirs = new Map(setting.models.map((m) => [m, modelDirOf(setting, m, root)]));
  // Every config on disk against the manifest before any forward: no GPU time on a run that would be refused.
  const problems = setting.models.flatMap((m) => (dirs.get(m) ? configProblems(setting, m, dirs.get(m)!, overrides) : []));
  if (problems.length) throw configCheckError(setting, problems);

  /** Every model's statistics of its corpus (`corpusOf`), from the cache or filled, one fill per distinct corpus. */
  async function statsOf(corpusOf: (model: string) => ProxyCorpus, label: (model: string) => string, lockName: string): Promise<{ stats: ModelCorpusStats[]; unavailable: string[] }> {
    const toFill = new Map<string, string>();
    const filled = new Map<string, ModelCorpusStats>();
    const unavailable: string[] = [];
    for (const model of setting.models) {
      const dir = dirs.get(model);
      const { spec } = modelRunFor(setting, model, overrides);
      // With LONGPROXY_ENGINE set, only that engine's statistics count as cached.
      const c = corpusOf(model);
      const cached = readCachedCorpusStats({ modelId: model, corpus: c, spec, cacheDir, engineId: env.engine });
      if (cached) {
        filled.set(model, cached);
        continue;
      }
      if (!dir) {
        const where = setting.modelDirs?.[model] ?? `$LONGPROXY_MODEL_DIR/${model} or the Hugging Face cache`;
        unavailable.push(`${model} (weights not found at ${where}; no cached ${env.engine ?? ''}${env.engine ? ' ' : ''}statistics in ${env.cacheDir} for ${label(model)} and spec context ${spec.contextLength})`);
        continue;
      }
      toFill.set(model, dir);
    }
    if (toFill.size > 0) {
      // The fleet fill (harness/fleet/): one worker per device of LONGPROXY_DEVICES (else LONGPROXY_TORCH_DEVICE),
      // going on past a model that fails. Several suites (Vitest workers) may want the same missing statistics: one
      // fills, the others wait and then find them in the cache.
      const { fillSetting } = await import('../fleet/fill.ts');
      const { devicesFrom } = await import('../fleet/devices.ts');
      const { failureTable } = await import('../fleet/failures.ts');
      const byCorpus = new Map<string, { corpus: ProxyCorpus; models: [string, string][] }>();
      for (const [id, dir] of toFill) {
        const c = corpusOf(id);
        if (!byCorpus.has(c.sha256)) byCorpus.set(c.sha256, { corpus: c, models: [] });
        byCorpus.get(c.sha256)!.models.push([id, dir]);
      }
      const failures: ModelFailure[] = [];
      for (const g of byCorpus.values()) {
        const report = await withFillLock(cacheDir, lockName, () =>
          fillSetting({
            models: g.models.map(([id, dir]) => ({ id, resolve: () => dir, rope: modelRunFor(setting, id, overrides).rope })),
            corpus: g.corpus,
            specFor: (id) => modelRunFor(setting, id, overrides).spec,
            cacheDir,
            engine: engineId as 'onnx' | 'torch',
            devices: engineId === 'onnx' ? ['cpu'] : devicesFrom(undefined, { LONGPROXY_DEVICES: process.env.LONGPROXY_DEVICES, LONGPROXY_TORCH_DEVICE: env.torch.device }),
            dtype: env.torch.dtype,
          }),
        );
        failures.push(...report.failures);
        for (const [model] of g.models) {
          const got = readCachedCorpusStats({ modelId: model, corpus: g.corpus, spec: modelRunFor(setting, model, overrides).spec, cacheDir, engineId });
          if (got) filled.set(model, got);
        }
      }
      if (failures.length) unavailable.push(`filling failed for ${failures.length} model(s), the others finished:\n${failureTable(failures)}\n`);
    }
    return { stats: setting.models.filter((m) => filled.has(m)).map((m) => filled.get(m)!), unavailable }; // the setting's order
  }

  const base = await statsOf(() => corpus, () => `corpus ${setting.corpusPath}`, `setting-${setting.id}`);
  if (base.unavailable.length) {
    return { ok: false, reason: `${setting.id}: token statistics unavailable for ${base.unavailable.length} of ${setting.models.length} models: ${base.unavailable.join('; ')}` };
  }
  if (probes.length === 0) return { ok: true, stats: base.stats };
  const withProbes = base.stats.map((s) => ({ ...s, probes: {} as Record<string, ProbeCorpusStats> }));
  for (const id of probes) {
    const { byModel } = deriveForModels(getProbe(id), corpus, base.stats.map((s) => ({ model: s.model, kept: keptBytesOfStats(s) })));
    const corpusOf = (m: string): ProxyCorpus => byModel.get(m)!.corpus;
    const got = await statsOf(corpusOf, (m) => `probe ${id} (derived corpus ${corpusOf(m).sha256.slice(0, 12)})`, `setting-${setting.id}-probe-${id}`);
    if (got.unavailable.length) {
      return { ok: false, reason: `${setting.id}: statistics of probe ${id} unavailable for ${got.unavailable.length} of ${setting.models.length} models: ${got.unavailable.join('; ')}` };
    }
    got.stats.forEach((s, i) => (withProbes[i].probes[id] = probeCorpusStats(byModel.get(s.model)!, s)));
  }
  return { ok: true, stats: withProbes };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs fill() holding <cache>/tmp/fill-<model>.lock (O_EXCL); a lock whose process is gone is taken over. */
async function withFillLock<T>(cacheDir: string, model: string, fill: () => Promise<T>): Promise<T> {
  const dir = path.join(cacheDir, 'tmp');
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, `fill-${model.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fill(); // a waiter finds the entries written by the filler, so this reads the cache
  } finally {
    rmSync(lock, { force: true });
  }
}
