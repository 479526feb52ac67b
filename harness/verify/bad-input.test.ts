// Every bad input of issues 2 and 11 is refused by both verifiers: non-zero exit, a message naming the file and
// the problem, no output file, and every file of the case byte-identical afterwards (an --out that names an
// input must not replace it). The Python side runs in one batched interpreter.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { sha256 } from '../util/hash.ts';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../cli/main.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { pythonUnavailableReason, runReferenceBatch, type ReferenceRun } from './python-reference.ts';
import { REPO_ROOT } from '../util/paths.ts';

interface BadCase {
  name: string;
  /** Raw file contents; undefined = the file does not exist. */
  submission: string | Buffer | undefined;
  downstream: string | Buffer | undefined;
  /** Which file the message must name. */
  culprit: 'submission' | 'downstream' | 'out';
  /** --out names the submission, the downstream file, a symlink to the submission, or an existing folder. */
  out?: 'submission' | 'downstream' | 'symlink' | 'folder';
  problem: RegExp;
  downstreamName?: string;
  metricKey?: string;
}

const models = ['m-a', 'm-b', 'm-c', 'm-d', 'm-e'];
const down = JSON.stringify(Object.fromEntries(models.map((m, i) => [m, 10 + 7 * i])));
const obj = (entries: Array<[string, string]>) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
const good = models.map((m, i): [string, string] => [m, String(0.5 * i)]);
const withScore = (v: string) => obj(good.map(([m, s], i) => [m, i === 2 ? v : s]));

const CASES: BadCase[] = [
  { name: 'unreadable submission', submission: undefined, downstream: down, culprit: 'submission', problem: /cannot read/ },
  { name: 'submission not JSON', submission: '{"m-a": 1,\n "m-b": }', downstream: down, culprit: 'submission', problem: /not valid JSON.*line 2 column/ },
  { name: 'missing model', submission: obj(good.slice(0, 4)), downstream: down, culprit: 'submission', problem: /missing models.*m-e/ },
  { name: 'extra model', submission: obj([...good, ['m-z', '1']]), downstream: down, culprit: 'submission', problem: /extra models.*m-z/ },
  { name: 'duplicate model in rows', submission: JSON.stringify([...models, 'm-a'].map((model, i) => ({ model, score: i }))), downstream: down, culprit: 'submission', problem: /duplicate model "m-a"/ },
  { name: 'duplicate model key in object', submission: obj([...good, ['m-a', '9']]), downstream: down, culprit: 'submission', problem: /duplicate model or key "m-a"/ },
  { name: 'row without the metric key', submission: JSON.stringify(models.map((model, i) => (i === 3 ? { model, value: 1 } : { model, score: i }))), downstream: down, culprit: 'submission', problem: /row 3.*no metric key "score"/ },
  { name: 'rows with another metric key', submission: JSON.stringify(models.map((model, i) => ({ model, score: i }))), downstream: down, culprit: 'submission', problem: /no metric key "ppl"/, metricKey: 'ppl' },
  { name: 'string score', submission: withScore('"0.5"'), downstream: down, culprit: 'submission', problem: /"m-c".*not a number/ },
  { name: 'boolean score', submission: withScore('true'), downstream: down, culprit: 'submission', problem: /"m-c".*not a number/ },
  { name: 'null score', submission: withScore('null'), downstream: down, culprit: 'submission', problem: /"m-c".*not a number/ },
  { name: 'NaN literal', submission: withScore('NaN'), downstream: down, culprit: 'submission', problem: /"m-c".*non-finite/ },
  { name: 'Infinity literal', submission: withScore('Infinity'), downstream: down, culprit: 'submission', problem: /"m-c".*non-finite/ },
  { name: '-Infinity literal', submission: withScore('-Infinity'), downstream: down, culprit: 'submission', problem: /"m-c".*non-finite/ },
  { name: 'overflowing number', submission: withScore('1e400'), downstream: down, culprit: 'submission', problem: /"m-c".*non-finite/ },
  { name: 'submission neither object nor list', submission: '42', downstream: down, culprit: 'submission', problem: /must be a JSON object/ },
  { name: 'empty submission', submission: '{}', downstream: down, culprit: 'submission', problem: /no models/ },
  { name: 'unreadable downstream', submission: obj(good), downstream: undefined, culprit: 'downstream', problem: /cannot read/ },
  { name: 'downstream not JSON', submission: obj(good), downstream: '[{"model": "m-a"', culprit: 'downstream', problem: /not valid JSON/ },
  { name: 'downstream NaN', submission: obj(good), downstream: down.replace('24', 'NaN'), culprit: 'downstream', problem: /"m-c".*non-finite/ },
  { name: 'downstream nested without overall', submission: obj(good), downstream: JSON.stringify(Object.fromEntries(models.map((m) => [m, { ruler: 1 }]))), culprit: 'downstream', problem: /without "overall"/ },
  { name: 'downstream with two models', submission: obj(good.slice(0, 2)), downstream: '{"m-a": 1, "m-b": 2}', culprit: 'downstream', problem: /2 models; at least 3/ },
  // Issue 11: what Python's json refuses must be refused by both (a BOM), and bytes that are not UTF-8.
  { name: 'submission with a UTF-8 BOM', submission: `\ufeff${obj(good)}`, downstream: down, culprit: 'submission', problem: /Unexpected UTF-8 BOM.*without a byte order mark/ },
  { name: 'downstream with a UTF-8 BOM', submission: obj(good), downstream: `\ufeff${down}`, culprit: 'downstream', problem: /Unexpected UTF-8 BOM/ },
  { name: 'Latin-1 submission', submission: Buffer.from(obj([...good.slice(0, 4), ['m-\u00e9', '1']]), 'latin1'), downstream: down, culprit: 'submission', problem: /not UTF-8 text \(byte 48\).*save it as UTF-8/ },
  { name: 'cut UTF-8 sequence in downstream', submission: obj(good), downstream: Buffer.concat([Buffer.from(down.slice(0, -1)), Buffer.from([0xe2, 0x82]), Buffer.from('}')]), culprit: 'downstream', problem: /not UTF-8 text \(byte/ },
  { name: 'duplicate model key in downstream', submission: obj(good), downstream: `${down.slice(0, -1)}, "m-b": 3}`, culprit: 'downstream', problem: /duplicate model or key "m-b"/ },
  { name: 'duplicate key inside a row', submission: `[${models.map((m, i) => `{"model": "${m}", "score": ${i}${i === 1 ? ', "score": 7' : ''}}`).join(', ')}]`, downstream: down, culprit: 'submission', problem: /duplicate model or key "score"/ },
  { name: '--out equal to --submission', submission: obj(good), downstream: down, culprit: 'out', out: 'submission', problem: /same file as --submission.*choose another output path/ },
  { name: '--out equal to --downstream', submission: obj(good), downstream: down, culprit: 'out', out: 'downstream', problem: /same file as --downstream/ },
  { name: '--out a symlink to the submission', submission: obj(good), downstream: down, culprit: 'out', out: 'symlink', problem: /same file as --submission/ },
  { name: '--out an existing folder', submission: obj(good), downstream: down, culprit: 'out', out: 'folder', problem: /is a folder; give a file path/ },
  {
    // A stand-in under the official name in a temporary folder, with the wrong model set: must be refused.
    name: 'official downstream name without the 17 models',
    submission: obj(good),
    downstream: down,
    downstreamName: 'downstream_avg.ruler32_longbench_lt32k.no4k.json',
    culprit: 'downstream',
    problem: new RegExp(`exactly the 17 locked models.*missing.*${LOCKED_MODELS[0]}`),
  },
];

let dir: string;
const filesOf = (c: BadCase, i: number) => {
  const d = path.join(dir, `case-${i}`);
  const submission = path.join(d, 'submission.json');
  const downstream = path.join(d, c.downstreamName ?? 'downstream.json');
  const outOf = (own: string) =>
    c.out === 'submission' ? submission : c.out === 'downstream' ? downstream : c.out === 'symlink' ? path.join(d, 'link.json') : c.out === 'folder' ? path.join(d, 'folder') : own;
  return { dir: d, submission, downstream, outTs: outOf(path.join(d, 'out-ts.json')), outPy: outOf(path.join(d, 'out-py.json')) };
};
/** Every file of a case folder with its bytes' hash: the inputs must be the same after a refused run. */
const snapshot = (d: string) =>
  Object.fromEntries(
    readdirSync(d, { recursive: true, encoding: 'utf8' })
      .filter((f) => statSync(path.join(d, f)).isFile())
      .map((f) => [f, sha256(readFileSync(path.join(d, f)))]),
  );
const culpritOf = (c: BadCase, f: ReturnType<typeof filesOf>, out: string) => (c.culprit === 'submission' ? f.submission : c.culprit === 'downstream' ? f.downstream : out);
const before: Record<string, string>[] = [];
const argv = (c: BadCase, i: number, out: string) => {
  const f = filesOf(c, i);
  return ['--submission', f.submission, '--downstream', f.downstream, '--metric-key', c.metricKey ?? 'score', '--n-boot', '5', '--out', out];
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'longproxy-bad-input-'));
  CASES.forEach((c, i) => {
    const f = filesOf(c, i);
    mkdirSync(path.dirname(f.submission), { recursive: true });
    if (c.submission !== undefined) writeFileSync(f.submission, c.submission);
    if (c.downstream !== undefined) writeFileSync(f.downstream, c.downstream);
    if (c.out === 'symlink') symlinkSync('submission.json', f.outTs);
    if (c.out === 'folder') mkdirSync(f.outTs);
    before[i] = snapshot(f.dir);
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('longproxy verify refuses bad input', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const f = filesOf(c, i);
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    const logSpy = vi.spyOn(console, 'log').mockImplementation(() => {});
    let code: number;
    try {
      code = await main(['verify', ...argv(c, i, f.outTs)]);
    } finally {
      spy.mockRestore();
      logSpy.mockRestore();
    }
    const message = errors.join('\n');
    expect(code).not.toBe(0);
    expect(message).toContain(culpritOf(c, f, f.outTs));
    expect(message).toMatch(c.problem);
    if (!c.out) expect(existsSync(f.outTs)).toBe(false);
    expect(snapshot(f.dir)).toEqual(before[i]);
  });

  it('keeps an existing good output file when the input is bad', async () => {
    const i = CASES.findIndex((c) => c.name === 'NaN literal');
    const f = filesOf(CASES[i], i);
    writeFileSync(f.outTs, '{"kept": true}\n');
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main(['verify', ...argv(CASES[i], i, f.outTs)]);
    spy.mockRestore();
    expect(code).toBe(1);
    expect(existsSync(f.outTs) && (await import('node:fs')).readFileSync(f.outTs, 'utf8')).toBe('{"kept": true}\n');
    rmSync(f.outTs);
  });

  it('exits 1 from the real CLI process, message on stderr', () => {
    const i = CASES.findIndex((c) => c.name === 'missing model');
    const f = filesOf(CASES[i], i);
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'longproxy.js'), 'verify', ...argv(CASES[i], i, f.outTs)], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(f.submission);
    expect(r.stderr).toMatch(/missing models/);
    expect(existsSync(f.outTs)).toBe(false);
  });
});

const noPython = pythonUnavailableReason();
describe.skipIf(noPython !== undefined)(`the Python reference refuses the same inputs${noPython ? ` (skipped: ${noPython})` : ''}`, () => {
  let runs: ReferenceRun[];
  beforeAll(async () => {
    runs = await runReferenceBatch(CASES.map((c, i) => argv(c, i, filesOf(c, i).outPy)));
  });
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const f = filesOf(c, i);
    expect(runs[i].code).toBe(1);
    expect(runs[i].stderr).toContain(culpritOf(c, f, f.outPy));
    expect(runs[i].stderr).toMatch(c.problem);
    if (!c.out) expect(existsSync(f.outPy)).toBe(false);
    expect(snapshot(f.dir)).toEqual(before[i]);
  });
});
