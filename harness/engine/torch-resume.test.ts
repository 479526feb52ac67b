// A torch worker that dies mid-corpus: the harness reports it, every document finished before stays in the
// token-statistics cache, and a rerun computes only the rest and gives the statistics an uninterrupted run gives.
// Uses the worker's toy model (torch only), through the real cache (harness/tokenstats/cache.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../contract/corpus.ts';
import { getCorpusStats } from '../tokenstats/cache.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import { torchEngine, type TorchModel } from './torch.ts';
import { WorkerDiedError, workerPython } from './torch-worker.ts';
import type { LanguageModel } from './types.ts';

const py = workerPython();
const noTorch =
  spawnSync(py, ['-c', 'import torch, numpy']).status !== 0 ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON)` : '';

describe.skipIf(noTorch)(`torch worker death and resume${noTorch ? ` (skipped: ${noTorch})` : ''}`, () => {
  const base = mkdtempSync(path.join(tmpdir(), 'longproxy-torch-resume-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const modelDir = path.join(base, 'toy-model');
  // The cache fingerprints the folder; the toy model itself is built from its seed by the worker.
  mkdirSync(modelDir);
  writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify({ toy: 'toy:7:512', max_position_embeddings: 512 }));
  const words = 'budget audit agency report program cost federal review office data'.split(' ');
  const docs = Array.from({ length: 6 }, (_, d) => ({
    id: `doc-${d}`,
    text: Array.from({ length: 60 }, (_, i) => words[(i * (d + 3) + d) % words.length]).join(' '),
  }));
  const corpusFile = path.join(base, 'corpus.json');
  writeFileSync(corpusFile, JSON.stringify(docs));
  const corpus = loadCorpus(corpusFile);
  const spec: StatsSpec = { contextLength: 256, stride: 128, maxTokens: 0, shortWindows: [{ size: 64, step: 16 }], addBos: false };

  /** Loads the toy model; with killAt = k the worker is killed (SIGKILL) as the k-th document starts. */
  function factory(killAt: number | null, calls: { n: number }): () => Promise<LanguageModel> {
    return async () => {
      const m: TorchModel = await torchEngine.load({ id: 'toy', dir: 'toy:7:512' }, { device: 'cpu' });
      const runPlan = m.runPlan.bind(m);
      m.runPlan = async (ids, plan, addBos) => {
        calls.n++;
        if (calls.n === killAt) process.kill(m.pid!, 'SIGKILL');
        return runPlan(ids, plan, addBos);
      };
      return m;
    };
  }
  const options = (cacheDir: string, killAt: number | null, calls: { n: number }) => ({
    model: factory(killAt, calls),
    modelId: 'toy/resume',
    modelDir,
    corpus,
    spec,
    cacheDir,
    engineId: 'torch',
    label: 'toy',
  });

  it('reports the death, keeps finished documents, and a rerun computes only the rest', async () => {
    const cache = path.join(base, 'cache');
    const first = { n: 0 };
    const err = await getCorpusStats(options(cache, 4, first)).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err.message).toMatch(/was killed by SIGKILL/);
    const entries = readdirSync(path.join(cache, 'entries'), { recursive: true }).filter((f) => String(f).endsWith('.bin'));
    expect(entries.length).toBe(3);

    const second = { n: 0 };
    const resumed = await getCorpusStats(options(cache, null, second));
    expect(second.n).toBe(3); // documents 4..6 only
    expect(resumed.docs.map((d) => d.docId)).toEqual(docs.map((d) => d.id));

    const clean = await getCorpusStats(options(path.join(base, 'clean-cache'), null, { n: 0 }));
    for (let i = 0; i < docs.length; i++) {
      expect(Buffer.from(resumed.docs[i].logprobLong.buffer)).toEqual(Buffer.from(clean.docs[i].logprobLong.buffer));
      expect(Buffer.from(resumed.docs[i].logprobShort['64/16'].buffer)).toEqual(Buffer.from(clean.docs[i].logprobShort['64/16'].buffer));
    }
  });
});
