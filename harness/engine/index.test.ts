// The engine registry: one id, version and loader per engine, the versions those of the engine modules and of the
// torch worker itself (its hello), an unknown id named with where it came from.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { ENGINE_IDS, ENGINES, engineById, engineVersion } from './index.ts';
import { onnxEngine } from './onnx.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { torchEngine } from './torch.ts';
import { WORKER_SCRIPT, WorkerProcess, workerPython } from './torch-worker.ts';

const noTorch = spawnSync(workerPython(), ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0 ? `python3 with torch and numpy not found at ${workerPython()}` : '';

describe('engine registry', () => {
  it('lists every engine once, with the version of its module', () => {
    expect(ENGINE_IDS).toEqual(['onnx', 'torch']);
    for (const id of ENGINE_IDS) expect(ENGINES[id].id).toBe(id);
    expect(ENGINES.onnx.version).toBe(onnxEngine.version);
    expect(ENGINES.torch.version).toBe(torchEngine.version);
    expect(engineVersion('torch')).toBe(torchEngine.version);
    expect(engineVersion('vllm')).toBeUndefined();
  });

  it('has one torch version: the worker script says the same', () => {
    const m = /^VERSION = "([^"]+)"$/m.exec(readFileSync(WORKER_SCRIPT, 'utf8'));
    expect(m?.[1]).toBe(ENGINES.torch.version);
    expect(path.relative(REPO_ROOT, WORKER_SCRIPT)).toBe('harness/engine/torch_worker/worker.py');
  });

  it.skipIf(noTorch)(`and so does the running worker's hello${noTorch ? ` (skipped: ${noTorch})` : ''}`, async () => {
    const w = new WorkerProcess();
    try {
      expect((await w.request<{ version: string }>('hello')).version).toBe(ENGINES.torch.version);
    } finally {
      await w.close();
    }
  });

  it('names an unknown engine with where the id came from', () => {
    expect(() => engineById('vllm', '--engine')).toThrow(UserError);
    expect(() => engineById('vllm', '--engine')).toThrow(/--engine vllm: unknown engine; use one of onnx, torch/);
  });

  it('refuses a RoPE policy the onnx engine cannot apply, before loading anything', async () => {
    await expect(ENGINES.onnx.load({ id: 'm', dir: '/nonexistent' }, { rope: { kind: 'linear', factor: 8 } })).rejects.toThrow(/cannot apply the policy linear x8; use the torch engine/);
  });
});
