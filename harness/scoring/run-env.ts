// Where a scoring run reads and writes, and which engine fills missing token statistics: the committed CPU
// artifacts by default, or a separate place for another run of the same suites (the GPU-backed scoring run).
//
//   LONGPROXY_CACHE_DIR     token-statistics cache (default results/cache)
//   LONGPROXY_RESULTS_DIR   where submissions/, verify/, claims/ (and, from Vitest, reports/) go (default results)
//   LONGPROXY_ENGINE        onnx | torch: the engine that computes missing statistics, instead of the setting's;
//                           cached statistics of another engine are then not used
//   LONGPROXY_TORCH_DEVICE  torch engine device (default cuda:0 when torch sees a GPU, else cpu)
//   LONGPROXY_TORCH_DTYPE   torch engine dtype: float32 | bfloat16 | float16 (default bfloat16 on a GPU)
//   LONGPROXY_OVERRIDE      overrides of a setting's model manifest, comma separated: MODEL:FIELD, MODEL:rope=KIND,
//                           MODEL:context=N (harness/contract/model-manifest.ts); recorded in each spec and claim
// Relative folders are relative to the repository root. An engine other than the setting's needs both folders set
// elsewhere, so that a run can never overwrite the committed cache or the committed CPU submissions.
import path from 'node:path';
import { OVERRIDE_ENV } from '../contract/model-manifest.ts';
import type { Setting } from '../contract/types.ts';
import { ENGINE_IDS, isEngineId, type EngineId } from '../engine/index.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_CACHE_DIR } from '../tokenstats/cache.ts';

export const DEFAULT_RESULTS_DIR = 'results';
const DTYPES = ['float32', 'bfloat16', 'float16'];

export interface RunEnv {
  cacheDir: string;
  resultsDir: string;
  /** LONGPROXY_ENGINE, when set. */
  engine?: EngineId;
  torch: { device?: string; dtype?: string };
  /** LONGPROXY_OVERRIDE's items, parsed against a setting's manifest where used (stats-source.ts). */
  overrides: string[];
}

export function runEnv(env: NodeJS.ProcessEnv = process.env): RunEnv {
  const engine = env.LONGPROXY_ENGINE || undefined;
  if (engine !== undefined && !isEngineId(engine)) {
    throw new UserError(`LONGPROXY_ENGINE=${engine}: unknown engine; use one of ${ENGINE_IDS.join(', ')} (or unset it for the setting's own)`);
  }
  const dtype = env.LONGPROXY_TORCH_DTYPE || undefined;
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    throw new UserError(`LONGPROXY_TORCH_DTYPE=${dtype}: use one of ${DTYPES.join(', ')}`);
  }
  return {
    cacheDir: env.LONGPROXY_CACHE_DIR || DEFAULT_CACHE_DIR,
    resultsDir: env.LONGPROXY_RESULTS_DIR || DEFAULT_RESULTS_DIR,
    engine,
    torch: { device: env.LONGPROXY_TORCH_DEVICE || undefined, dtype },
    overrides: (env[OVERRIDE_ENV] ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

const same = (a: string, b: string, root: string) => path.resolve(root, a) === path.resolve(root, b);

/** The engine that fills missing statistics of a setting; refuses an engine override that would write into the
 *  committed cache or results. */
export function engineForSetting(setting: Setting, e: RunEnv, root: string): EngineId {
  if (!e.engine || e.engine === setting.engine) return setting.engine;
  const clash = [
    same(e.cacheDir, DEFAULT_CACHE_DIR, root) && `LONGPROXY_CACHE_DIR (now ${e.cacheDir})`,
    same(e.resultsDir, DEFAULT_RESULTS_DIR, root) && `LONGPROXY_RESULTS_DIR (now ${e.resultsDir})`,
  ].filter(Boolean);
  if (clash.length) {
    throw new UserError(
      `LONGPROXY_ENGINE=${e.engine} differs from setting ${setting.id}'s engine (${setting.engine}), whose statistics and ` +
        `submissions are committed under ${DEFAULT_RESULTS_DIR}/; set ${clash.join(' and ')} to another folder, e.g. ` +
        `LONGPROXY_CACHE_DIR=/tmp/run/cache LONGPROXY_RESULTS_DIR=/tmp/run/results`,
    );
  }
  return e.engine;
}

/** True when this run writes somewhere other than the committed results/ folder. */
export function separateResults(e: RunEnv, root: string): boolean {
  return !same(e.resultsDir, DEFAULT_RESULTS_DIR, root);
}
