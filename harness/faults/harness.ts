// Shared set-up of the fault matrix (docs/faults.md): the real CLI as a user runs it (node bin/longproxy.js, a
// fresh process per call), hashes of the files a fault must not change, and the temporary files it must not leave.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { sha256 } from '../util/hash.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../util/paths.ts';

export { REPO_ROOT };
export const CLI = path.join(REPO_ROOT, 'bin/longproxy.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user run: no LONGPROXY_* of the test process leaks in (unless given). */
function cleanEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LONGPROXY_') && !k.startsWith('VITEST')));
  return { ...base, ...env };
}

export function longproxy(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO_ROOT, encoding: 'utf8', env: cleanEnv(opts.env), timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI and resolves on exit; `onStderr` may kill it (the child is passed). */
export function longproxyAsync(
  args: string[],
  opts: { env?: Record<string, string | undefined>; onStderr?: (all: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on('exit', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** sha256 of every file under each path (a file or a folder), keyed by path: compare before and after a fault. */
export function hashes(...paths: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) visit(path.join(p, f));
    } else {
      out[p] = sha256(readFileSync(p));
    }
  };
  paths.forEach(visit);
  return out;
}

/** Temporary files left under `dir`: anything named *.tmp, and anything in a tmp/ folder but a live lock. */
export function leftovers(dir: string): string[] {
  return Object.keys(hashes(dir))
    .map((f) => path.relative(dir, f))
    .filter((f) => f.endsWith('.tmp') || f.split(path.sep).includes('tmp'));
}

/** Cost files without their entry (a write that failed between the two). */
export function orphanCosts(cacheDir: string): string[] {
  return Object.keys(hashes(path.join(cacheDir, 'entries')))
    .filter((f) => f.endsWith('.cost.json') && !existsSync(`${f.slice(0, -'.cost.json'.length)}.bin`))
    .map((f) => path.relative(cacheDir, f));
}

/** Mounts a tmpfs of `size` (e.g. "4k") at `dir`; returns why it cannot (not root, no mount), or undefined. */
export function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs (run the suite as root, e.g. in CI)';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}); needs CAP_SYS_ADMIN`;
  }
}

export function remount(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'pipe' });
}

/** Whether this machine lets the suite mount a tmpfs (probed once, in a scratch folder). */
let probed: string | undefined | null = null;
export function tmpfsMissing(scratch: string): string | undefined {
  if (probed !== null) return probed;
  const dir = path.join(scratch, 'probe');
  probed = mountTmpfs(dir, '4k');
  if (probed === undefined) unmount(dir);
  return probed;
}
