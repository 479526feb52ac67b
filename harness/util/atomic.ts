// Atomic file writes: the data goes to a temporary file, then a rename puts it in place, so a reader (or a crash)
// sees the old file or the new one, never half of one; a failed write removes its temporary file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export interface AtomicOptions {
  /** Folder of the temporary file (same file system as the target); default: the target's folder. */
  tmpDir?: string;
}

function tempName(file: string, tmpDir: string): string {
  // Host, pid and random bytes: writers on several hosts may share one folder (a cluster's cache).
  return path.join(tmpDir, `.${path.basename(file)}.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicOptions = {}): void {
  writeFilesAtomic([[file, data]], opts);
}

/** Writes every file to a temporary name first and renames only once all are written: an error before the
 *  renames leaves every target untouched. */
export function writeFilesAtomic(files: readonly (readonly [string, string | Uint8Array])[], opts: AtomicOptions = {}): void {
  const staged: [string, string][] = [];
  try {
    for (const [file, data] of files) {
      const dir = path.dirname(path.resolve(file));
      mkdirSync(dir, { recursive: true });
      const tmpDir = opts.tmpDir ?? dir;
      mkdirSync(tmpDir, { recursive: true });
      const tmp = tempName(file, tmpDir);
      staged.push([tmp, file]);
      writeFileSync(tmp, data);
    }
    for (const [tmp, file] of staged) renameSync(tmp, file);
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw err;
  }
}
