// The item grid: every task x length x depth x index, each generated from its own derived seed, so an item does
// not change when another task or cell is added or changed.
import { GenContext } from './context.ts';
import { generatorsFor } from './generators/index.ts';
import type { TokenizedDocument } from './haystack.ts';
import { deriveSeed, Rng } from '../util/rng.ts';
import type { TaskConfig, TaskId, TaskItem, TaskTokenizer } from './types.ts';

export function itemId(task: TaskId, length: number, depth: number, index: number): string {
  return `${task}/L${length}/d${depth.toFixed(2)}/i${index}`;
}

export function generateItems(
  config: TaskConfig,
  tokenizer: TaskTokenizer,
  docs: readonly TokenizedDocument[],
  filter?: (task: TaskId, length: number, depth: number, index: number) => boolean,
): TaskItem[] {
  const ctx = new GenContext(config, tokenizer, docs);
  const gens = generatorsFor(ctx);
  const items: TaskItem[] = [];
  for (const task of config.tasks) {
    for (const length of config.lengths) {
      for (const depth of config.depths) {
        for (let index = 0; index < config.itemsPerCell; index++) {
          if (filter && !filter(task, length, depth, index)) continue;
          const id = itemId(task, length, depth, index);
          const rng = new Rng(deriveSeed(config.seed, id));
          const { ids, spans, candidates } = gens[task](ctx, rng, length, depth);
          if (ids.length !== length) throw new Error(`${id}: generated ${ids.length} tokens, expected ${length}`);
          if (spans.length === 0 || spans.length > 9 || spans[spans.length - 1].end !== length) {
            throw new Error(`${id}: 1 to 9 answer spans, the last ending the sequence, are needed`);
          }
          if (candidates && (candidates.length < 1 || candidates.length > 8)) throw new Error(`${id}: 1 to 8 candidates besides the gold answer are needed`);
          items.push({ id, task, length, depth, index, ids, spans, ...(candidates ? { candidates } : {}) });
        }
      }
    }
  }
  return items;
}
