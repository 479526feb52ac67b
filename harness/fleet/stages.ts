// The checks a model passes before any forward, one function per stage of the failure table, so that each
// failure is named by the stage that found it. Each hook throws (a UserError naming the file, the field and the
// fix) or returns.
//
// PENDING: `configCheck` is where the `manifest` helper's checkModelConfig(modelId, config, overrides) plugs in
// (the locked setting's model manifest); until then it checks only that config.json is there and is JSON.
// `tokenizerCheck` loads the folder's tokenizer with harness/engine/tokenizer.ts (tokenizer.json; tokenizer.model
// once the `spm` helper's conversion is in). A run-time disagreement found by the worker is also a tokenizer
// failure (fill.ts, stageOfForwardError).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer } from '../engine/tokenizer.ts';
import { toyByteTokenizer, type SyncTokenizer } from '../engine/torch.ts';
import { UserError } from '../errors.ts';

/** "toy:..." and "random:..." models of the torch worker: no folder, byte tokenizer. */
export function isSyntheticModel(dir: string): boolean {
  return dir.startsWith('toy:') || dir.startsWith('random:');
}

export interface StageHooks {
  /** Config check: the checkpoint's config.json against what the setting expects of the model. */
  configCheck(modelId: string, dir: string): void;
  /** Tokenizer: the synchronous tokenizer the fill tokenizes with (loaded once per model). */
  tokenizerCheck(modelId: string, dir: string): SyncTokenizer;
}

export function readConfig(modelId: string, dir: string): Record<string, unknown> {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) throw new UserError(`model ${modelId}: ${file} not found; fix: the folder must hold the checkpoint's config.json (Hugging Face layout)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`model ${modelId}: ${file} is not valid JSON (${(err as Error).message}); fix: restore the file from the model's repository`);
  }
}

export const defaultStageHooks: StageHooks = {
  configCheck(modelId, dir) {
    if (isSyntheticModel(dir)) return;
    readConfig(modelId, dir);
  },
  tokenizerCheck(modelId, dir) {
    if (isSyntheticModel(dir)) return toyByteTokenizer;
    if (!['tokenizer.json', 'tokenizer.model'].some((f) => existsSync(path.join(dir, f)))) {
      throw new UserError(`model ${modelId}: ${dir} holds neither tokenizer.json nor tokenizer.model; fix: add the tokenizer files of the model's repository`);
    }
    return loadTokenizer(dir); // its own error names the file when it cannot
  },
};
