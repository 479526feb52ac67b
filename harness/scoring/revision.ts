// Code revision of the working tree, for claim bundles: HEAD's commit and whether tracked files differ from it.
import { execFileSync } from 'node:child_process';

export interface CodeRevision {
  commit: string;
  /** True when tracked files have uncommitted changes (untracked files are not counted). */
  dirty: boolean;
}

export function codeRevision(cwd = process.cwd()): CodeRevision {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: true };
  }
}

export const revisionLabel = (r: CodeRevision) => (r.dirty ? `${r.commit}+dirty` : r.commit);
