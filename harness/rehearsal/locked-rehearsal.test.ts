// The locked rehearsal on the CPU (issue 10, point 7), run by CI: the 17 replicas (docs/replicas.md), a rehearsal
// corpus of one GovReport text (5.3k-5.9k tokens under the replica tokenizers, long enough for the 4096/1024
// window) and a synthetic downstream file, both in a temporary folder named "rehearsal", go through the locked
// path: resolve all 17 from a Hugging Face cache, check every config against the manifest, fill the locked spec's
// statistics with the torch engine (built-in decoder, float32) through the fill of `longproxy stats --setting`
// (harness/fleet/cli.ts), score every metric, write the 17-row submissions and verify each with the TypeScript
// verifier and the Python reference; then the same fill with a planted bad config and a planted broken model.
// Cheap by construction, not by leaving anything out: replicas of hidden size 16 (real vocabularies), one worker
// for all fills, one test per model fill and per metric. The GPU version: scripts/gpu/rehearsal_run.sh.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../metrics/registry.ts';
import { LOCKED_MODELS } from '../contract/locked-models.ts';
import { parseOverrides } from '../contract/model-manifest.ts';
import { overrideItems } from '../cli/override-flag.ts';
import type { ProxyCorpus, Setting } from '../contract/types.ts';
import { workerPython } from '../engine/torch-worker.ts';
import { failureTable } from '../fleet/failures.ts';
import { modelRunFor } from '../scoring/setting-specs.ts';
import type { ModelCorpusStats } from '../tokenstats/types.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { pythonUnavailableReason } from '../verify/python-reference.ts';
import { CORPUS_NAME, DOWNSTREAM_NAME, writeRehearsalInputs } from './inputs.ts';
import {
  buildPlanted,
  buildReplicas,
  loadRehearsalCorpus,
  lookupEnv,
  PLANTED,
  plantedEnv,
  RehearsalFiller,
  rehearsalSetting,
  rehearsalTable,
  scoreRehearsalMetric,
  verifyWithReference,
  type FillRow,
  type ReplicaManifest,
} from './run.ts';

const py = workerPython();
const probe = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const reason =
  probe.status !== 0 ? `python3 with torch and numpy not found at ${py} (set LONGPROXY_PYTHON; Debian: python3-torch)` : (pythonUnavailableReason() ?? '');

// Each model's fill is one document at the locked spec (context 32768, windows 1024/256 and 4096/1024): ~9.9k scored
// positions, each a pass over the vocabulary (152k for Qwen). The output projection goes 16 positions at a time: on
// these tiny models ~1.7x faster on a CPU than 256 (a chunk's logits stay in the cache). A Qwen fill is ~9-10 s of
// worker CPU (Debian's torch runs one thread): one worker, started once, one model per test. (Two workers, two
// models per test, timed out at 30 s on the shared machine at load 5-6 and saved no time there.)
const CHUNK = 16;
const WORKERS = 1;
// The key-token metrics (LongPPL's key tokens: long-context log-probability above beta >= -3 and above the short
// window's by alpha) have no key token on random weights: a near-uniform predictor over 32k-152k tokens gives every
// token a log-probability near -ln(V) < -10. They are refused, naming every model; the others must score.
const KEY_TOKEN_METRICS = ['longppl-self', 'key-accuracy'];
// The probe metrics (harness/probes/) read derived corpora that cost about one corpus each: the CPU rehearsal does
// not fill them (the rehearsal command's cpu default, --probes none); the GPU rehearsal fills and scores them
// (scripts/gpu/rehearsal_run.sh; docs/official-run.md).
const PROBE_METRICS = METRICS.filter((m) => (m.probes ?? []).length > 0).map((m) => m.id);
const FILM = 'In2Training/FILM-7B';
const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.2';
const NTK = 'Leooyii/NTK_32k_Slimpajama_1B';
const TEST_MS = 30_000;
const N_BOOT = 200;

describe.skipIf(reason)(`locked rehearsal on the CPU: 17 replicas through the locked path${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const base = mkdtempSync(path.join(tmpdir(), 'longproxy-rehearsal-'));
  let replicas: ReplicaManifest;
  let planted: ReplicaManifest;
  let setting: Setting;
  let corpus: ProxyCorpus;
  let filler: RehearsalFiller;
  const rows: FillRow[] = [];
  const stats: ModelCorpusStats[] = [];
  const home = process.env.LONGPROXY_HOME;

  beforeAll(async () => {
    // Tokenizers built from tokenizer.model go to a temporary home, not the user's ~/.cache/longproxy.
    process.env.LONGPROXY_HOME = path.join(base, 'home');
    replicas = buildReplicas(path.join(base, 'replicas'));
    planted = buildPlanted(path.join(base, 'planted'));
    const inputs = writeRehearsalInputs(path.join(base, 'rehearsal-inputs'), { docs: 1, mode: 'cpu' });
    setting = rehearsalSetting(inputs);
    corpus = loadRehearsalCorpus(inputs);
    filler = new RehearsalFiller(setting, corpus, { cacheDir: path.join(base, 'cache'), device: 'cpu', workers: WORKERS, dtype: 'float32', chunk: CHUNK });
    // The worker's start (Python, torch imports) here, not in the first model's test.
    await filler.start();
  }, TEST_MS);
  afterAll(async () => {
    await filler?.close();
    console.log(`[rehearsal] CPU rehearsal (float32, built-in decoder, chunk ${CHUNK}):\n${rehearsalTable(rows)}`);
    if (home === undefined) delete process.env.LONGPROXY_HOME;
    else process.env.LONGPROXY_HOME = home;
    rmSync(base, { recursive: true, force: true });
  });

  it('writes its inputs in a temporary folder named rehearsal, never under results/, the downstream file marked synthetic', () => {
    for (const p of [setting.corpusPath, setting.downstreamPath]) {
      expect(p.startsWith(path.join(base, 'rehearsal-inputs'))).toBe(true);
      expect(p.startsWith(path.join(REPO_ROOT, 'results'))).toBe(false);
    }
    expect([path.basename(setting.corpusPath), path.basename(setting.downstreamPath)]).toEqual([CORPUS_NAME, DOWNSTREAM_NAME]);
    expect(() => writeRehearsalInputs(path.join(REPO_ROOT, 'results', 'rehearsal'), { docs: 1, mode: 'cpu' })).toThrow(/must not be written under/);
    expect(corpus.documents).toHaveLength(1);
  });

  for (const model of LOCKED_MODELS) {
    it(`resolves, checks, tokenizes and fills ${model} at the locked spec`, async () => {
      const { rows: got, stats: gotStats, exit, report } = await filler.fill([model], lookupEnv(replicas, 'hub'));
      rows.push(...got);
      stats.push(...gotStats);
      expect(report.failures, failureTable(report.failures)).toEqual([]);
      expect(exit).toBe(0);
      for (const row of got) {
        // Resolved as a user's download: the Hugging Face cache's snapshot folder named by refs/main.
        expect(row.dir!.startsWith(path.join(replicas.hubCache, `models--${row.model.replace('/', '--')}`, 'snapshots')), row.model).toBe(true);
        // Every document reaches past the 4096/1024 window's first chunk (> 5120 tokens), where it differs from the long pass.
        expect(Math.min(...row.docTokens), row.model).toBeGreaterThan(5120);
        // Computed here (not found in a cache), and the worker applied the RoPE policy the manifest gives the model.
        expect(row.workerRope, row.model).toBe(row.ropePolicy);
      }
    }, TEST_MS);
  }

  // The manifest's fixed spec: never derived from max_position_embeddings (4096 in the Leooyii configs).
  it('scored every model at context 32768 with both short windows (1024/256, 4096/1024), on workers started once', () => {
    expect(rows.map((r) => r.model)).toEqual([...LOCKED_MODELS]);
    const wrong = rows.filter((r) => r.spec?.contextLength !== 32768).map((r) => `${r.model}: ${r.spec?.contextLength}`);
    expect(wrong, 'models not scored at 32768').toEqual([]);
    for (const r of rows) expect(r.spec?.shortWindows, r.model).toEqual([{ size: 1024, step: 256 }, { size: 4096, step: 1024 }]);
    expect(rows.filter((r) => r.configRope.includes('x8') && r.model.startsWith('Leooyii/')).length).toBe(4);
    expect(filler.workersStarted).toBe(WORKERS);
  });

  it('tokenizes the FILM-style replica (no tokenizer.json) from its tokenizer.model', () => {
    const film = rows.find((r) => r.model === FILM)!;
    expect(film.tokenizerSource).toBe('built from tokenizer.model');
    expect(rows.filter((r) => r.model !== FILM).every((r) => r.tokenizerSource === 'tokenizer.json')).toBe(true);
    // FILM's tokenizer.model is the Mistral replica's: the tokenizer the harness built from it must cut the document
    // into the ids of the tokenizer.json the replica builder converted for Mistral.
    const ids = (m: string) => stats.find((s) => s.model === m)!.docs.map((d) => Array.from(d.tokenIds));
    expect(ids(FILM)).toEqual(ids(MISTRAL));
  });

  it("gives the NTK replicas the frozen-base RoPE frequencies of LCEG's evaluation code", () => {
    // base' = 10000 * (f*L/4096 - (f-1))^(d/(d-2)); inv_freq[i] = base'^(-2i/d), from the worker's own RoPE code
    // with the policy the harness hands it (and the worker reported applying) for each replica.
    const ntk = replicas.replicas.filter((r) => r.id.startsWith('Leooyii/NTK'));
    expect(ntk.map((r) => r.id)).toEqual(['Leooyii/NTK_32k_Slimpajama_1B', 'Leooyii/NTK_64k_Slimpajama_1B', 'Leooyii/NTK_64k_Slimpajama_2B']);
    for (const r of ntk) {
      const f = r.rope_scaling!.factor!;
      const L = r.training_length!;
      const d = r.head_dim;
      const baseP = 10000 * (f * L / 4096 - (f - 1)) ** (d / (d - 2));
      const policy = { kind: 'ntk-frozen', factor: f, trainingLength: L, originalMax: 4096 };
      expect(modelRunFor(setting, r.id).rope, `${r.id}: the policy the harness hands the worker`).toEqual(policy);
      expect(rows.find((x) => x.model === r.id)!.workerRope, r.id).toMatch(/^ntk-frozen/);
      const got = spawnSync(py, ['-c', 'import json, sys\nsys.path.insert(0, sys.argv[1])\nfrom rope import policy_inv_freq\ninv, s = policy_inv_freq(json.load(open(sys.argv[2])), json.loads(sys.argv[3]))\nprint(json.dumps([float(x) for x in inv]))',
        path.join(REPO_ROOT, 'harness/engine/torch_worker'), path.join(replicas.root, r.model_dir, 'config.json'), JSON.stringify(policy)], { encoding: 'utf8' });
      expect(got.status, got.stderr).toBe(0);
      const inv = JSON.parse(got.stdout) as number[];
      expect(inv).toHaveLength(d / 2);
      inv.forEach((x, i) => expect(Math.abs(x - baseP ** (-(2 * i) / d)) / baseP ** (-(2 * i) / d), `${r.id} inv_freq[${i}]`).toBeLessThan(1e-6));
    }
  });

  for (const metric of METRICS.filter((m) => !KEY_TOKEN_METRICS.includes(m.id) && !PROBE_METRICS.includes(m.id))) {
    // The Python reference is most of this test (~5 s of CPU for its 200 bootstrap replicates).
    it(`scores ${metric.id}: a 17-row submission that both verifiers (TypeScript, scripts/verify_locked_no4k.py) agree on`, async () => {
      expect(stats).toHaveLength(LOCKED_MODELS.length);
      const record = await scoreRehearsalMetric(setting, stats, metric, path.join(base, 'results'), N_BOOT);
      expect(record.paths.submission.startsWith(path.join(base, 'results'))).toBe(true);
      expect(Object.keys(record.scores)).toEqual([...LOCKED_MODELS]);
      expect(Object.values(record.scores).every(Number.isFinite), metric.id).toBe(true);
      expect(record.verify.n_models).toBe(17);
      const [s] = await verifyWithReference(setting, [record], N_BOOT);
      expect(s.reference.verifier).toBe('python-reference');
      expect(s.reference.n_models).toBe(17);
      expect(s.referenceDiffs, `${metric.id}: Python reference vs TypeScript verifier`).toEqual([]);
    }, TEST_MS);
  }

  it(`refuses the key-token metrics (${KEY_TOKEN_METRICS.join(', ')}) on random weights, naming every model`, async () => {
    expect(METRICS.filter((m) => KEY_TOKEN_METRICS.includes(m.id)).map((m) => m.id)).toEqual(KEY_TOKEN_METRICS);
    // Why: no token of any replica has a long-context log-probability above -3, the grid's loosest beta.
    let best = -Infinity;
    for (const s of stats) for (const d of s.docs) for (const x of d.logprobLong) if (x > best) best = x;
    expect(best).toBeLessThan(-3);
    for (const metric of METRICS.filter((m) => KEY_TOKEN_METRICS.includes(m.id))) {
      const err = await scoreRehearsalMetric(setting, stats, metric, path.join(base, 'results'), N_BOOT).then(() => null, (e: Error) => e);
      expect(err?.message, metric.id).toMatch(/no grid point gives finite scores for every model/);
      for (const m of LOCKED_MODELS) expect(err!.message, metric.id).toContain(m);
    }
  }, TEST_MS);

  it('names a planted bad config and a planted broken model in the failure table while the other models finish, exit 1', async () => {
    const { rows: out, report, exit } = await filler.fill(LOCKED_MODELS, plantedEnv(replicas, planted));
    console.log(`[rehearsal] with a planted bad config (${PLANTED.badConfig}) and a broken model (${PLANTED.broken}):\n${failureTable(report.failures)}`);
    expect(exit).toBe(1);
    // In the setting's order: Qwen/Qwen2-0.5B-Instruct comes before mistralai/Mistral-7B-Instruct-v0.2.
    expect(report.failures.map((f) => [f.model, f.stage])).toEqual([
      [PLANTED.broken, 'load'],
      [PLANTED.badConfig, 'config check'],
    ]);
    const table = failureTable(report.failures);
    expect(table).toContain(`| ${PLANTED.badConfig} | config check |`);
    expect(table).toMatch(/sliding_window/);
    expect(table).toContain(`| ${PLANTED.broken} | load |`);
    const broken = report.failures.find((f) => f.model === PLANTED.broken)!;
    expect(broken.message).toMatch(/model\.safetensors: truncated safetensors file \(\d+ bytes; its header says the tensors need \d+/);
    expect(broken.fix).toMatch(/^download the file again from the model's repository/);
    expect(report.finished).toEqual(LOCKED_MODELS.filter((m) => m !== PLANTED.badConfig && m !== PLANTED.broken));
    expect(out.filter((r) => !r.failure).every((r) => r.documents === 1)).toBe(true);
  }, TEST_MS);

  it('records an override given as --override MODEL:rope=transformers-dynamic in the spec, the cache key and the claim bundle', async () => {
    // The flag's own parsing (harness/cli/override-flag.ts, as stats --setting, score and the rehearsal command use it).
    const items = overrideItems([`${NTK}:rope=transformers-dynamic`], [setting], 'usage');
    const overrides = parseOverrides(items, setting.manifest!);
    const { rows: [row], stats: [s], exit } = await filler.fill([NTK], lookupEnv(replicas, 'hub'), overrides);
    expect(exit).toBe(0);
    expect(row.spec?.overrides).toEqual(['rope=transformers-dynamic f=4 L=32768 M=4096']);
    expect(row.workerRope).toMatch(/^transformers-dynamic/);
    // Its own cache entries: the standard statistics are still there, and differ (the base follows each forward's length).
    const standard = stats.find((x) => x.model === NTK)!;
    expect(row.workerRope).not.toBe(rows.find((r) => r.model === NTK)!.workerRope);
    expect(Array.from(s.docs[0].logprobShort['1024/256'])).not.toEqual(Array.from(standard.docs[0].logprobShort['1024/256']));
    const record = await scoreRehearsalMetric(setting, stats.map((x) => (x.model === NTK ? s : x)), METRICS.find((m) => m.id === 'ppl')!, path.join(base, 'results-override'), N_BOOT);
    const claim = JSON.parse(readFileSync(record.paths.claim, 'utf8'));
    const entry = claim.compute.models.find((m: { model: string }) => m.model === NTK);
    expect(entry.overrides).toEqual(['rope=transformers-dynamic f=4 L=32768 M=4096']);
    expect(entry.rope).toMatch(/^transformers-dynamic/);
    expect(claim.compute.models.filter((m: { overrides?: string[] }) => m.overrides).length).toBe(1);
  }, TEST_MS);
});
