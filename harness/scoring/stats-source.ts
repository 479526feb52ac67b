// Where scoring gets a setting's token statistics: the token-statistics cache (results/cache, or
// LONGPROXY_CACHE_DIR), filled with the setting's engine (or LONGPROXY_ENGINE, run-env.ts) when a model's weights are
// on disk and its entries are missing. When neither is there, the exact reason (what was looked for, where) is
// returned for the skipped suites.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { loadCorpus } from '../contract/corpus.ts';
import type { ProxyCorpus, Setting } from '../contract/types.ts';
import type { Engine } from '../engine/types.ts';
import { resolveModelDir } from '../engine/resolve.ts';
import { getCorpusStats, readCachedCorpusStats } from '../tokenstats/cache.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { engineForSetting, runEnv, type RunEnv } from './run-env.ts';
import { statsSpecFor } from './setting-specs.ts';

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

type Loader = Pick<Engine, 'id' | 'version' | 'load'>;

/** The engine by id; the torch engine loads with LONGPROXY_TORCH_DEVICE / LONGPROXY_TORCH_DTYPE. */
async function engineFor(id: string, torch: RunEnv['torch']): Promise<Loader> {
  if (id === 'onnx') return (await import('../engine/onnx.ts')).onnxEngine;
  const { torchEngine } = await import('../engine/torch.ts');
  return { id: torchEngine.id, version: torchEngine.version, load: (ref) => torchEngine.load(ref, torch) };
}

/** Statistics of every model of the setting, from the cache, computing what is missing where weights exist. */
export async function loadSettingStats(setting: Setting, root = REPO_ROOT, env: RunEnv = runEnv()): Promise<StatsOutcome> {
  const inputs = settingInputsReason(setting, root);
  if (inputs) return { ok: false, reason: inputs };
  const engineId = engineForSetting(setting, env, root);
  const corpus: ProxyCorpus = loadCorpus(path.join(root, setting.corpusPath));
  const cacheDir = path.resolve(root, env.cacheDir);
  const stats: ModelCorpusStats[] = [];
  const unavailable: string[] = [];
  for (const model of setting.models) {
    const dir = modelDirOf(setting, model, root);
    const spec = statsSpecFor(setting, dir);
    // With LONGPROXY_ENGINE set, only that engine's statistics count as cached.
    const cached = readCachedCorpusStats({ modelId: model, corpus, spec, cacheDir, engineId: env.engine });
    if (cached) {
      stats.push(cached);
      continue;
    }
    if (!dir) {
      const where = setting.modelDirs?.[model] ?? `$LONGPROXY_MODEL_DIR/${model} or the Hugging Face cache`;
      unavailable.push(`${model} (weights not found at ${where}; no cached ${env.engine ?? ''}${env.engine ? ' ' : ''}statistics in ${env.cacheDir} for corpus ${setting.corpusPath} and spec context ${spec.contextLength})`);
      continue;
    }
    const engine = await engineFor(engineId, env.torch);
    // Several suites (Vitest workers) may want the same missing statistics: one fills, the others wait and read.
    stats.push(
      await withFillLock(cacheDir, model, () =>
        getCorpusStats({
          modelId: model,
          modelDir: dir,
          corpus,
          spec,
          cacheDir,
          engineId: engine.id,
          engineVersion: engine.version,
          model: () => engine.load({ id: model, dir }),
        }),
      ),
    );
  }
  if (unavailable.length) {
    return { ok: false, reason: `${setting.id}: token statistics unavailable for ${unavailable.length} of ${setting.models.length} models: ${unavailable.join('; ')}` };
  }
  return { ok: true, stats };
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
