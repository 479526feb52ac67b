// Issue 10 points 3 and 4 through the torch engine: a model folder that ships only tokenizer.model (FILM-7B style)
// loads (the engine builds its tokenizer.json and hands the path to the worker), and before any forward the worker
// checks every document's ids against the folder's Python tokenizer (harness/engine/torch_worker/tokenizer_check.py):
// agreement is recorded in the cost, a mismatch stops the model with the first differing position and both tokens,
// and a check that cannot run says so instead of passing.
import { REPO_ROOT } from '../util/paths.ts';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { computeDocStats } from '../tokenstats/compute.ts';
import { tokenizerJsonFor } from './sentencepiece-convert.ts';
import { loadTokenizer } from './tokenizer.ts';
import { torchEngine, type TorchModel } from './torch.ts';
import { workerPython } from './torch-worker.ts';

const root = REPO_ROOT;
const py = workerPython();
const work = mkdtempSync(path.join(tmpdir(), 'longproxy-torch-tok-'));
process.env.LONGPROXY_HOME = path.join(work, 'home'); // the built tokenizers go here, not to ~/.cache

const probe = spawnSync(py, ['-c', 'import torch, numpy, sentencepiece'], { encoding: 'utf8' });
const spm = spawnSync('spm_train', ['--version'], { encoding: 'utf8' });
const missing = [
  probe.status !== 0 ? `python3 with torch, numpy and sentencepiece not found at ${py} (set LONGPROXY_PYTHON; apt-get install python3-torch python3-sentencepiece)` : '',
  spm.error ? 'spm_train not on PATH (apt-get install sentencepiece)' : '',
].filter(Boolean).join('; ');
const hasTokenizers = spawnSync(py, ['-c', 'import tokenizers'], { encoding: 'utf8' }).status === 0;

const docs = (JSON.parse(readFileSync(path.join(root, 'fixtures/corpus/govreport_small.json'), 'utf8')) as { id: string; text: string }[]);
const LLAMA2 = ['--model_type=bpe', '--byte_fallback=true', '--split_digits=true', '--allow_whitespace_only_pieces=true',
  '--normalization_rule_name=identity', '--remove_extra_whitespaces=false', '--add_dummy_prefix=true', '--num_threads=2', '--minloglevel=2'];

function trainInto(dir: string, vocab: number, text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(work, 'train.txt'), text);
  const prefix = path.join(work, `spm${vocab}`);
  const r = spawnSync('spm_train', [`--input=${path.join(work, 'train.txt')}`, `--model_prefix=${prefix}`, `--vocab_size=${vocab}`, ...LLAMA2], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`spm_train failed: ${r.stderr}`);
  copyFileSync(`${prefix}.model`, path.join(dir, 'tokenizer.model'));
}

/** A random-weight Llama folder (make_test_model.py) whose only tokenizer file is tokenizer.model, and a copy of it
 *  that also has the built tokenizer.json as its own. */
function makeFolders(): { spmOnly: string; withJson: string; other: string } {
  const spmOnly = path.join(work, 'film-style');
  trainInto(spmOnly, 600, docs.map((d) => d.text).join('\n'));
  const built = tokenizerJsonFor(spmOnly);
  const withJson = path.join(work, 'with-json');
  const r = spawnSync(py, [path.join(root, 'harness/engine/torch_worker/make_test_model.py'), '--out', withJson, '--tokenizer-dir', path.dirname(built.path), '--arch', 'llama'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_test_model.py failed:\n${r.stderr}`);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(path.join(withJson, f), path.join(spmOnly, f));
  // The deliberately altered tokenizer: another vocabulary trained on the same text.
  const other = path.join(work, 'altered');
  trainInto(other, 400, docs.map((d) => d.text).join('\n'));
  return { spmOnly, withJson, other };
}

const spec = { contextLength: 256, stride: 128, shortWindows: [{ size: 64, step: 32 }], maxTokens: 400, addBos: false };

describe.skipIf(missing !== '')(`torch engine: tokenizer.model folders and the run-time tokenizer check${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const opened: TorchModel[] = [];
  let folders: ReturnType<typeof makeFolders>;
  let spmModel: TorchModel;
  beforeAll(async () => {
    folders = makeFolders();
    spmModel = await load(folders.spmOnly);
  }, 120_000);
  const load = async (dir: string, options = {}) => {
    const m = await torchEngine.load({ id: `test/${path.basename(dir)}`, dir }, { device: 'cpu', batchTokens: 1024, chunk: 64, ...options });
    opened.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of opened) await m.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('loads a folder with only tokenizer.model; the worker checks against sentencepiece and records agreement in the cost', async () => {
    const m = spmModel;
    expect(m.details.tokenizerCheck).toMatch(/^checks against sentencepiece [\d.]+ on .*film-style\/tokenizer\.model/);
    const { stats, cost } = await computeDocStats(m, docs[1], spec);
    expect(stats.n).toBe(400);
    expect(Array.from(stats.tokenIds)).toEqual(Array.from(loadTokenizer(folders.spmOnly).tokenize(docs[1].text).ids.slice(0, 400)));
    expect(cost.tokenizerCheck).toMatch(/^agreed with sentencepiece/);
    if (hasTokenizers) expect(cost.tokenizerCheck).toMatch(/and tokenizers /);
  });

  it('a mismatch stops the model: first differing position, both ids and pieces', async () => {
    const m = spmModel;
    const text = docs[0].text;
    const ids = m.tokenize(text).ids.slice(0, 300);
    const bad = ids.slice();
    bad[137] = ids[137] === 100 ? 101 : 100;
    const plan = [{ start: 0, end: 300, scoreFrom: 1, field: 'long' }];
    const err = await m.runPlan(bad, plan, false, text).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(new RegExp(`at token 137 of 300 the engine sent id ${bad[137]} \\('.*'\\) where sentencepiece [\\d.]+ on \\S+ gives id ${ids[137]} \\('.*'\\)`));
    expect(err.message).toContain(`model test/film-style (dir ${folders.spmOnly})`);
    // The model stays usable for the next document, with the right ids.
    expect((await m.runPlan(ids, plan, false, text)).tokenizerCheck).toMatch(/^agreed/);
  });

  it('a deliberately altered span tokenizer (another vocabulary) is caught before any forward', async () => {
    const m = await load(folders.spmOnly, { tokenizer: loadTokenizer(folders.other) });
    const err = await computeDocStats(m, docs[2], spec).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/tokenizer disagreement: at token \d+ of 400 the engine sent id \d+ \('.+'\) where sentencepiece/);
  });

  it(`a folder with its own tokenizer.json: ${hasTokenizers ? 'checked with tokenizers' : 'the check says it is unavailable (no Python tokenizers here), in the load reply and the cost'}`, async () => {
    const m = await load(folders.withJson);
    const { cost } = await computeDocStats(m, docs[3], spec);
    if (hasTokenizers) {
      expect(cost.tokenizerCheck).toMatch(/^agreed with tokenizers /);
    } else {
      expect(m.details.tokenizerCheck).toBe(`unavailable: python package 'tokenizers' is not installed for ${py}`);
      expect(cost.tokenizerCheck).toBe(m.details.tokenizerCheck);
    }
  });

  it('runPlan without the text says the check was not run', async () => {
    const m = spmModel;
    const ids = m.tokenize(docs[0].text).ids.slice(0, 50);
    expect((await m.runPlan(ids, [{ start: 0, end: 50, scoreFrom: 1, field: 'long' }], false)).tokenizerCheck).toBe('not run: the engine sent no text with the ids');
  });
});
