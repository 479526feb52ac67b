// Which task set and haystack a setting's downstream run uses, and how its engine is obtained.
import type { Engine } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { ZOO_HAYSTACK_PATH, ZOO_TASK_CONFIG } from './config.ts';
import type { TaskConfig } from './types.ts';

export interface DownstreamSpec {
  config: TaskConfig;
  haystackPath: string;
}

const SPECS: Record<string, DownstreamSpec> = {
  zoo: { config: ZOO_TASK_CONFIG, haystackPath: ZOO_HAYSTACK_PATH },
};

export function downstreamSpec(settingId: string): DownstreamSpec {
  const spec = SPECS[settingId];
  if (!spec) {
    throw new UserError(
      `--setting ${settingId}: no downstream tasks are defined for this setting (its downstream file comes from ` +
        `elsewhere); downstream tasks exist for: ${Object.keys(SPECS).join(', ')}`,
    );
  }
  return spec;
}

/** The engine a setting names. Imported lazily: loading onnxruntime costs time that --help should not. */
export async function loadEngine(id: string): Promise<Engine> {
  if (id !== 'onnx') throw new UserError(`engine "${id}": the downstream tasks run on the onnx engine only; use --engine onnx`);
  return (await import('../engine/onnx.ts')).onnxEngine;
}
