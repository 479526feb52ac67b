// The store behind the settings registry: each setting file calls defineSetting once, so adding a setting is
// one file plus one import line in ./index.ts.
import { UserError } from '../../errors.ts';
import { isEngineId } from '../../engine/index.ts';
import { specProblems } from '../../tokenstats/plan.ts';
import type { Setting } from '../types.ts';

const settings = new Map<string, Setting>();

/** Registers a setting after checking it is whole: an engine of the registry, a valid spec, a manifest entry for
 *  every model when it has a manifest. A setting has no default for anything it leaves out. */
export function defineSetting(setting: Setting): Setting {
  if (settings.has(setting.id)) throw new Error(`setting "${setting.id}" is defined twice`);
  const problems = [
    ...(isEngineId(setting.engine) ? [] : [`engine ${setting.engine} is not in harness/engine/index.ts`]),
    ...(setting.statsSpec ? specProblems(setting.statsSpec) : ['statsSpec is missing']),
    ...(setting.manifest ? setting.models.filter((m) => !setting.manifest![m]).map((m) => `model ${m} has no manifest entry`) : []),
  ];
  if (problems.length) throw new Error(`setting "${setting.id}": ${problems.join('; ')}`);
  settings.set(setting.id, Object.freeze({ ...setting, models: Object.freeze([...setting.models]) }));
  return settings.get(setting.id)!;
}

export function listSettings(): readonly Setting[] {
  return [...settings.values()];
}

export function getSetting(id: string): Setting {
  const found = settings.get(id);
  if (!found) {
    throw new UserError(`unknown setting "${id}"; known settings: ${[...settings.keys()].join(', ')}`);
  }
  return found;
}
