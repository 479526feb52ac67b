// Runs the Python reference verifier (scripts/verify_locked_no4k.py) from tests and benchmarks: many
// invocations batched into one interpreter, each a call of the script's main(argv) with its stderr captured.
import { spawnSync, spawn } from 'node:child_process';
import path from 'node:path';

export const REFERENCE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'verify_locked_no4k.py');

export function pythonPath(): string {
  return process.env.LONGPROXY_PYTHON || '/usr/bin/python3';
}

/** undefined when the reference can run; otherwise the exact reason (for a skipped test's message). */
export function pythonUnavailableReason(): string | undefined {
  const py = pythonPath();
  const r = spawnSync(py, ['-c', 'import numpy, scipy, sklearn'], { encoding: 'utf8' });
  if (r.error) return `python3 not found at ${py} (${(r.error as NodeJS.ErrnoException).code}); set LONGPROXY_PYTHON or install python3-numpy python3-scipy python3-sklearn`;
  if (r.status !== 0) return `python3 at ${py} lacks numpy, scipy or scikit-learn (${r.stderr.trim().split('\n').pop()}); install python3-numpy python3-scipy python3-sklearn`;
  return undefined;
}

export interface ReferenceRun {
  code: number;
  stderr: string;
  stdout: string;
}

const DRIVER = `
import contextlib, importlib.util, io, json, sys
spec = importlib.util.spec_from_file_location("verify_locked_no4k", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
out = []
for argv in json.load(sys.stdin):
    err, so = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(so):
        try:
            code = mod.main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
    out.append({"code": code, "stderr": err.getvalue(), "stdout": so.getvalue()})
json.dump(out, sys.stdout)
`;
import { REPO_ROOT } from '../util/paths.ts';

/** Runs each argv (flags of the script) in one interpreter, from the repository root; keeps input order. */
export function runReferenceBatch(argvs: string[][], cwd = REPO_ROOT): Promise<ReferenceRun[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), ['-c', DRIVER, REFERENCE_SCRIPT], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python reference batch failed (exit ${code}): ${stderr}`));
      resolve(JSON.parse(stdout) as ReferenceRun[]);
    });
    child.stdin.end(JSON.stringify(argvs));
  });
}

/** Splits the batch over `workers` interpreters (the CI machine has 2 cores). */
export async function runReferenceParallel(argvs: string[][], workers = 2, cwd = REPO_ROOT): Promise<ReferenceRun[]> {
  const chunks: string[][][] = Array.from({ length: workers }, () => []);
  argvs.forEach((a, i) => chunks[i % workers].push(a));
  const results = await Promise.all(chunks.map((c) => (c.length ? runReferenceBatch(c, cwd) : Promise.resolve([]))));
  return argvs.map((_, i) => results[i % workers][Math.floor(i / workers)]);
}
