// The fleet fill on the CPU with the torch worker's toy models and the tiny Qwen2 fixture: two workers on two CPU
// "devices", and two concurrent shard processes into one cache, each give the cache a single worker gives (entries
// and manifest byte for byte; cost files differ only in their seconds); a shard killed mid-run and re-run completes
// it; a broken model is named in the failure table while the others finish, and a re-run computes only what is
// missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../contract/corpus.ts';
import { workerPython } from '../engine/torch-worker.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { statsSpecFor } from '../scoring/setting-specs.ts';
import { readCachedCorpusStats } from '../tokenstats/cache.ts';
import { fleetModels, settingFromArg } from './cli.ts';
import { fillSetting, type FillReport } from './fill.ts';

const py = workerPython();
const noTorch = spawnSync(py, ['-c', 'import torch, numpy']).status !== 0 ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON)` : '';
const TINY = path.join(REPO_ROOT, 'fixtures/models/tiny-qwen2');
const CLI = path.join(REPO_ROOT, 'bin/longproxy.js');

/** Every file of a cache except temporary files and shard manifests: relative path -> bytes (cost files: their
 *  tokensProcessed, as their wallSeconds differ from run to run). */
function snapshot(cache: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(cache, p);
      if (rel === 'tmp' || rel === 'manifest.d') continue;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.cost.json')) out.set(rel, `tokensProcessed=${JSON.parse(readFileSync(p, 'utf8')).tokensProcessed}`);
      else out.set(rel, readFileSync(p).toString('base64'));
    }
  };
  walk(cache);
  return out;
}

const bins = (snap: Map<string, string>): string[] => [...snap.keys()].filter((k) => k.endsWith('.bin')).sort();

function cli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, 'stats', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

function finish(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  let out = '';
  p.stdout!.on('data', (s) => (out += s));
  p.stderr!.on('data', (s) => (out += s));
  return new Promise((r) => p.on('exit', (code, signal) => r({ code, signal, out })));
}

describe.skipIf(noTorch)(`fleet fill${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  const base = mkdtempSync(path.join(tmpdir(), 'longproxy-fleet-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const words = 'budget audit agency report program cost federal review office data grant oversight'.split(' ');
  const docs = Array.from({ length: 4 }, (_, d) => ({
    id: `doc-${d}`,
    text: Array.from({ length: 20 + 20 * d }, (_, i) => words[(i * (d + 5) + d) % words.length]).join(' '),
  }));
  writeFileSync(path.join(base, 'corpus.json'), JSON.stringify(docs));
  const settingFile = path.join(base, 'setting.json');
  writeFileSync(
    settingFile,
    JSON.stringify({
      id: 'fleet-test',
      models: ['toy/a', 'toy/b', 'fixture/tiny-qwen2'],
      corpusPath: 'corpus.json',
      modelDirs: { 'toy/a': 'toy:1:4096', 'toy/b': 'toy:2:4096', 'fixture/tiny-qwen2': TINY },
      engine: 'torch',
    }),
  );
  const setting = settingFromArg(settingFile);
  const corpus = loadCorpus(setting.corpusPath);
  const quiet = () => undefined;
  const fill = (cacheDir: string, devices: string[], extra: Partial<Parameters<typeof fillSetting>[0]> = {}): Promise<FillReport> =>
    fillSetting({ models: fleetModels(setting), corpus, specFor: (id) => statsSpecFor(setting, id), cacheDir, engine: 'torch', devices, log: quiet, ...extra });

  const single = path.join(base, 'single');
  let reference: Map<string, string>;
  beforeAll(async () => {
    const r = await fill(single, ['cpu']);
    expect(r.failures).toEqual([]);
    expect(r.computed).toBe(12);
    // One worker served all three models.
    expect(r.workersStarted).toBe(1);
    expect(r.devices[0].loads).toBe(3);
    reference = snapshot(single);
    expect(bins(reference)).toHaveLength(12);
  });

  it('two workers on two CPU devices give the single-worker cache byte for byte', async () => {
    const two = path.join(base, 'two');
    const r = await fill(two, ['cpu', 'cpu']);
    expect(r.failures).toEqual([]);
    expect(r.workersStarted).toBe(2);
    expect(r.devices.map((d) => d.documents).every((n) => n > 0)).toBe(true);
    expect(r.devices.reduce((a, d) => a + d.documents, 0)).toBe(12);
    expect(snapshot(two)).toEqual(reference);
    expect(readFileSync(path.join(two, 'manifest.json'), 'utf8')).toBe(readFileSync(path.join(single, 'manifest.json'), 'utf8'));
  });

  let shard0Manifest = '';
  it('two concurrent shard processes 0/2 and 1/2 fill one cache as one process does', async () => {
    const shared = path.join(base, 'shared');
    const runs = await Promise.all([0, 1].map((k) => finish(cli(['--setting', settingFile, '--devices', 'cpu', '--shard', `${k}/2`, '--cache', shared]))));
    for (const r of runs) expect(r.code, r.out).toBe(0);
    const computed = runs.map((r) => Number(/(\d+) documents computed/.exec(r.out)![1]));
    expect(computed.every((n) => n > 0)).toBe(true);
    expect(computed[0] + computed[1]).toBe(12);
    // No manifest.json yet: the shard manifests, merged when read, already serve every model without weights.
    expect(existsSync(path.join(shared, 'manifest.json'))).toBe(false);
    expect(readdirSync(path.join(shared, 'manifest.d')).sort()).toEqual(['shard-0-of-2.json', 'shard-1-of-2.json']);
    for (const m of setting.models) {
      const dir = setting.modelDirs![m];
      const got = readCachedCorpusStats({ modelId: m, corpus, spec: statsSpecFor(setting, m), cacheDir: shared });
      expect(got?.docs.map((d) => d.docId), m).toEqual(docs.map((d) => d.id));
    }
    shard0Manifest = readFileSync(path.join(shared, 'manifest.d/shard-0-of-2.json'), 'utf8');
    // An unsharded run afterwards computes nothing and folds the shard manifests into manifest.json.
    const fold = await fill(shared, ['cpu']);
    expect(fold.computed).toBe(0);
    expect(fold.cached).toBe(12);
    expect(fold.workersStarted).toBe(0);
    expect(existsSync(path.join(shared, 'manifest.d/shard-0-of-2.json'))).toBe(false);
    expect(snapshot(shared)).toEqual(reference);
  });

  it('a shard killed mid-run (SIGKILL) and re-run alone completes its part', async () => {
    expect(shard0Manifest).not.toBe('');
    const killed = path.join(base, 'killed');
    // Half a second before each document (the worker's test hook): the kill lands before the shard's last one.
    const p = cli(['--setting', settingFile, '--devices', 'cpu', '--shard', '0/2', '--cache', killed], { LONGPROXY_WORKER_TEST_DELAY_S: '0.5' });
    const done = finish(p);
    let exited = false;
    void done.then(() => (exited = true));
    const entries = () => (existsSync(path.join(killed, 'entries')) ? bins(snapshot(killed)).length : 0);
    while (entries() === 0 && !exited) await new Promise((r) => setTimeout(r, 20));
    p.kill('SIGKILL');
    const first = await done;
    expect(first.signal, first.out).toBe('SIGKILL');
    const before = entries();
    const expected = (JSON.parse(shard0Manifest) as { models: Record<string, { sets: Record<string, { done: string[] }> }> }).models;
    const total = Object.values(expected).reduce((a, m) => a + Object.values(m.sets)[0].done.length, 0);
    expect(before).toBeLessThan(total); // killed before its end
    const rerun = await finish(cli(['--setting', settingFile, '--devices', 'cpu', '--shard', '0/2', '--cache', killed]));
    expect(rerun.code, rerun.out).toBe(0);
    expect(rerun.out).toContain(`${total - before} documents computed, ${before} from the cache`);
    expect(readFileSync(path.join(killed, 'manifest.d/shard-0-of-2.json'), 'utf8')).toBe(shard0Manifest);
    const got = snapshot(killed);
    expect(bins(got)).toHaveLength(total);
    for (const [k, v] of got) expect(v, k).toBe(reference.get(k));
  });

  it('names a broken model in the failure table while the others finish; a re-run computes only what is missing', async () => {
    const broken = path.join(base, 'broken-model');
    mkdirSync(broken);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(TINY, f), path.join(broken, f));
    writeFileSync(path.join(broken, 'model.safetensors'), 'not a safetensors file');
    const noTok = path.join(base, 'no-tokenizer');
    mkdirSync(noTok);
    copyFileSync(path.join(TINY, 'config.json'), path.join(noTok, 'config.json'));
    const file = path.join(base, 'setting-broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'fleet-broken',
        models: ['toy/a', 'org/broken', 'org/absent', 'org/no-tokenizer', 'toy/short'],
        corpusPath: 'corpus.json',
        modelDirs: { 'toy/a': 'toy:1:4096', 'org/broken': broken, 'org/no-tokenizer': noTok, 'toy/short': 'toy:3:4096' },
        engine: 'torch',
      }),
    );
    const s = settingFromArg(file);
    const cacheDir = path.join(base, 'broken-cache');
    const env = { ...process.env };
    process.env.LONGPROXY_MODEL_DIR = path.join(base, 'no-such-root');
    process.env.HF_HUB_CACHE = path.join(base, 'no-such-hub');
    try {
      const run = () => fillSetting({ models: fleetModels(s), corpus, specFor: (id) => statsSpecFor(s, id), cacheDir, engine: 'torch', devices: ['cpu'], log: quiet });
      const r = await run();
      expect(r.failures.map((f) => [f.model, f.stage])).toEqual([
        ['org/broken', 'load'],
        ['org/absent', 'resolve'],
        ['org/no-tokenizer', 'tokenizer'],
      ]);
      for (const f of r.failures) {
        expect(f.message.length, JSON.stringify(f)).toBeGreaterThan(10);
        expect(f.fix.length).toBeGreaterThan(10);
      }
      expect(r.failures[1].message).toContain('no-such-root');
      expect(r.finished).toEqual(['toy/a', 'toy/short']);
      expect(r.computed).toBe(8);
      // toy/a's entries are those of the full run, byte for byte.
      const got = snapshot(cacheDir);
      const common = bins(got).filter((k) => reference.has(k));
      expect(common).toHaveLength(4);
      for (const k of common) expect(got.get(k)).toBe(reference.get(k));
      const again = await run();
      expect(again.computed).toBe(0);
      expect(again.cached).toBe(8);
      expect(again.failures.map((f) => f.stage)).toEqual(['load', 'resolve', 'tokenizer']);
    } finally {
      process.env = env;
    }
  });
});
