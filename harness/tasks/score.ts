// Exact match of greedy generation by teacher forcing: greedy decoding reproduces an answer span exactly iff
// every answer token is the arg-max given everything before it (the gold prefix included). So one forward over
// prompt + answer, reading the top-1 flags of the answer positions, decides every span of an item.
import type { LanguageModel } from '../engine/types.ts';
import type { ItemResult, TaskItem } from './types.ts';

export type ScoringModel = Pick<LanguageModel, 'forward' | 'bosTokenId'> & { maxPositions?: number };
export type GreedyModel = Pick<LanguageModel, 'generateGreedy' | 'bosTokenId'> & { maxPositions?: number };

/**
 * The ids the model reads: BOS first when the model has one (the zoo's tokenizer has none), and, when the input
 * exceeds the positions the model declares, LongBench's middle truncation (keep the first and the last halves), so
 * a short-context model still sees the question and loses the middle of the context. `offset` is added to a
 * position of item.ids that lies in the kept tail (every answer does) to find it in `ids`.
 */
export function modelInput(
  model: { bosTokenId: number | null; maxPositions?: number },
  ids: Int32Array,
  firstAnswer = ids.length,
): { ids: Int32Array; offset: number } {
  const bos = model.bosTokenId === null || model.bosTokenId === undefined ? 0 : 1;
  const max = model.maxPositions ?? Infinity;
  const cut = Math.max(0, bos + ids.length - max);
  const out = new Int32Array(bos + ids.length - cut);
  if (bos) out[0] = model.bosTokenId!;
  const head = cut > 0 ? Math.floor(max / 2) - bos : ids.length;
  out.set(ids.subarray(0, head), bos);
  if (cut > 0) {
    if (head + cut > firstAnswer) throw new Error(`modelInput: truncation to ${max} positions would cut into the answer`);
    out.set(ids.subarray(head + cut), bos + head);
  }
  return { ids: out, offset: bos - cut };
}

export async function scoreItem(model: ScoringModel, item: TaskItem): Promise<ItemResult> {
  const { ids, offset } = modelInput(model, item.ids, item.spans[0].start);
  const scoreFrom = offset + item.spans[0].start;
  const result = await model.forward(ids, scoreFrom);
  let tokensCorrect = 0;
  let tokensTotal = 0;
  let spansCorrect = 0;
  for (const span of item.spans) {
    let all = true;
    for (let p = span.start; p < span.end; p++) {
      tokensTotal++;
      if (result.top1[offset + p - scoreFrom] === 1) tokensCorrect++;
      else all = false;
    }
    if (all) spansCorrect++;
  }
  const exact = {
    correct: spansCorrect === item.spans.length,
    spansCorrect,
    spansTotal: item.spans.length,
    score: spansCorrect / item.spans.length,
    tokensCorrect,
    tokensTotal,
  };
  if (!item.candidates?.length) return exact;
  const last = item.spans[item.spans.length - 1];
  let gold = 0;
  for (let p = last.start; p < last.end; p++) gold += result.logprob[offset + p - scoreFrom];
  let rank = 1;
  for (const cand of item.candidates) {
    if ((await answerLogLikelihood(model, item.ids.subarray(0, last.start), cand)) >= gold) rank++;
  }
  return { ...exact, score: 1 / rank, rank };
}

/** Summed log-probability of `answer` right after `prompt` (one forward; float64 sum of the float32 values). */
export async function answerLogLikelihood(model: ScoringModel, prompt: Int32Array, answer: Int32Array): Promise<number> {
  const seq = new Int32Array(prompt.length + answer.length);
  seq.set(prompt);
  seq.set(answer, prompt.length);
  const { ids, offset } = modelInput(model, seq, prompt.length);
  const scoreFrom = offset + prompt.length;
  const result = await model.forward(ids, scoreFrom);
  let sum = 0;
  for (let i = 0; i < answer.length; i++) sum += result.logprob[i];
  return sum;
}

/** The slow reference: greedy decoding of each span from the gold text before it. Used by tests. */
export async function greedyItem(
  model: GreedyModel,
  item: TaskItem,
): Promise<{ correct: boolean; spansCorrect: number; generated: Int32Array[] }> {
  const { ids, offset } = modelInput(model, item.ids, item.spans[0].start);
  const generated: Int32Array[] = [];
  let spansCorrect = 0;
  for (const span of item.spans) {
    const want = item.ids.subarray(span.start, span.end);
    const got = await model.generateGreedy(ids.slice(0, offset + span.start), want.length);
    generated.push(got);
    if (got.length === want.length && got.every((t, i) => t === want[i])) spansCorrect++;
  }
  return { correct: spansCorrect === item.spans.length, spansCorrect, generated };
}
