// The token-statistics spec each setting is scored with. Part of the cache key, so it must be the same on every
// run: it depends on the setting and, at most, on the model's config.json (its position limit).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Setting } from '../contract/types.ts';
import type { StatsSpec } from '../tokenstats/types.ts';

interface SettingSpecRule {
  /** Longest long-context forward; lowered to the model's max_position_embeddings when that is smaller. */
  contextLength: number;
  maxTokens: number;
  shortWindows: StatsSpec['shortWindows'];
}

/** locked-no4k: documents of at most 32k tokens read whole; LongPPL's 4096/1024 short window plus a 1024/256 one.
 *  zoo (and any other setting): 4k-token documents, windows 256/64 and 1024/256. No BOS (LongPPL runs without). */
const RULES: Record<string, SettingSpecRule> = {
  'locked-no4k': { contextLength: 32768, maxTokens: 32768, shortWindows: [{ size: 1024, step: 256 }, { size: 4096, step: 1024 }] },
};
const DEFAULT_RULE: SettingSpecRule = { contextLength: 4096, maxTokens: 4096, shortWindows: [{ size: 256, step: 64 }, { size: 1024, step: 256 }] };

export function configMaxPositions(modelDir: string | undefined): number | undefined {
  if (!modelDir) return undefined;
  const file = path.join(modelDir, 'config.json');
  if (!existsSync(file)) return undefined;
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const n = Number(config.max_position_embeddings ?? config.n_positions);
  return Number.isInteger(n) && n > 1 ? n : undefined;
}

export function statsSpecFor(setting: Setting, modelDir?: string): StatsSpec {
  const rule = RULES[setting.id] ?? DEFAULT_RULE;
  const limit = configMaxPositions(modelDir);
  const contextLength = limit !== undefined ? Math.min(rule.contextLength, limit) : rule.contextLength;
  return {
    contextLength,
    stride: Math.max(1, Math.floor(contextLength / 2)),
    maxTokens: rule.maxTokens,
    shortWindows: rule.shortWindows.filter((w) => w.size + w.step <= contextLength),
    addBos: false,
  };
}
