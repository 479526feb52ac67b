// Fault matrix, verify and the command line as a whole (docs/faults.md): each bad input through the real CLI,
// asserting the exit status, a message naming the file and the fix, every file of the case unchanged, and no
// temporary file left. (harness/verify/bad-input.test.ts runs the same inputs and more through both verifiers.)
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashes, leftovers, longproxy, longproxyAsync, REPO_ROOT, type CliRun } from './harness.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-faults-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const models = ['m-a', 'm-b', 'm-c', 'm-d', 'm-e'];
const down = JSON.stringify(Object.fromEntries(models.map((m, i) => [m, 10 + 7 * i])));
const good = JSON.stringify(Object.fromEntries(models.map((m, i) => [m, 0.5 * i])));

interface Case {
  name: string;
  submission: string | Buffer;
  downstream?: string;
  /** --out: a fresh file (default), an input, a symlink to the submission, an existing folder, or left out. */
  out?: 'submission' | 'downstream' | 'symlink' | 'folder' | 'none';
  status: number;
  /** Which path the message names. */
  names: 'submission' | 'downstream' | 'out' | 'none';
  message: RegExp;
}

const CASES: Case[] = [
  { name: 'truncated submission', submission: good.slice(0, 20), status: 1, names: 'submission', message: /not valid JSON: .*line 1 column \d+.*fix the JSON syntax/ },
  { name: 'NaN score', submission: good.replace('1.5', 'NaN'), status: 1, names: 'submission', message: /"m-d".*non-finite/ },
  { name: 'duplicate model', submission: `${good.slice(0, -1)}, "m-a": 3}`, status: 1, names: 'submission', message: /duplicate model or key "m-a".*keep one entry per key/ },
  { name: 'missing model', submission: JSON.stringify({ 'm-a': 1, 'm-b': 2, 'm-c': 3, 'm-d': 4 }), status: 1, names: 'submission', message: /missing models \["m-e"\].*must score exactly/ },
  { name: 'extra model', submission: `${good.slice(0, -1)}, "m-z": 3}`, status: 1, names: 'submission', message: /extra models \["m-z"\]/ },
  { name: 'UTF-8 BOM', submission: `\ufeff${good}`, status: 1, names: 'submission', message: /Unexpected UTF-8 BOM.*without a byte order mark/ },
  { name: 'Latin-1 bytes', submission: Buffer.from(good.replace('m-e', 'm-\u00e9'), 'latin1'), status: 1, names: 'submission', message: /not UTF-8 text \(byte \d+\); save it as UTF-8/ },
  { name: 'truncated downstream', submission: good, downstream: down.slice(0, 25), status: 1, names: 'downstream', message: /downstream file is not valid JSON/ },
  { name: '--out equal to --submission', submission: good, out: 'submission', status: 1, names: 'out', message: /same file as --submission.*choose another output path/ },
  { name: '--out equal to --downstream', submission: good, out: 'downstream', status: 1, names: 'out', message: /same file as --downstream/ },
  { name: '--out a symlink to the submission', submission: good, out: 'symlink', status: 1, names: 'out', message: /same file as --submission \S+ \(resolved / },
  { name: '--out an existing folder', submission: good, out: 'folder', status: 1, names: 'out', message: /is a folder; give a file path/ },
  { name: 'no --out (usage)', submission: good, out: 'none', status: 2, names: 'none', message: /--submission and --out are required/ },
];

function filesOf(i: number, c: Case) {
  const dir = path.join(tmp, `case-${i}`);
  const submission = path.join(dir, 'submission.json');
  const downstream = path.join(dir, 'downstream.json');
  const out = { submission, downstream, symlink: path.join(dir, 'link.json'), folder: path.join(dir, 'folder'), none: '' }[c.out ?? 'none'] || path.join(dir, 'result.json');
  return { dir, submission, downstream, out: c.out === 'none' ? undefined : out };
}

const runs: CliRun[] = [];
const before: Record<string, string>[] = [];
beforeAll(async () => {
  CASES.forEach((c, i) => {
    const f = filesOf(i, c);
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.submission, c.submission);
    writeFileSync(f.downstream, c.downstream ?? down);
    if (c.out === 'symlink') symlinkSync('submission.json', f.out!);
    if (c.out === 'folder') mkdirSync(f.out!);
    before[i] = hashes(f.dir);
  });
  // Two CLI processes at a time (the 2-core budget), all cases before the first assertion.
  const queue = CASES.map((c, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const f = filesOf(i, CASES[i]);
      runs[i] = await longproxyAsync(['verify', '--submission', f.submission, '--downstream', f.downstream, '--n-boot', '5', ...(f.out ? ['--out', f.out] : [])]);
    }
  };
  await Promise.all([worker(), worker()]);
}, 120_000);

describe('longproxy verify on bad input (real CLI)', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const f = filesOf(i, c);
    const r = runs[i];
    expect(r.status, r.stderr).toBe(c.status);
    expect(r.stderr).toMatch(c.message);
    if (c.names !== 'none') expect(r.stderr).toContain(`longproxy verify: ${c.names === 'out' ? `--out ${f.out}` : f[c.names]}`);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(hashes(f.dir)).toEqual(before[i]); // inputs untouched, no result written
    expect(leftovers(f.dir)).toEqual([]);
  });
});

describe('longproxy downstream --out that would destroy something', () => {
  it('a folder or the haystack itself is refused before any model runs, exit 1', async () => {
    const folder = path.join(tmp, 'downstream-out');
    mkdirSync(folder, { recursive: true });
    const haystack = path.join(REPO_ROOT, 'data/zoo_haystack.json');
    const before = hashes(haystack);
    const [dir, input] = await Promise.all([
      longproxyAsync(['downstream', '--setting', 'zoo', '--out', folder]),
      longproxyAsync(['downstream', '--setting', 'zoo', '--out', haystack]),
    ]);
    expect(dir.status, dir.stderr).toBe(1);
    expect(dir.stderr).toMatch(new RegExp(`--out ${folder}: is a folder; give a file path`));
    expect(input.status, input.stderr).toBe(1);
    expect(input.stderr).toMatch(/--out \S+zoo_haystack\.json: is the same file as the haystack/);
    expect(hashes(haystack)).toEqual(before);
    expect(leftovers(folder)).toEqual([]);
  });
});

describe('the command line as a whole', () => {
  it('--version prints the package version, exit 0', () => {
    const r = longproxy(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^longproxy \d+\.\d+\.\d+ \(node v\d+/);
  });
  it('list metrics|settings|engines prints the registries, exit 0', async () => {
    const [m, s, e] = await Promise.all(['metrics', 'settings', 'engines'].map((k) => longproxyAsync(['list', k])));
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/^ppl\s+lower-is-better/m);
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/^zoo\s+\d+ models\s+engine onnx/m);
    expect(s.stdout).toMatch(/^locked-no4k\s+17 models/m);
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/^onnx\s+version/m);
  });
  it('an unknown command, list kind or option is a usage error, exit 2', async () => {
    const [cmd, kind, flag] = await Promise.all([longproxyAsync(['bogus']), longproxyAsync(['list', 'models']), longproxyAsync(['report', '--bogus'])]);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command 'bogus'[\s\S]*commands:/);
    expect(kind.status).toBe(2);
    expect(kind.stderr).toMatch(/unknown list "models"; give one of metrics, settings, engines/);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: longproxy report/);
  });
});
