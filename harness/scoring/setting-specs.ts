// The token-statistics spec and RoPE policy each model of a setting is scored with. Part of the cache key, so the
// same on every run: the setting's one spec (Setting.statsSpec), never derived from a model's config; with a model
// manifest, the model's RoPE policy and any recorded override (harness/contract/model-manifest.ts) are applied.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkModelConfig, modelSettings, type ConfigProblem, type Override } from '../contract/model-manifest.ts';
import type { Setting } from '../contract/types.ts';
import { ropeLabel, type RopePolicy } from '../engine/rope-policy.ts';
import { UserError } from '../errors.ts';
import type { StatsSpec } from '../tokenstats/types.ts';

export interface ModelRun {
  spec: StatsSpec;
  /** The RoPE policy the engine applies (as-config without a manifest). */
  rope: RopePolicy;
}

/** Spec and RoPE policy of one model of the setting. Config-free: a cached result is found without the weights. */
export function modelRunFor(setting: Setting, modelId: string, overrides: readonly Override[] = []): ModelRun {
  const base = setting.statsSpec;
  if (!setting.manifest) {
    if (overrides.length) throw new UserError(`setting ${setting.id} has no model manifest: overrides (${overrides.map((o) => o.model).join(', ')}) do not apply`);
    return { spec: { ...base, shortWindows: [...base.shortWindows] }, rope: { kind: 'as-config' } };
  }
  const entry = setting.manifest[modelId];
  if (!entry) throw new UserError(`setting ${setting.id}: model ${modelId} has no manifest entry (harness/contract/settings/)`);
  const run = modelSettings(entry, overrides);
  const contextLength = run.contextLength;
  const spec: StatsSpec = {
    contextLength,
    stride: contextLength === base.contextLength ? base.stride : Math.max(1, Math.floor(contextLength / 2)),
    maxTokens: base.maxTokens,
    shortWindows: base.shortWindows.filter((w) => w.size + w.step <= contextLength),
    addBos: entry.bos === 'none' ? false : base.addBos,
  };
  if (run.rope.kind !== 'as-config') spec.rope = ropeLabel(run.rope);
  if (run.recorded.length) spec.overrides = run.recorded;
  return { spec, rope: run.rope };
}

/** The statistics spec of one model of the setting (modelRunFor's spec). */
export function statsSpecFor(setting: Setting, modelId: string, overrides: readonly Override[] = []): StatsSpec {
  return modelRunFor(setting, modelId, overrides).spec;
}

/** config.json of a model folder, or a UserError naming the file and the fix. */
export function readModelConfig(modelDir: string): Record<string, unknown> {
  const file = path.join(modelDir, 'config.json');
  if (!existsSync(file)) throw new UserError(`${file}: config.json not found; the model folder must hold the repository's files`);
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not a valid config.json (${(err as Error).message}); restore it from the model's repository`);
  }
}

/** The manifest check of one model folder (the "config check" stage): [] without a manifest. */
export function configProblems(setting: Setting, modelId: string, modelDir: string, overrides: readonly Override[] = []): ConfigProblem[] {
  if (!setting.manifest) return [];
  return checkModelConfig(modelId, readModelConfig(modelDir), overrides, setting.manifest);
}
