// The engine registry: every engine's id, version and loader in one place. Settings name an engine by id, the run
// environment checks LONGPROXY_ENGINE against it, the cache keys entries by its version without loading it, and
// every loader (scoring, `longproxy stats`, the downstream tasks) gets the engine from here. Engine modules are
// imported lazily: onnxruntime and the worker cost time that --help and cache reads should not pay.
// Adding an engine: its id in ids.ts, one entry in ENGINES here, and its module implementing Engine
// (harness/engine/types.ts).
import { UserError } from '../errors.ts';
import { ONNX_ENGINE_VERSION } from './onnx-version.ts';
import { ropeLabel, type RopePolicy } from './rope-policy.ts';
import { TORCH_ENGINE_VERSION } from './torch-version.ts';
import type { LanguageModel, ModelRef } from './types.ts';

import { ENGINE_IDS, isEngineId, type EngineId } from './ids.ts';

export { ENGINE_IDS, isEngineId, type EngineId };

/** Options every engine's loader takes. */
export interface EngineLoadOptions {
  /** "cpu", "cuda:0", ... (engine default when absent). */
  device?: string;
  /** The RoPE policy of the model (harness/contract/model-manifest.ts); absent = as its config says. */
  rope?: RopePolicy;
}

/** Options of each engine, by id (typed: a torch option given to the onnx engine does not compile). */
export interface EngineOptions {
  onnx: EngineLoadOptions;
  torch: EngineLoadOptions & {
    /** "bfloat16" | "float16" | "float32" (default bfloat16 on a GPU, float32 on the CPU). */
    dtype?: string;
    batchTokens?: number;
    chunk?: number;
    python?: string;
    onProgress?: (tokens: number, seconds: number) => void;
  };
}

export interface EngineEntry<Id extends EngineId = EngineId> {
  readonly id: Id;
  /** Bumped when the engine's numerics change: part of every cache key. */
  readonly version: string;
  readonly description: string;
  load(ref: ModelRef, options?: EngineOptions[Id]): Promise<LanguageModel>;
}

const onnx: EngineEntry<'onnx'> = {
  id: 'onnx',
  version: ONNX_ENGINE_VERSION,
  description: '@huggingface/transformers with onnxruntime-node, local files only, CPU (folders with onnx/model.onnx)',
  async load(ref, options = {}) {
    if (options.rope && options.rope.kind !== 'as-config') {
      throw new UserError(
        `model ${ref.id}: the onnx engine runs the RoPE baked into its export and cannot apply the policy ` +
          `${ropeLabel(options.rope)}; use the torch engine (LONGPROXY_ENGINE=torch or --engine torch)`,
      );
    }
    return (await import('./onnx.ts')).onnxEngine.load(ref, options.device ? { device: options.device } : undefined);
  },
};

const torch: EngineEntry<'torch'> = {
  id: 'torch',
  version: TORCH_ENGINE_VERSION,
  description: 'PyTorch (+ transformers, or the built-in decoder) in a Python worker; GPU or CPU',
  async load(ref, options = {}) {
    return (await import('./torch.ts')).torchEngine.load(ref, options);
  },
};

export const ENGINES: { readonly [Id in EngineId]: EngineEntry<Id> } = { onnx, torch };

/** The engine with this id; `where` names what gave the id (a flag, a variable) for the error. */
export function engineById(id: string, where = 'engine'): EngineEntry {
  if (!isEngineId(id)) throw new UserError(`${where} ${id}: unknown engine; use one of ${ENGINE_IDS.join(', ')}`);
  return ENGINES[id] as EngineEntry;
}

/** Engine versions by id, known without loading any engine (the cache's keys). */
export function engineVersion(id: string): string | undefined {
  return isEngineId(id) ? ENGINES[id].version : undefined;
}
