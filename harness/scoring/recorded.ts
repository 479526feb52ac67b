// The recorded files of a (setting, metric) under results/ and fixtures/golden/, and the check a plain run makes
// against them: its fresh submission and verifier output must equal the recorded ones byte for byte, or the
// results changed and must be re-recorded on purpose (docs/recording.md).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../util/paths.ts';
import { artifactPaths } from './pipeline.ts';
import { RECORD_ENV, RECORDED_RESULTS_DIR } from './run-env.ts';
import type { ScoringRecord } from './types.ts';

export const RECORD_COMMAND = `${RECORD_ENV}=1 npx vitest run metrics/`;

export const goldenPath = (setting: string, metric: string) => `fixtures/golden/metrics/${setting}/${metric}.json`;

export const recordedPaths = (setting: string, metric: string) => artifactPaths(setting, metric, RECORDED_RESULTS_DIR);

/** How this run's submission and verifier output differ from the recorded ones (empty: they are equal). */
export function differencesFromRecorded(record: ScoringRecord, root = REPO_ROOT): string[] {
  const recorded = recordedPaths(record.setting, record.metric);
  const problems: string[] = [];
  for (const kind of ['submission', 'verify'] as const) {
    const fresh = path.resolve(root, record.paths[kind]);
    const old = path.resolve(root, recorded[kind]);
    if (fresh === old) continue;
    if (!existsSync(old)) {
      problems.push(`${recorded[kind]} is not recorded; record it with \`${RECORD_COMMAND}\``);
      continue;
    }
    if (readFileSync(fresh, 'utf8') !== readFileSync(old, 'utf8')) {
      problems.push(
        `${record.paths[kind]} differs from the recorded ${recorded[kind]}: the results changed; if that is intended, ` +
          `record them with \`${RECORD_COMMAND}\` (diff the two files to see what changed)`,
      );
    }
  }
  return problems;
}
