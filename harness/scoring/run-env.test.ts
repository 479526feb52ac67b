// The scoring run's environment overrides (run-env.ts) and what loadSettingStats does with them: a separate cache,
// and an engine override that does not reuse another engine's cached statistics but computes its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Setting } from '../contract/types.ts';
import { workerPython } from '../engine/torch-worker.ts';
import { UserError } from '../errors.ts';
import { diffDocStats } from '../tokenstats/diff.ts';
import { artifactPaths } from './pipeline.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { engineForSetting, recordEnv, runEnv, separateResults } from './run-env.ts';
import { loadSettingStats } from './stats-source.ts';
import { tinyFixtureSetting } from './testing/tiny-setting.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'longproxy-run-env-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const setting: Setting = tinyFixtureSetting('tiny', 'the tiny fixture on the small GovReport corpus');

describe('run environment', () => {
  it('a plain run reads the committed cache, writes under the ignored runs/latest/ and uses the setting engine', () => {
    const e = runEnv({});
    expect(e).toEqual({ kind: 'plain', cacheDir: 'results/cache', resultsDir: 'runs/latest', engine: undefined, torch: { device: undefined, dtype: undefined }, overrides: [] });
    expect(engineForSetting(setting, e, REPO_ROOT)).toBe('onnx');
    expect(separateResults(e)).toBe(false);
    expect(artifactPaths('zoo', 'bpb', e.resultsDir)).toEqual({
      submission: 'runs/latest/submissions/zoo/bpb.json',
      verify: 'runs/latest/verify/zoo/bpb.json',
      claim: 'runs/latest/claims/zoo/bpb.json',
    });
    for (const file of ['runs/latest/claims/zoo/bpb.json', 'reports/index.html']) {
      const ignored = spawnSync('git', ['check-ignore', '-q', file], { cwd: REPO_ROOT });
      expect(ignored.status, `${file} must be git-ignored (.gitignore)`).toBe(0);
    }
  });

  it('a record run (LONGPROXY_RECORD=1, or the CLI) writes results/; a separate run writes its own folder', () => {
    const rec = runEnv({ LONGPROXY_RECORD: '1' });
    expect([rec.kind, rec.resultsDir]).toEqual(['record', 'results']);
    expect(artifactPaths('zoo', 'bpb', rec.resultsDir).claim).toBe('results/claims/zoo/bpb.json');
    expect(runEnv({ LONGPROXY_RECORD: '0' }).kind).toBe('plain');
    expect(runEnv({ LONGPROXY_RESULTS_DIR: 'results' }).kind).toBe('record');
    expect(() => runEnv({ LONGPROXY_RECORD: '1', LONGPROXY_RESULTS_DIR: '/r' })).toThrow(/records into results\/, but LONGPROXY_RESULTS_DIR=\/r/);
    expect([recordEnv({}).kind, recordEnv({}).resultsDir]).toEqual(['record', 'results']);
    const sep = recordEnv({ LONGPROXY_RESULTS_DIR: '/r' });
    expect([sep.kind, sep.resultsDir, separateResults(sep)]).toEqual(['separate', '/r', true]);
  });

  it('reads every override and names a bad value', () => {
    const e = runEnv({ LONGPROXY_CACHE_DIR: '/r/cache', LONGPROXY_RESULTS_DIR: '/r/results', LONGPROXY_ENGINE: 'torch', LONGPROXY_TORCH_DEVICE: 'cuda:1', LONGPROXY_TORCH_DTYPE: 'float32' });
    expect(e).toEqual({ kind: 'separate', cacheDir: '/r/cache', resultsDir: '/r/results', engine: 'torch', torch: { device: 'cuda:1', dtype: 'float32' }, overrides: [] });
    expect(runEnv({ LONGPROXY_OVERRIDE: 'a/b:sliding_window, a/b:rope=as-config' }).overrides).toEqual(['a/b:sliding_window', 'a/b:rope=as-config']);
    expect(engineForSetting(setting, e, REPO_ROOT)).toBe('torch');
    expect(separateResults(e)).toBe(true);
    expect(artifactPaths('zoo', 'bpb', e.resultsDir)).toEqual({
      submission: '/r/results/submissions/zoo/bpb.json',
      verify: '/r/results/verify/zoo/bpb.json',
      claim: '/r/results/claims/zoo/bpb.json',
    });
    expect(() => runEnv({ LONGPROXY_ENGINE: 'vllm' })).toThrow(/LONGPROXY_ENGINE=vllm: unknown engine; use one of onnx, torch/);
    expect(() => runEnv({ LONGPROXY_TORCH_DTYPE: 'fp8' })).toThrow(/LONGPROXY_TORCH_DTYPE=fp8/);
  });

  it('refuses an engine override that would write into the committed cache or results', () => {
    const both = () => engineForSetting(setting, runEnv({ LONGPROXY_ENGINE: 'torch' }), REPO_ROOT);
    expect(both).toThrow(UserError);
    expect(both).toThrow(/LONGPROXY_CACHE_DIR \(now results\/cache\) and LONGPROXY_RESULTS_DIR \(now runs\/latest\)/);
    const cacheOnly = runEnv({ LONGPROXY_ENGINE: 'torch', LONGPROXY_RESULTS_DIR: '/r', LONGPROXY_CACHE_DIR: path.join(REPO_ROOT, 'results/cache') });
    expect(() => engineForSetting(setting, cacheOnly, REPO_ROOT)).toThrow(/set LONGPROXY_CACHE_DIR \(now .*results\/cache\) to another folder/);
    // the setting's own engine named explicitly changes nothing
    expect(engineForSetting(setting, runEnv({ LONGPROXY_ENGINE: 'onnx' }), REPO_ROOT)).toBe('onnx');
  });
});

const py = workerPython();
const noTorch = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0 ? `python3 with torch and numpy not found at ${py}` : '';

describe.skipIf(noTorch)(`loadSettingStats with LONGPROXY_ENGINE=torch${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  it("fills a separate cache with the torch engine instead of reading the onnx engine's statistics", async () => {
    const cacheDir = path.join(tmp, 'cache');
    const onnx = await loadSettingStats(setting, REPO_ROOT, runEnv({ LONGPROXY_CACHE_DIR: cacheDir }));
    if (!onnx.ok) throw new Error(onnx.reason);
    expect(onnx.stats[0].cost.engine).toBe('onnx');
    const torchEnv = runEnv({ LONGPROXY_CACHE_DIR: cacheDir, LONGPROXY_RESULTS_DIR: path.join(tmp, 'results'), LONGPROXY_ENGINE: 'torch', LONGPROXY_TORCH_DEVICE: 'cpu', LONGPROXY_TORCH_DTYPE: 'float32' });
    const torch = await loadSettingStats(setting, REPO_ROOT, torchEnv);
    if (!torch.ok) throw new Error(torch.reason);
    expect(torch.stats[0].cost).toMatchObject({ engine: 'torch', device: 'cpu' });
    expect(torch.stats[0].docs.map((d) => d.docId)).toEqual(onnx.stats[0].docs.map((d) => d.docId));
    for (let i = 0; i < torch.stats[0].docs.length; i++) {
      const d = diffDocStats(torch.stats[0].docs[i], onnx.stats[0].docs[i]);
      expect(d.problems).toEqual([]);
      expect(d.maxLogprob).toBeLessThan(1e-3);
    }
    // a second run reads the torch statistics from the cache: same bytes, no recomputation (same recorded cost)
    const again = await loadSettingStats(setting, REPO_ROOT, torchEnv);
    if (!again.ok) throw new Error(again.reason);
    expect(again.stats[0].cost).toEqual(torch.stats[0].cost);
    expect(Buffer.from(again.stats[0].docs[0].logprobLong.buffer)).toEqual(Buffer.from(torch.stats[0].docs[0].logprobLong.buffer));
  });
});
