// Code revision of the working tree, for claim bundles: HEAD's commit and whether the run's inputs differ from it.
// Cleanliness is computed over the inputs only (code, lockfiles, data, fixtures, the statistics cache and the
// downstream target), never over what a run writes (results/submissions, verify, claims, floors, golden files,
// reports), so that a run cannot make its own revision dirty.
import { execFileSync } from 'node:child_process';

export interface CodeRevision {
  commit: string;
  /** True when tracked input files have uncommitted changes (untracked files are not counted). */
  dirty: boolean;
}

/** The tracked paths whose changes make a revision dirty (git pathspecs, relative to the repository root). */
export const REVISION_INPUTS: readonly string[] = [
  'harness',
  'metrics',
  'scripts',
  'bin',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'vitest.config.ts',
  'data',
  'fixtures',
  ':(exclude)fixtures/golden/metrics',
  'results/cache',
  'results/downstream',
];

export function codeRevision(cwd: string): CodeRevision {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    // Pathspecs are relative to cwd: the repository root (the scoring pipeline passes it).
    const status = git('status', '--porcelain', '--untracked-files=no', '--', ...REVISION_INPUTS);
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: true };
  }
}

/** True when `commit` is HEAD or one of its ancestors (a claim's commit that a rebase left behind is not). */
export function inHistory(commit: string, cwd: string): boolean {
  if (!/^[0-9a-f]{40}$/.test(commit)) return false;
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', commit, 'HEAD'], { cwd, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const revisionLabel = (r: CodeRevision) => (r.dirty ? `${r.commit}+dirty` : r.commit);
