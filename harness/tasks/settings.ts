// Which task set and haystack a setting's downstream run uses (the setting's downstreamTasks), and its engine.
import { getSetting } from '../contract/settings/index.ts';
import type { DownstreamTasks } from '../contract/types.ts';
import { engineById, type EngineEntry } from '../engine/index.ts';
import { UserError } from '../errors.ts';

export type DownstreamSpec = DownstreamTasks;

export function downstreamSpec(settingId: string): DownstreamSpec {
  const setting = getSetting(settingId);
  if (!setting.downstreamTasks) {
    throw new UserError(
      `--setting ${settingId}: no downstream tasks are defined for this setting (its downstream file comes from ` +
        `elsewhere); add downstreamTasks to its file under harness/contract/settings/ to compute one here`,
    );
  }
  return setting.downstreamTasks;
}

/** The engine a setting names (the registry, harness/engine/index.ts). The tasks decode greedily and batch their
 *  forwards the way the onnx engine does: only it runs them. */
export async function loadEngine(id: string): Promise<EngineEntry> {
  if (id !== 'onnx') throw new UserError(`engine "${id}": the downstream tasks run on the onnx engine only; use --engine onnx`);
  return engineById(id);
}
