// Output paths that must never destroy an input: `--out` is refused when it names (after resolving `..`,
// symlinks and hard links) one of the run's input files, or an existing folder.
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';

/** The absolute, symlink-free form of `file`, also when `file` does not exist yet (its folder is resolved). */
export function resolveReal(file: string): string {
  const abs = path.resolve(file);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(resolveReal(parent), path.basename(abs));
  }
}

function sameFile(a: string, b: string): boolean {
  if (resolveReal(a) === resolveReal(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Throws a UserError when `out` (given as `flag`) is an input of the run or an existing folder. */
export function checkOutPath(flag: string, out: string, inputs: ReadonlyArray<{ flag: string; path: string }>): void {
  for (const input of inputs) {
    if (existsSync(input.path) && sameFile(out, input.path)) {
      throw new UserError(
        `${flag} ${out}: is the same file as ${input.flag} ${input.path} (resolved ${resolveReal(out)}); ` +
          `writing there would destroy the input; choose another output path`,
      );
    }
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UserError(`${flag} ${out}: is a folder; give a file path, e.g. ${path.join(out, 'result.json')}`);
  }
}
