// Runs one Python probe script of this folder with a JSON batch on stdin and returns its JSON answer: one
// interpreter per test file keeps the cross-checks fast. The interpreter is /usr/bin/python3 (Debian's, with
// numpy and scikit-learn) unless LONGPROXY_PYTHON names another.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function probePython(): string {
  return process.env.LONGPROXY_PYTHON || '/usr/bin/python3';
}

/** undefined when the interpreter imports `modules`; otherwise the exact reason, for a skipped test's message. */
export function probeUnavailableReason(modules: string[]): string | undefined {
  const py = probePython();
  const r = spawnSync(py, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.error) return `python3 not found at ${py} (${(r.error as NodeJS.ErrnoException).code}); set LONGPROXY_PYTHON`;
  if (r.status !== 0) {
    return `python3 at ${py} cannot import ${modules.join(', ')} (${r.stderr.trim().split('\n').pop()}); install them (Debian: python3-numpy python3-scipy python3-sklearn)`;
  }
  return undefined;
}

/** Runs scripts/probes/<script> with `input` as JSON on stdin; throws with the probe's stderr on failure. */
export function runProbe<T>(script: string, input: unknown): T {
  const r = spawnSync(probePython(), [path.join(HERE, script)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`probe ${script} failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
