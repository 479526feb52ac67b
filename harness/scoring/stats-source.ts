// Where a scoring suite gets a setting's token statistics: the token-statistics cache (results/cache), filled by
// the setting's engine when the model weights are present. Returns the exact reason when they cannot be had.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Setting } from '../contract/types.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { REPO_ROOT } from './pipeline.ts';

export type StatsOutcome = { ok: true; stats: ModelCorpusStats[] } | { ok: false; reason: string };

/** What must exist before statistics are even looked for (synchronous: decides skips at collection time). */
export function settingInputsReason(setting: Setting, root = REPO_ROOT): string | undefined {
  if (setting.models.length === 0) return `setting ${setting.id} lists no models (${setting.description})`;
  if (!existsSync(path.join(root, setting.downstreamPath))) {
    return `downstream file of setting ${setting.id} not found at ${setting.downstreamPath}`;
  }
  return undefined;
}

/** Loads the statistics of every model of the setting through the token-statistics module. */
export async function loadSettingStats(setting: Setting, root = REPO_ROOT): Promise<StatsOutcome> {
  const inputs = settingInputsReason(setting, root);
  if (inputs) return { ok: false, reason: inputs };
  // Wired to harness/tokenstats once its cache reader lands (getCorpusStats / readCachedCorpusStats).
  return { ok: false, reason: `token statistics of setting ${setting.id}: the token-statistics cache reader (harness/tokenstats) is not in this revision` };
}
