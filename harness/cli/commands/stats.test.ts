// longproxy stats as real processes: kill in the middle and resume (same cache bytes as an uninterrupted run),
// a flipped byte reported and recomputed, bad input.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_MODEL_DIR, tinyModelMissing } from '../../engine/test-model.ts';
import { REPO_ROOT } from '../../util/paths.ts';
import { leftovers, orphanCosts } from '../../faults/harness.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-stats-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CLI = path.join(REPO_ROOT, 'bin/longproxy.js');
const CORPUS = path.join(REPO_ROOT, 'fixtures/corpus/govreport_small.json');
// Documents of up to 1200 tokens: each takes a few hundred ms, so the kill lands between documents.
const SPEC_ARGS = ['--context', '128', '--stride', '64', '--short-windows', '32/8', '--max-tokens', '1200'];

function args(cache: string): string[] {
  return [CLI, 'stats', '--model', TINY_MODEL_DIR, '--model-id', 'fixture/tiny', '--corpus', CORPUS, '--cache', cache, ...SPEC_ARGS];
}

function runCli(cache: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args(cache), { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, LONGPROXY_STATS_LOG: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of the cache except temporaries and the cost sidecars (wall time differs run to run), by path. */
function cacheBytes(cache: string): Map<string, Buffer> {
  const files = readdirSync(cache, { recursive: true, encoding: 'utf8' })
    .filter((f) => !f.startsWith('tmp') && !f.endsWith('.cost.json') && (f.endsWith('.bin') || f.endsWith('.json')))
    .sort();
  return new Map(files.map((f) => [f, readFileSync(path.join(cache, f))]));
}

const missing = tinyModelMissing();

/** The cache of one uninterrupted run, made once and shared by the tests below. */
let whole: string | undefined;
function wholeCache(): string {
  if (whole) return whole;
  const dir = path.join(tmp, 'whole');
  const r = runCli(dir);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/4 documents \(4 computed, 0 from cache\)/);
  expect(r.stdout).toContain(`wrote ${path.join(dir, 'entries')} and ${path.join(dir, 'manifest.json')}`);
  whole = dir;
  return dir;
}

describe.skipIf(missing !== undefined)(`longproxy stats on the tiny model${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('killed after its first document and started again, ends with the bytes of an uninterrupted run', async () => {
    const whole = wholeCache();

    const resumed = path.join(tmp, 'resumed');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args(resumed), { cwd: REPO_ROOT, env: { ...process.env, LONGPROXY_STATS_LOG: '1' } });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (/stats: 1\/4 \S+ computed/.test(err)) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed (exit ${code}): ${err}`))));
    });
    // Interrupted for real: no manifest yet, fewer entries than documents, and no partial file outside tmp/.
    expect(existsSync(path.join(resumed, 'manifest.json'))).toBe(false);
    const partial = cacheBytes(resumed);
    expect(partial.size).toBeGreaterThanOrEqual(1);
    expect(partial.size).toBeLessThan(4);
    for (const [f, bytes] of partial) expect(bytes.equals(cacheBytes(whole).get(f)!), f).toBe(true);

    const rest = runCli(resumed);
    expect(rest.status, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(new RegExp(`\\((${4 - partial.size}) computed, ${partial.size} from cache\\)`));
    const a = cacheBytes(whole);
    const b = cacheBytes(resumed);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
    // The resume removed what the killed run left in tmp/ (a half-written temporary, its lock), and every entry
    // has its cost file.
    expect(leftovers(resumed)).toEqual([]);
    expect(orphanCosts(resumed)).toEqual([]);
  });

  it('reports a flipped byte in an entry and recomputes that document only', () => {
    const cache = path.join(tmp, 'flip');
    cpSync(wholeCache(), cache, { recursive: true });
    const before = cacheBytes(cache);
    const victim = [...before.keys()].find((f) => f.endsWith('.bin'))!;
    const damaged = Buffer.from(before.get(victim)!);
    damaged[damaged.length >> 1] ^= 0x40;
    writeFileSync(path.join(cache, victim), damaged);
    const r = runCli(cache);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bad entry for document \S+, recomputing: .*checksum mismatch/);
    expect(r.stdout).toMatch(/\(1 computed, 3 from cache\)/);
    expect(readFileSync(path.join(cache, victim)).equals(before.get(victim)!)).toBe(true);
  });
});

describe('longproxy stats bad input', () => {
  // A folder with a config and a tokenizer but no ONNX weights.
  const dir = path.join(tmp, 'empty-model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), '{"max_position_embeddings": 64}');
  writeFileSync(path.join(dir, 'tokenizer.json'), '{}');

  it('names the missing model file and exits 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'stats', '--model', dir, '--corpus', CORPUS, '--cache', path.join(tmp, 'c0'), '--context', '32', '--stride', '16'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${dir}/onnx/model.onnx: onnx/model.onnx not found`);
    expect(existsSync(path.join(tmp, 'c0'))).toBe(false);
  });

  it('rejects a stride that leaves no context, naming the flag', () => {
    const r = spawnSync(process.execPath, [CLI, 'stats', '--model', dir, '--corpus', CORPUS, '--context', '64', '--stride', '64'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stride 64 must be an integer in \[1, 63\].*--stride/);
  });

  it('rejects a malformed --short-windows', () => {
    const r = spawnSync(process.execPath, [CLI, 'stats', '--model', dir, '--corpus', CORPUS, '--context', '64', '--short-windows', '32x8'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('"32x8" is not SIZE or SIZE/STEP');
  });
});
