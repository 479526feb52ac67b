// Parity of the torch engine with the ONNX engine on every zoo model (fixtures/zoo/<name>/), whose weights exist
// only as onnx/model.onnx: the torch worker reads them from the ONNX graph (harness/engine/torch_worker/onnx_weights.py)
// and runs them with transformers where installed, else with its built-in decoder (native.py, RoPE default/linear/
// YaRN as transformers computes it). Both engines compute the statistics the scoring suites cache
// (computeDocStats: tokenize, cut, plan, runPlan, assemble) on the zoo's proxy corpus, on the CPU in float32:
// one document x 1024 tokens for every model, and one YaRN model with the zoo's full scoring spec (4096 tokens,
// windows 256/64 and 1024/256). Log-probabilities (long and short) and entropies must agree within 1e-3, ids and
// byte spans exactly; the measured differences are printed as a table at the end.
// The folders that ship both formats are compared in torch-parity.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../contract/corpus.ts';
import { getSetting } from '../contract/settings/index.ts';
import { statsSpecFor } from '../scoring/setting-specs.ts';
import { computeDocStats } from '../tokenstats/compute.ts';
import { diffDocStats, type DocStatsDiff } from '../tokenstats/diff.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import { onnxRuntimeInstalled } from './test-model.ts';
import { torchEngine } from './torch.ts';
import { workerPython } from './torch-worker.ts';
import { REPO_ROOT as root } from '../util/paths.ts';

const BAR = 1e-3;
const SHORT_TOKENS = 1024;
const py = workerPython();
const probe = spawnSync(py, ['-c', 'import torch, numpy, onnx'], { encoding: 'utf8' });
const onnxRuns = onnxRuntimeInstalled(root);
const zoo = getSetting('zoo');

/** RoPE of a zoo config, as the test names show it: "yarn x8", "linear x4", "ntk (theta 91896)", "default". */
function ropeLabel(config: Record<string, any>): string {
  const p = config.rope_parameters ?? { ...(config.rope_scaling ?? {}), rope_theta: config.rope_theta };
  const kind = p.rope_type ?? p.type ?? 'default';
  const theta = Number(p.rope_theta ?? config.rope_theta ?? 10000);
  if (kind === 'default') return theta === 10000 ? 'default' : `ntk (theta ${Math.round(theta)})`;
  return `${kind} x${p.factor}`;
}

const onnxOnly = (dir: string) =>
  existsSync(path.join(dir, 'onnx', 'model.onnx')) && !readdirSync(dir).some((f) => f.endsWith('.safetensors'));
const folders = zoo.models
  .map((id) => ({ id, dir: path.join(root, zoo.modelDirs?.[id] ?? '') }))
  .filter((m) => zoo.modelDirs?.[m.id] && onnxOnly(m.dir))
  .map((m) => ({ ...m, rope: ropeLabel(JSON.parse(readFileSync(path.join(m.dir, 'config.json'), 'utf8'))) }));
/** The model run at the full scoring spec: the first YaRN model (the most involved RoPE), else the last one. */
const full = (folders.find((m) => m.rope.startsWith('yarn')) ?? folders[folders.length - 1])?.id;

const reason =
  probe.status !== 0
    ? `python3 at ${py} lacks torch, numpy or onnx (${(probe.stderr ?? '').trim().split('\n').pop()}; fix: apt-get install python3-torch python3-onnx, or set LONGPROXY_PYTHON)`
    : !onnxRuns
      ? 'onnxruntime-node is not installed (the ONNX side runs live)'
      : folders.length === 0
        ? `no ONNX-only zoo folder listed in fixtures/zoo/models.json`
        : '';

function shortSpec(): StatsSpec {
  return { contextLength: SHORT_TOKENS, stride: SHORT_TOKENS / 2, maxTokens: SHORT_TOKENS, shortWindows: [{ size: 256, step: 64 }], addBos: false };
}

const rows: { model: string; rope: string; tokens: number; diff: DocStatsDiff; backend: string }[] = [];

describe.skipIf(reason)(`torch engine vs ONNX engine on the zoo's ONNX-only folders (CPU float32, within ${BAR})${reason ? ` (skipped: ${reason})` : ''}`, () => {
  afterAll(() => {
    if (rows.length === 0) return;
    const e = (x: number) => x.toExponential(2);
    console.log(
      [
        '| model | RoPE | backend | tokens | values compared | max abs log-prob diff | max abs entropy diff | top-1 agreement |',
        '|---|---|---|---:|---:|---:|---:|---:|',
        ...rows.map((r) => `| ${r.model} | ${r.rope} | ${r.backend} | ${r.tokens} | ${r.diff.compared} | ${e(r.diff.maxLogprob)} | ${e(r.diff.maxEntropy)} | ${r.diff.top1Agreement.toFixed(4)} |`),
        `max over all: log-prob ${e(Math.max(...rows.map((r) => r.diff.maxLogprob)))}, entropy ${e(Math.max(...rows.map((r) => r.diff.maxEntropy)))}`,
      ].join('\n'),
    );
  });

  it('covers plain RoPE, PI (linear), NTK (raised theta) and YaRN models', () => {
    const kinds = new Set(folders.map((m) => m.rope.split(' ')[0]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['default', 'linear', 'ntk', 'yarn']));
  });

  for (const m of folders) {
    const isFull = m.id === full;
    const title = `${m.id} (${m.rope}): ${isFull ? '1 document x 4096 tokens, the zoo scoring spec' : `1 document x ${SHORT_TOKENS} tokens`}`;
    it(title, async () => {
      const corpus = loadCorpus(path.join(root, zoo.corpusPath));
      const doc = corpus.documents[folders.indexOf(m) % corpus.documents.length];
      const spec = isFull ? statsSpecFor(zoo, m.dir) : shortSpec();
      const { onnxEngine } = await import('./onnx.ts');
      const onnx = await onnxEngine.load({ id: m.id, dir: m.dir });
      const want = await computeDocStats(onnx, doc, spec).finally(() => onnx.dispose());
      const torch = await torchEngine.load({ id: m.id, dir: m.dir }, { device: 'cpu', dtype: 'float32' });
      try {
        const got = await computeDocStats(torch, doc, spec);
        if (torch.details.workerTokenizer) {
          const fast = await torch.tokenizeAsync(doc.text);
          expect(Array.from(fast.ids.subarray(0, got.stats.n))).toEqual(Array.from(want.stats.tokenIds));
        }
        const diff = diffDocStats(got.stats, want.stats);
        rows.push({ model: m.id, rope: m.rope, tokens: got.stats.n, diff, backend: torch.details.attn });
        expect(diff.problems).toEqual([]);
        expect(got.stats.n).toBe(isFull ? 4096 : SHORT_TOKENS);
        expect(diff.compared).toBeGreaterThan(2 * got.stats.n);
        expect(diff.maxLogprob, `${m.id}: largest log-prob difference`).toBeLessThanOrEqual(BAR);
        expect(diff.maxEntropy, `${m.id}: largest entropy difference`).toBeLessThanOrEqual(BAR);
        expect(diff.top1Agreement).toBeGreaterThan(0.99); // near-ties may flip; more would be a bug
        // the same work: both engines run one forward per start (the ONNX engine one session run, the worker one
        // merged run), so tokens through the model agree exactly
        expect(got.cost.tokensProcessed, `${m.id}: tokens processed`).toBe(want.cost.tokensProcessed);
      } finally {
        await torch.dispose();
      }
    });
  }
});
