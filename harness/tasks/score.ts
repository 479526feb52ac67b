// Exact match of greedy generation by teacher forcing: greedy decoding reproduces an answer span exactly iff
// every answer token is the arg-max given everything before it (the gold prefix included). So one forward over
// prompt + answer, reading the top-1 flags of the answer positions, decides every span of an item.
import type { LanguageModel } from '../engine/types.ts';
import type { ItemResult, TaskItem } from './types.ts';

export type ScoringModel = Pick<LanguageModel, 'forward' | 'bosTokenId'>;
export type GreedyModel = Pick<LanguageModel, 'generateGreedy' | 'bosTokenId'>;

/** The ids the model reads: BOS first when the model has one (the zoo's tokenizer has none). */
export function modelInput(model: { bosTokenId: number | null }, ids: Int32Array): { ids: Int32Array; offset: number } {
  if (model.bosTokenId === null || model.bosTokenId === undefined) return { ids, offset: 0 };
  const withBos = new Int32Array(ids.length + 1);
  withBos[0] = model.bosTokenId;
  withBos.set(ids, 1);
  return { ids: withBos, offset: 1 };
}

export async function scoreItem(model: ScoringModel, item: TaskItem): Promise<ItemResult> {
  const { ids, offset } = modelInput(model, item.ids);
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
  return {
    correct: spansCorrect === item.spans.length,
    spansCorrect,
    spansTotal: item.spans.length,
    score: spansCorrect / item.spans.length,
    tokensCorrect,
    tokensTotal,
  };
}

/** The slow reference: greedy decoding of each span from the gold text before it. Used by tests. */
export async function greedyItem(
  model: GreedyModel,
  item: TaskItem,
): Promise<{ correct: boolean; spansCorrect: number; generated: Int32Array[] }> {
  const { ids, offset } = modelInput(model, item.ids);
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
