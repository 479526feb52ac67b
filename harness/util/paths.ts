// The repository root: the one anchor every repository-relative path (settings, results/, fixtures/) resolves
// against, whichever folder the process was started from.
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A repository-relative path made absolute (absolute paths pass through unchanged). */
export const fromRoot = (...parts: string[]): string => path.resolve(REPO_ROOT, ...parts);
