// --override MODEL:FIELD | MODEL:rope=KIND | MODEL:context=N (repeatable; a value may also list several, comma
// separated): overrides of a setting's model manifest given on the command line, next to LONGPROXY_OVERRIDE (kept
// for the Vitest suites). Checked here, before any work: a malformed one, or one for a setting without a manifest,
// is a usage error (exit 2) naming the flag and the fix. What an override records: docs/locked-models.md.
import { parseOverrides, OVERRIDE_FLAG } from '../contract/model-manifest.ts';
import type { Setting } from '../contract/types.ts';
import { UserError } from '../errors.ts';
import { UsageError } from './exit-codes.ts';

/** The option to add to a command's parseFlags options. */
export const OVERRIDE_OPTION = { override: { type: 'string', multiple: true } } as const;

/** The flag's items, each checked against the manifest of every setting they are for. */
export function overrideItems(raw: readonly string[] | undefined, settings: readonly Setting[], usage: string): string[] {
  const items = (raw ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return [];
  for (const s of settings) {
    if (!s.manifest) {
      throw new UsageError(`${OVERRIDE_FLAG}: setting ${s.id} has no model manifest to override; drop ${OVERRIDE_FLAG}, or select a setting that has one (--setting locked-no4k)\n\n${usage}`);
    }
    try {
      parseOverrides(items, s.manifest);
    } catch (err) {
      if (err instanceof UserError) throw new UsageError(`${err.message}\n\n${usage}`);
      throw err;
    }
  }
  return items;
}
