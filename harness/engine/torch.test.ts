// The torch engine on this machine: torch 1.13 (CPU) without transformers, so these tests drive the worker's
// built-in toy model ("toy:SEED:MAXPOS") through the real pipe, and check errors that need no checkpoint.
// Parity with the ONNX engine on real checkpoints needs transformers: torch-parity.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { TorchOutOfMemoryError, torchEngine, type TorchModel } from './torch.ts';
import { WorkerDiedError, workerPython } from './torch-worker.ts';
import type { PlannedForward } from './types.ts';
import { planForwards } from '../tokenstats/plan.ts';

const py = workerPython();
const probe = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const noTorch = probe.status !== 0 ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON)` : '';

/** LongPPL-shaped plan: the long pass and windows reading [s, s+size+step) that score their last `step` tokens. */
function plan(n: number, size: number, step: number): PlannedForward[] {
  const out: PlannedForward[] = [{ start: 0, end: n, scoreFrom: 1, field: 'long' }];
  for (let s = 0; s + size < n; s += step) {
    out.push({ start: s, end: Math.min(n, s + size + step), scoreFrom: s + size, field: `${size}/${step}` });
  }
  return out;
}

function randomIds(n: number, seed: number): Int32Array {
  let x = seed;
  return Int32Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 3 + (x % 256);
  });
}

describe.skipIf(noTorch)(`torch engine with the toy model${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  const opened: TorchModel[] = [];
  const load = async (dir = 'toy:7:128') => {
    const m = await torchEngine.load({ id: 'test/toy', dir }, { device: 'cpu', batchTokens: 512, chunk: 16 });
    opened.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of opened) await m.dispose();
  });

  it('loads and reports the model', async () => {
    const m = await load();
    expect(m.engine).toBe('torch');
    expect(m.device).toBe('cpu');
    expect(m.maxPositions).toBe(128);
    expect(m.bosTokenId).toBe(1);
    expect(m.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await load('toy:8:128')).fingerprint).not.toBe(m.fingerprint);
  });

  it('runPlan (batched, chunked) equals a loop of single forwards, as the ONNX engine computes it', async () => {
    const m = await load();
    const n = 100;
    const ids = randomIds(n, 3);
    const p = plan(n, 32, 8);
    const out = await m.runPlan(ids, p, false);
    expect(Object.keys(out.logprob).sort()).toEqual(['32/8', 'long']);
    for (const f of p) {
      const r = await m.forward(ids.subarray(f.start, f.end), f.scoreFrom - f.start);
      for (let i = f.scoreFrom; i < f.end; i++) {
        expect(Math.abs(out.logprob[f.field][i] - r.logprob[i - f.scoreFrom])).toBeLessThan(1e-5);
        if (f.field === 'long') {
          expect(Math.abs(out.entropy[i] - r.entropy[i - f.scoreFrom])).toBeLessThan(1e-5);
          expect(out.top1[i]).toBe(r.top1[i - f.scoreFrom]);
        }
      }
    }
    expect(Number.isNaN(out.logprob.long[0])).toBe(true);
    expect(out.logprob['32/8'].subarray(0, 32).every(Number.isNaN)).toBe(true);
    expect(out.logprob['32/8'].subarray(32).some(Number.isNaN)).toBe(false);
    // the first window [0, 40) is a prefix of the long pass: answered from it, not run again
    expect(out.tokensProcessed).toBe(p.slice(2).reduce((a, f) => a + f.end - f.start, 100));
    // each log-probability is a log of a probability; entropy is within [0, ln V]
    for (let i = 1; i < n; i++) {
      expect(out.logprob.long[i]).toBeLessThanOrEqual(0);
      expect(out.entropy[i]).toBeGreaterThanOrEqual(0);
      expect(out.entropy[i]).toBeLessThanOrEqual(Math.log(259) + 1e-4);
    }
  });

  it('executes planForwards plans (sliding long windows + short windows) as a loop of single forwards would', async () => {
    const m = await load();
    const n = 150;
    const ids = randomIds(n, 9);
    const p = planForwards(n, { contextLength: 64, stride: 24, maxTokens: 0, shortWindows: [{ size: 16, step: 8 }], addBos: false });
    expect(p.filter((f) => f.field === 'long').length).toBeGreaterThan(1);
    const out = await m.runPlan(ids, p, false);
    const want: Record<string, Float32Array> = { long: new Float32Array(n).fill(NaN), '16/8': new Float32Array(n).fill(NaN) };
    const ent = new Float32Array(n).fill(NaN);
    for (const f of p) {
      const r = await m.forward(ids.subarray(f.start, f.end), f.scoreFrom - f.start);
      want[f.field].set(r.logprob, f.scoreFrom);
      if (f.field === 'long') ent.set(r.entropy, f.scoreFrom);
    }
    for (const k of ['long', '16/8']) {
      for (let i = 0; i < n; i++) {
        expect(Number.isNaN(out.logprob[k][i])).toBe(Number.isNaN(want[k][i]));
        if (!Number.isNaN(want[k][i])) expect(Math.abs(out.logprob[k][i] - want[k][i])).toBeLessThan(1e-5);
      }
    }
    for (let i = 1; i < n; i++) expect(Math.abs(out.entropy[i] - ent[i])).toBeLessThan(1e-5);
  });

  it('is deterministic: the same plan twice gives bit-identical arrays', async () => {
    const m = await load();
    const ids = randomIds(90, 5);
    const a = await m.runPlan(ids, plan(90, 16, 16), true);
    const b = await m.runPlan(ids, plan(90, 16, 16), true);
    expect(Buffer.from(a.logprob.long.buffer)).toEqual(Buffer.from(b.logprob.long.buffer));
    expect(Buffer.from(a.logprob['16/16'].buffer)).toEqual(Buffer.from(b.logprob['16/16'].buffer));
  });

  it('tokenizes with UTF-8 byte spans, the same in the worker and in TypeScript', async () => {
    const m = await load();
    const text = 'naïve — 数据 ok';
    const a = m.tokenize(text);
    const b = await m.tokenizeAsync(text);
    expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
    expect(Array.from(b.byteStart)).toEqual(Array.from(a.byteStart));
    expect(a.byteEnd[a.byteEnd.length - 1]).toBe(Buffer.byteLength(text));
    expect(m.decode(a.ids)).toBe(text);
    expect(await m.decodeAsync(a.ids)).toBe(text);
    const g = await m.generateGreedy(a.ids.subarray(0, 5), 4);
    expect(g.length).toBeGreaterThan(0);
    expect(g.length).toBeLessThanOrEqual(4);
  });

  it('rejects a bad plan with the worker message, and stays usable', async () => {
    const m = await load();
    await expect(m.runPlan(randomIds(10, 1), [{ start: 0, end: 11, scoreFrom: 1, field: 'long' }], false))
      .rejects.toThrow(/plan\[0\].*not a valid forward over 10 tokens/);
    expect((await m.forward(randomIds(10, 1), 1)).logprob.length).toBe(9);
  });

  it('out of GPU memory: batches are split and retried, then a clear error names what to lower', async () => {
    const ok = await load('toy:7:128');
    const tight = await load('toy:7:128:oom=48'); // any forward over more than 48 tokens "runs out of memory"
    const ids = randomIds(100, 4);
    const windows = plan(100, 32, 8).slice(2); // 40-token windows: batched 12 at a time, each fits alone
    const a = await tight.runPlan(ids, windows, false);
    const b = await ok.runPlan(ids, windows, false);
    for (let i = 0; i < 100; i++) {
      const [x, y] = [a.logprob['32/8'][i], b.logprob['32/8'][i]];
      expect(Number.isNaN(x)).toBe(Number.isNaN(y));
      if (!Number.isNaN(x)) expect(Math.abs(x - y)).toBeLessThan(1e-5); // batch shapes differ: rounding only
    }
    expect(a.logprob['32/8'].subarray(40).some(Number.isNaN)).toBe(false);
    const err = await tight.runPlan(ids, plan(100, 32, 8), false).catch((e) => e);
    expect(err).toBeInstanceOf(TorchOutOfMemoryError);
    expect(err.message).toMatch(/forward over 100 tokens even at batch size 1; lower contextLength/);
  });

  it('a worker killed mid-corpus is reported with its cause; finished documents stay, a new load resumes', async () => {
    const m = await load('toy:7:512');
    const done = await m.runPlan(randomIds(200, 1), plan(200, 64, 32), false);
    const pending = m.runPlan(randomIds(500, 2), plan(500, 64, 8), false);
    process.kill(m.pid!, 'SIGKILL');
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(String(err.message)).toMatch(/was killed by SIGKILL/);
    expect(String(err.message)).toMatch(/rerun the same command to resume/);
    await expect(m.forward(randomIds(5, 1), 1)).rejects.toBeInstanceOf(WorkerDiedError);
    expect(done.logprob.long.length).toBe(200); // results already returned are untouched
    const again = await load('toy:7:512');
    const redo = await again.runPlan(randomIds(200, 1), plan(200, 64, 32), false);
    expect(Buffer.from(redo.logprob.long.buffer)).toEqual(Buffer.from(done.logprob.long.buffer));
  });
});

describe.skipIf(noTorch)(`torch engine load errors${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  it('names a missing checkpoint folder and the fix', async () => {
    const dir = path.join(tmpdir(), 'longproxy-no-such-model');
    const err = await torchEngine.load({ id: 'nobody/none', dir }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(dir);
    expect(err.message).toMatch(/fix: point the model's dir at a folder holding config\.json/);
  });

  it('names a missing tokenizer.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'longproxy-notok-'));
    writeFileSync(path.join(dir, 'config.json'), '{"model_type": "qwen2"}');
    const err = await torchEngine.load({ id: 'x/notok', dir }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(path.join(dir, 'tokenizer.json'));
  });

  it('reports a worker that cannot start', async () => {
    const err = await torchEngine.load({ id: 't', dir: 'toy:1' }, { python: '/no/such/python3' }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err.message).toMatch(/could not be started/);
  });
});

describe.skipIf(noTorch)(`torch worker Python unit tests${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  it('pass (chunked statistics vs full log-softmax, batched plans, OOM retries, wire format)', () => {
    const r = spawnSync(py, ['-m', 'unittest', 'discover', '-s', 'harness/engine/torch_worker', '-p', 'test_*.py'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/Ran \d+ tests/);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^OK/);
    expect(r.status).toBe(0);
  });
});
