// Fault matrix, `longproxy stats` (docs/faults.md): bad corpora and model folders, a full disk, a read-only
// cache, stale and held locks, a model id reused for another model, damaged entries. Each case runs the real CLI
// on the tiny fixture model and asserts the exit status, the message (file and fix), the hashes of the files that
// must not change, and that no temporary file is left. One small cache is computed once and copied per case.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxRuntimeInstalled, TINY_MODEL_DIR, tinyModelMissing } from '../engine/test-model.ts';
import { workerPython } from '../engine/torch-worker.ts';
import { buildReplicas } from '../rehearsal/run.ts';
import { hashes, leftovers, longproxy, longproxyAsync, mountTmpfs, orphanCosts, remount, REPO_ROOT, tmpfsMissing, unmount } from './harness.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-faults-stats-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) unmount(m);
  rmSync(tmp, { recursive: true, force: true });
});

// Two short documents of the committed fixture corpus, cut to 100 tokens: each run computes in well under a second.
const corpus = path.join(tmp, 'corpus.json');
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/corpus/govreport_small.json'), 'utf8')) as { id: string; text: string }[];
writeFileSync(corpus, JSON.stringify(fixture.slice(0, 2).map((d) => ({ id: d.id, text: d.text.slice(0, 1200) }))));
const SPEC = ['--context', '64', '--stride', '32', '--short-windows', '16/8', '--max-tokens', '100'];
const statsArgs = (cache: string, extra: string[] = [], model = TINY_MODEL_DIR) => ['stats', '--model', model, '--model-id', 'fixture/tiny', '--corpus', corpus, '--cache', cache, ...SPEC, ...extra];

let base: string | undefined;
/** The cache of one good run, made once; cases copy it. */
function baseCache(): string {
  if (base) return base;
  const dir = path.join(tmp, 'base');
  const r = longproxy(statsArgs(dir));
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/2 documents \(2 computed, 0 from cache\)/);
  base = dir;
  return dir;
}
const committedCache = path.join(REPO_ROOT, 'results/cache/manifest.json');

describe('longproxy stats refuses bad input before computing', () => {
  const cases: Array<[string, Buffer | string, RegExp]> = [
    ['a Latin-1 corpus', Buffer.from(JSON.stringify([{ id: 'a', text: 'caf\u00e9 au lait' }]), 'latin1'), /proxy corpus file is not UTF-8 text \(byte 22\); save it as UTF-8 JSON/],
    ['a corpus with a cut UTF-8 sequence', Buffer.concat([Buffer.from('[{"id": "a", "text": "x'), Buffer.from([0xe2, 0x82]), Buffer.from('"}]')]), /not UTF-8 text \(byte 23\)/],
    ['a corpus with a UTF-8 BOM', `\ufeff${JSON.stringify([{ id: 'a', text: 'x' }])}`, /Unexpected UTF-8 BOM.*without a byte order mark/],
    ['a truncated corpus', JSON.stringify([{ id: 'a', text: 'some text' }]).slice(0, 15), /proxy corpus file is not valid JSON: .*line 1 column \d+/],
  ];
  it.each(cases)('%s: exit 1, names the corpus, no cache written', (_name, bytes, message) => {
    const dir = mkdtempSync(path.join(tmp, 'corpus-'));
    const file = path.join(dir, 'corpus.json');
    writeFileSync(file, bytes);
    const cache = path.join(dir, 'cache');
    const before = hashes(dir);
    const r = longproxy(['stats', '--model', TINY_MODEL_DIR, '--corpus', file, '--cache', cache, ...SPEC]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`longproxy stats: ${file}: `);
    expect(r.stderr).toMatch(message);
    expect(hashes(dir)).toEqual(before);
    expect(existsSync(cache)).toBe(false);
  });

  it('--device cuda:0 with the onnx engine: exit 1, says the engine is CPU-only and what to use', () => {
    const cache = path.join(tmp, 'cuda-cache');
    const r = longproxy(statsArgs(cache, ['--device', 'cuda:0']));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--device cuda:0: the onnx engine runs on the CPU only; drop --device.*--engine torch/);
    expect(existsSync(cache)).toBe(false);
  });
});

const noModel = tinyModelMissing() ?? (onnxRuntimeInstalled() ? undefined : `onnxruntime-node is not installed under ${path.join(REPO_ROOT, 'node_modules')} (or is the GPU run's stub)`);
describe.skipIf(noModel !== undefined)(`longproxy stats faults on the tiny model${noModel ? ` (skipped: ${noModel})` : ''}`, () => {
  it('a truncated onnx/model.onnx: exit 1, names the file and the fix, no entry written', () => {
    const model = path.join(tmp, 'truncated-model');
    cpSync(TINY_MODEL_DIR, model, { recursive: true });
    truncateSync(path.join(model, 'onnx', 'model.onnx'), 4096);
    const before = hashes(model);
    const cache = path.join(tmp, 'truncated-cache');
    const r = longproxy(statsArgs(cache, [], model));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`longproxy stats: ${path.join(model, 'onnx', 'model.onnx')}: onnxruntime cannot load the model`);
    expect(r.stderr).toMatch(/truncated or not an ONNX model: copy or export it again \(its size is 4096 bytes\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(hashes(model)).toEqual(before);
    expect(existsSync(path.join(cache, 'manifest.json'))).toBe(false);
    expect(leftovers(cache)).toEqual([]);
  });

  it('without --cache writes to the user cache, never to the committed results/cache', () => {
    const home = path.join(tmp, 'home');
    const before = hashes(committedCache);
    const r = longproxy(['stats', '--model', TINY_MODEL_DIR, '--model-id', 'fixture/tiny', '--corpus', corpus, ...SPEC], { env: { HOME: home, XDG_CACHE_HOME: undefined } });
    expect(r.status, r.stderr).toBe(0);
    const user = path.join(home, '.cache', 'longproxy', 'stats');
    expect(r.stdout).toContain(`wrote ${path.join(user, 'entries')} and ${path.join(user, 'manifest.json')}`);
    expect(existsSync(path.join(user, 'manifest.json'))).toBe(true);
    expect(hashes(committedCache)).toEqual(before);
  });

  it('a truncated entry is reported and recomputed to the same bytes', () => {
    const cache = path.join(tmp, 'truncated-entry');
    cpSync(baseCache(), cache, { recursive: true });
    const before = hashes(cache);
    const victim = Object.keys(before).find((f) => f.endsWith('.bin'))!;
    truncateSync(victim, 100);
    const r = longproxy(statsArgs(cache));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bad entry for document \S+, recomputing: .*truncated/);
    expect(r.stdout).toMatch(/\(1 computed, 1 from cache\)/);
    const after = hashes(cache);
    for (const f of Object.keys(before).filter((k) => !k.endsWith('.cost.json'))) expect(after[f], f).toBe(before[f]);
    expect(leftovers(cache)).toEqual([]);
  });

  it('a lock left by a process that is gone is broken at once, with a message', () => {
    const cache = path.join(tmp, 'stale-lock');
    mkdirSync(path.join(cache, 'tmp'), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(cache, 'tmp', 'manifest.lock'), `${gone}\n`);
    const r = longproxy(statsArgs(cache));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${path.join(cache, 'tmp', 'manifest.lock')}: left by process ${gone}, which is gone; breaking it`);
    expect(leftovers(cache)).toEqual([]);
  });

  it('a lock held by a live process: says what it waits for, then goes on when it is released', async () => {
    const cache = path.join(tmp, 'held-lock');
    cpSync(baseCache(), cache, { recursive: true });
    rmSync(path.join(cache, 'manifest.json')); // all entries cached, the manifest to be written: takes the lock
    const lock = path.join(cache, 'tmp', 'manifest.lock');
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, `${process.pid}\n`); // held by this (live) test process
    const r = await longproxyAsync(statsArgs(cache), {
      onStderr: (all) => {
        if (all.includes('waiting for')) rmSync(lock, { force: true });
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`waiting for ${lock}, held by process ${process.pid}`);
    expect(r.stderr).toMatch(/if no longproxy process runs, delete the file/);
    expect(existsSync(path.join(cache, 'manifest.json'))).toBe(true);
    expect(leftovers(cache)).toEqual([]);
  }, 60_000);

  it('the same --model-id for another model folder is refused; the manifest keeps its record', () => {
    const cache = path.join(tmp, 'model-id');
    cpSync(baseCache(), cache, { recursive: true });
    const other = path.join(tmp, 'other-model');
    cpSync(TINY_MODEL_DIR, other, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(other, 'config.json'), 'utf8'));
    writeFileSync(path.join(other, 'config.json'), JSON.stringify({ ...config, note: 'another model' }));
    const before = hashes(cache);
    const r = longproxy(statsArgs(cache, [], other));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/manifest\.json: model id "fixture\/tiny" is recorded for another model folder .*than --model .*other-model.*pass another --model-id/);
    expect(hashes(cache)).toEqual(before);
    expect(leftovers(cache)).toEqual([]);
  });

  const noTmpfs = tmpfsMissing(tmp);
  describe.skipIf(noTmpfs !== undefined)(`on a small or read-only file system${noTmpfs ? ` (skipped: ${noTmpfs})` : ''}`, () => {
    it('a full disk (ENOSPC): exit 1 naming the path and the fix, no temporary or orphan file; a resume cleans up', () => {
      const cache = path.join(tmp, 'full');
      expect(mountTmpfs(cache, '4k')).toBeUndefined();
      mounts.push(cache);
      const r = longproxy(statsArgs(cache));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`longproxy stats: ${cache}/\\S+: ENOSPC during \\w+: no space left on the device; free space`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(leftovers(cache)).toEqual([]);
      expect(orphanCosts(cache)).toEqual([]);
      remount(cache, 'size=1m');
      const again = longproxy(statsArgs(cache));
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/2 documents \(\d computed/);
      expect(leftovers(cache)).toEqual([]);
      expect(orphanCosts(cache)).toEqual([]);
    });

    it('a read-only cache serves a complete set (no lock, no write) and refuses a miss with the fix', () => {
      const cache = path.join(tmp, 'readonly');
      expect(mountTmpfs(cache, '1m')).toBeUndefined();
      mounts.push(cache);
      cpSync(baseCache(), cache, { recursive: true });
      remount(cache, 'ro');
      const before = hashes(cache);
      const hit = longproxy(statsArgs(cache));
      expect(hit.status, hit.stderr).toBe(0);
      expect(hit.stdout).toMatch(/\(0 computed, 2 from cache\)/);
      expect(hashes(cache)).toEqual(before);
      const miss = longproxy(statsArgs(cache, ['--max-tokens', '90']));
      expect(miss.status).toBe(1);
      expect(miss.stderr).toMatch(new RegExp(`longproxy stats: ${cache}\\S*: EROFS during \\w+: the file system is read-only; write to another folder`));
      expect(hashes(cache)).toEqual(before);
    });
  });
});

// The torch engine on a checkpoint whose last weights file was cut short (a broken download): a replica built by
// scripts/replicas/build_replicas.py --plant-broken (hidden size 16, Mistral's layout: two shards).
const torchProbe = spawnSync(workerPython(), ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const torchMissing = torchProbe.status !== 0 ? `python3 with torch and numpy not found at ${workerPython()} (Debian: python3-torch)` : '';
describe.skipIf(torchMissing)(`longproxy stats --engine torch on a truncated safetensors file${torchMissing ? ` (skipped: ${torchMissing})` : ''}`, () => {
  it('exit 1, names the file, its size, what its header needs and the fix; no stack trace, nothing cached, the folder unchanged', () => {
    const model = 'mistralai/Mistral-7B-Instruct-v0.2';
    const built = buildReplicas(path.join(tmp, 'broken-replica'), { models: [model], plantBroken: model });
    const dir = path.join(built.root, built.replicas[0].model_dir);
    const cut = path.join(dir, built.replicas[0].planted[0].split(' ')[0]);
    const before = hashes(dir);
    const cache = path.join(tmp, 'broken-cache');
    const r = longproxy(['stats', '--model', dir, '--model-id', model, '--engine', 'torch', '--device', 'cpu', '--corpus', corpus, '--cache', cache, ...SPEC]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${cut}: truncated safetensors file (`);
    expect(r.stderr).toMatch(/its header says the tensors need \d+, \d+ more\); fix: download the file again from the model's repository/);
    expect(r.stderr).not.toMatch(/Traceback|\n\s+at |SafetensorError|cannot reshape/);
    expect(hashes(dir)).toEqual(before);
    expect(existsSync(path.join(cache, 'manifest.json'))).toBe(false);
    expect(leftovers(cache)).toEqual([]);
  }, 30_000);
});
