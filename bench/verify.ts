// Benchmark: the Python reference verifier vs `longproxy verify` on the same 17-model input with 2000 bootstrap
// replicates (fixtures/golden/cases/n17-nboot2000-seed0). Both run as a user runs them (a fresh process each,
// interpreter start-up included); the TypeScript core is also timed in-process. Prints medians side by side.
//   npx tsx bench/verify.ts [--runs 3] [--n-boot 2000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verifySubmission } from '../harness/verify/verify-submission.ts';
import { pythonPath, pythonUnavailableReason, REFERENCE_SCRIPT } from '../harness/verify/python-reference.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'n-boot': { type: 'string', default: '2000' } } });
const runs = Number(values.runs);
const nBoot = Number(values['n-boot']);
const caseDir = path.join(REPO_ROOT, 'fixtures', 'golden', 'cases', 'n17-nboot2000-seed0');
const sub = path.join(caseDir, 'submission.json');
const down = path.join(caseDir, 'downstream.json');
const out = mkdtempSync(path.join(tmpdir(), 'longproxy-bench-'));
const flags = (o: string) => ['--submission', sub, '--downstream', down, '--metric-key', 'score', '--n-boot', String(nBoot), '--seed', '0', '--out', o];

function timeProcess(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return secs;
}
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows: Array<{ name: string; times: number[] }> = [];
const noPython = pythonUnavailableReason();
const progress = (name: string, i: number) => process.stderr.write(`\r${name}: run ${i + 1}/${runs} `);
if (noPython) {
  console.error(`Python reference not timed: ${noPython}`);
} else {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    progress('python reference', i);
    t.push(timeProcess(pythonPath(), [REFERENCE_SCRIPT, ...flags(path.join(out, `py-${i}.json`))]));
  }
  rows.push({ name: 'python scripts/verify_locked_no4k.py', times: t });
}
{
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    progress('longproxy verify', i);
    t.push(timeProcess(process.execPath, [path.join(REPO_ROOT, 'bin', 'longproxy.js'), 'verify', ...flags(path.join(out, `ts-${i}.json`))]));
  }
  rows.push({ name: 'npx longproxy verify (process)', times: t });
}
{
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    progress('verifySubmission in-process', i);
    const t0 = process.hrtime.bigint();
    await verifySubmission({ submissionPath: sub, downstreamPath: down, metricKey: 'score', nBoot, seed: 0 });
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  rows.push({ name: 'verifySubmission (in-process)', times: t });
}
process.stderr.write('\n');
rmSync(out, { recursive: true, force: true });

const ref = rows[0] ? median(rows[0].times) : NaN;
console.log(`verifier benchmark: 17 models, ${nBoot} bootstrap replicates, ${runs} runs each, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
console.log(`${'verifier'.padEnd(40)} ${'median s'.padStart(9)} ${'min s'.padStart(8)} ${'max s'.padStart(8)} ${'vs python'.padStart(10)}`);
for (const r of rows) {
  const m = median(r.times);
  console.log(
    `${r.name.padEnd(40)} ${m.toFixed(3).padStart(9)} ${Math.min(...r.times).toFixed(3).padStart(8)} ${Math.max(...r.times).toFixed(3).padStart(8)} ${(noPython ? 'n/a' : (m / ref).toFixed(3) + 'x').padStart(10)}`,
  );
}
