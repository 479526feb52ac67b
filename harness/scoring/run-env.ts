// Where a scoring run reads and writes, and which engine fills missing token statistics. Three kinds of run:
//   plain     (default) writes submissions/, verify/, claims/ under runs/latest/ (git-ignored) and compares
//             them with the recorded ones in results/: a plain test run changes no tracked file
//   record    (LONGPROXY_RECORD=1, `longproxy score`, `longproxy floors --update`) writes results/ itself
//   separate  (LONGPROXY_RESULTS_DIR elsewhere) another run of the same suites, e.g. the GPU-backed one, with its
//             reports under <dir>/reports; compared with results/ by `bench/compare_scoring_runs.ts`
//
//   LONGPROXY_RECORD        1: record into results/ (docs/recording.md)
//   LONGPROXY_CACHE_DIR     token-statistics cache (default results/cache)
//   LONGPROXY_RESULTS_DIR   where submissions/, verify/, claims/ (and, from Vitest, reports/) go
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
import { REPO_ROOT } from '../util/paths.ts';

/** The recorded results (tracked): written only by a record run. */
export const RECORDED_RESULTS_DIR = 'results';
/** Where a plain run writes (git-ignored). */
export const SCRATCH_RESULTS_DIR = 'runs/latest';
export const RECORD_ENV = 'LONGPROXY_RECORD';
const DTYPES = ['float32', 'bfloat16', 'float16'];

export type RunKind = 'plain' | 'record' | 'separate';

export interface RunEnv {
  kind: RunKind;
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
  const dir = env.LONGPROXY_RESULTS_DIR || undefined;
  const intoRecorded = dir !== undefined && path.resolve(REPO_ROOT, dir) === path.resolve(REPO_ROOT, RECORDED_RESULTS_DIR);
  const record = truthy(env[RECORD_ENV]);
  if (record && dir !== undefined && !intoRecorded) {
    throw new UserError(`${RECORD_ENV}=1 records into ${RECORDED_RESULTS_DIR}/, but LONGPROXY_RESULTS_DIR=${dir}; unset one of them`);
  }
  const kind: RunKind = record || intoRecorded ? 'record' : dir === undefined ? 'plain' : 'separate';
  const resultsDir = kind === 'record' ? RECORDED_RESULTS_DIR : (dir ?? SCRATCH_RESULTS_DIR);
  return {
    kind,
    cacheDir: env.LONGPROXY_CACHE_DIR || DEFAULT_CACHE_DIR,
    resultsDir,
    engine,
    torch: { device: env.LONGPROXY_TORCH_DEVICE || undefined, dtype },
    overrides: (env[OVERRIDE_ENV] ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v !== 'false';

/** The environment of an explicit record (the CLI's score and floors --update): results/ unless
 *  LONGPROXY_RESULTS_DIR names another folder. */
export function recordEnv(env: NodeJS.ProcessEnv = process.env): RunEnv {
  const e = runEnv(env);
  return e.kind === 'plain' ? { ...e, kind: 'record', resultsDir: RECORDED_RESULTS_DIR } : e;
}

const same = (a: string, b: string, root: string) => path.resolve(root, a) === path.resolve(root, b);

/** The engine that fills missing statistics of a setting; refuses an engine override that would write into the
 *  committed cache or that is not a separate run (LONGPROXY_RESULTS_DIR elsewhere). */
export function engineForSetting(setting: Setting, e: RunEnv, root: string): EngineId {
  if (!e.engine || e.engine === setting.engine) return setting.engine;
  const clash = [
    same(e.cacheDir, DEFAULT_CACHE_DIR, root) && `LONGPROXY_CACHE_DIR (now ${e.cacheDir})`,
    // Not a separate run: its submissions would be compared with (or written over) the recorded ones.
    e.kind !== 'separate' && `LONGPROXY_RESULTS_DIR (now ${e.resultsDir})`,
  ].filter(Boolean);
  if (clash.length) {
    throw new UserError(
      `LONGPROXY_ENGINE=${e.engine} differs from setting ${setting.id}'s engine (${setting.engine}), whose statistics and ` +
        `submissions are committed under ${RECORDED_RESULTS_DIR}/; set ${clash.join(' and ')} to another folder, e.g. ` +
        `LONGPROXY_CACHE_DIR=/tmp/run/cache LONGPROXY_RESULTS_DIR=/tmp/run/results`,
    );
  }
  return e.engine;
}

/** True for another run of the suites (LONGPROXY_RESULTS_DIR elsewhere): its submissions may differ from the
 *  recorded ones by design (other statistics), so the comparisons with results/ do not apply. */
export function separateResults(e: RunEnv): boolean {
  return e.kind === 'separate';
}
