// A setting's own files (proxy corpus, downstream target) are checked before anything else: a file that is
// present but truncated, not UTF-8, or lists the wrong models is an error, never a skip. Only a file that is
// really absent lets a suite skip, and the skip names it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { loadCorpus } from './corpus.ts';
import { loadDownstream } from './downstream.ts';
import type { Setting } from './types.ts';

export interface SettingFiles {
  /** Files of the setting that are not there ("<what> not found at <path>"). */
  absent: string[];
}

/** Validates every present file of the setting; throws the UserError of the first bad one. */
export function checkSettingFiles(setting: Setting, root: string): SettingFiles {
  const absent: string[] = [];
  const corpus = path.join(root, setting.corpusPath);
  const downstream = path.join(root, setting.downstreamPath);
  if (existsSync(corpus)) loadCorpus(corpus);
  else absent.push(`proxy corpus not found at ${setting.corpusPath}`);
  if (existsSync(downstream)) loadDownstream(downstream, { expectedModels: setting.models });
  else absent.push(`downstream file not found at ${setting.downstreamPath}`);
  return { absent };
}

/** checkSettingFiles as a message: the problem of a bad file (prefixed by the setting), or undefined. */
export function settingFilesProblem(setting: Setting, root: string): string | undefined {
  try {
    checkSettingFiles(setting, root);
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return `setting ${setting.id}: ${err.message}`;
    throw err;
  }
}
