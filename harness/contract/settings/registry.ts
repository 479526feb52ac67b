// The store behind the settings registry: each setting file calls defineSetting once, so adding a setting is
// one file plus one import line in ./index.ts.
import { UserError } from '../../errors.ts';
import type { Setting } from '../types.ts';

const settings = new Map<string, Setting>();

export function defineSetting(setting: Setting): Setting {
  if (settings.has(setting.id)) throw new Error(`setting "${setting.id}" is defined twice`);
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
