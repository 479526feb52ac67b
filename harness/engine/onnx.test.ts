// The ONNX engine on the tiny real model: golden parity with PyTorch, short window = truncated input, batching
// and prefix reuse change no number, greedy decoding, load errors.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planForwards } from '../tokenstats/plan.ts';
import type { StatsSpec } from '../tokenstats/types.ts';
import { onnxEngine } from './onnx.ts';
import { TINY_MODEL_DIR, tinyModelMissing } from './test-model.ts';
import { REPO_ROOT } from '../util/paths.ts';
import type { LanguageModel } from './types.ts';

const missing = tinyModelMissing();
const text = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/corpus/govreport_small.json'), 'utf8')) as { text: string }[])[1].text;

describe.skipIf(missing !== undefined)(`onnx engine on the tiny model${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let model: LanguageModel;
  let unbatched: LanguageModel;
  beforeAll(async () => {
    model = await onnxEngine.load({ id: 'fixture/tiny', dir: TINY_MODEL_DIR });
    unbatched = await onnxEngine.load({ id: 'fixture/tiny', dir: TINY_MODEL_DIR }, { batch: false });
  });
  afterAll(async () => {
    await model?.dispose();
    await unbatched?.dispose();
  });

  const goldenFile = path.join(TINY_MODEL_DIR, 'golden_logprobs.json');
  it.skipIf(!existsSync(goldenFile))(
    `matches the PyTorch float32 golden statistics within 1e-4, with the reference tokenizer's ids and byte spans${existsSync(goldenFile) ? '' : ` (skipped: ${path.relative(REPO_ROOT, goldenFile)} absent)`}`,
    async () => {
      const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as Golden;
      expect(golden.cases.map((c) => c.name)).toEqual(['full', 'last128']);
      const t = model.tokenize(golden.text);
      const full = golden.cases[0];
      expect(Array.from(t.ids)).toEqual(full.token_ids);
      expect(Array.from(t.byteStart)).toEqual(full.byte_start);
      expect(Array.from(t.byteEnd)).toEqual(full.byte_end);
      for (const c of golden.cases) {
        const r = await model.forward(Int32Array.from(c.token_ids), 1);
        expect(r.logprob.length).toBe(c.token_ids.length - 1);
        let worst = 0;
        let worstEntropy = 0;
        for (let i = 1; i < c.token_ids.length; i++) {
          worst = Math.max(worst, Math.abs(r.logprob[i - 1] - c.logprob[i]!));
          worstEntropy = Math.max(worstEntropy, Math.abs(r.entropy[i - 1] - c.entropy[i]!));
        }
        expect(worst, `${c.name}: max |onnx - torch| log-prob`).toBeLessThan(1e-4);
        expect(worstEntropy, `${c.name}: max |onnx - torch| entropy`).toBeLessThan(1e-4);
        expect(Array.from(r.top1), `${c.name}: top-1 flags`).toEqual(c.top1.slice(1));
      }
    },
  );

  it('short-window log-probabilities, entropies and top-1 flags equal those of the same token on the truncated input', async () => {
    const ids = model.tokenize(text).ids.slice(0, 200);
    const spec: StatsSpec = { contextLength: 128, stride: 48, maxTokens: 0, shortWindows: [{ size: 32, step: 8 }], addBos: false };
    const out = await model.runPlan(ids, planForwards(ids.length, spec), false);
    const short = out.logprob['32/8'];
    for (const i of [1, 5, 31, 32, 39, 40, 41, 100, 150, 199]) {
      // the window of position i: the whole prefix below 32, else from the start of its chunk
      const start = i < 32 ? 0 : Math.floor((i - 32) / 8) * 8;
      const alone = await model.forward(ids.slice(start, i + 1), i - start);
      expect(Math.abs(short[i] - alone.logprob[0]), `position ${i}`).toBeLessThan(1e-5);
      expect(Math.abs(out.entropyShort['32/8'][i] - alone.entropy[0]), `entropy at ${i}`).toBeLessThan(1e-5);
      expect(out.top1Short['32/8'][i], `top-1 at ${i}`).toBe(alone.top1[0]);
    }
    // past the first window the short window sees less than the long pass: its entropies differ somewhere
    expect(ids.slice(40).some((_, k) => Math.abs(out.entropyShort['32/8'][40 + k] - out.entropy[40 + k]) > 1e-3)).toBe(true);
    expect(Object.keys(out.entropyShort)).toEqual(['32/8']);
    // long context: position 150 lies in the second long window [48, 176)
    const alone = await model.forward(ids.slice(48, 151), 150 - 48);
    expect(Math.abs(out.logprob.long[150] - alone.logprob[0])).toBeLessThan(1e-5);
    expect(Number.isNaN(out.logprob.long[0])).toBe(true);
  });

  it('batched and unbatched plans agree, with BOS too', async () => {
    const ids = model.tokenize(text).ids.slice(0, 160);
    for (const addBos of model.bosTokenId === null ? [false] : [false, true]) {
      const spec: StatsSpec = { contextLength: 96, stride: 32, maxTokens: 0, shortWindows: [{ size: 24, step: 8 }, { size: 48, step: 16 }], addBos };
      const plan = planForwards(ids.length, spec);
      const a = await model.runPlan(ids, plan, addBos);
      const b = await unbatched.runPlan(ids, plan, addBos);
      for (const field of Object.keys(b.logprob)) {
        for (let i = 0; i < ids.length; i++) {
          const x = a.logprob[field][i];
          const y = b.logprob[field][i];
          if (Number.isNaN(y)) expect(Number.isNaN(x)).toBe(true);
          else expect(Math.abs(x - y), `${field} ${i}`).toBeLessThan(1e-5);
        }
      }
      expect(Array.from(a.top1)).toEqual(Array.from(b.top1));
      for (const field of Object.keys(b.entropyShort)) {
        expect(Array.from(a.top1Short[field]), `${field} top-1`).toEqual(Array.from(b.top1Short[field]));
        for (let i = 0; i < ids.length; i++) {
          const [x, y] = [a.entropyShort[field][i], b.entropyShort[field][i]];
          if (Number.isNaN(y)) expect(Number.isNaN(x)).toBe(true);
          else expect(Math.abs(x - y), `${field} entropy ${i}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('greedy decoding picks the arg-max at every step', async () => {
    const prompt = model.tokenize('The Government Accountability Office').ids;
    const gen = await model.generateGreedy(prompt, 6);
    expect(gen.length).toBeGreaterThan(0);
    const all = Int32Array.from([...prompt, ...gen]);
    const r = await model.forward(all, prompt.length);
    expect(Array.from(r.top1)).toEqual(Array.from(gen, () => 1));
  });
});

describe('onnx engine load errors', () => {
  it('names the missing file', async () => {
    await expect(onnxEngine.load({ id: 'x', dir: path.join(REPO_ROOT, 'fixtures/corpus') })).rejects.toThrow(/fixtures\/corpus\/config.json: config.json not found/);
  });
});

/** fixtures/models/tiny-qwen2/golden_logprobs.json, written by scripts/zoo/build_zoo.py (golden()). */
interface Golden {
  text: string;
  cases: {
    name: string;
    offset_tokens: number;
    token_ids: number[];
    byte_start: number[];
    byte_end: number[];
    /** null at position 0 (no BOS, no prediction) */
    logprob: (number | null)[];
    entropy: (number | null)[];
    top1: (number | null)[];
  }[];
}
