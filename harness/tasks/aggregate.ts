// Per-model summaries from per-item scores. An item's score is the fraction of its answer spans reproduced
// exactly (1 or 0 for one-span items; RULER scores multi-value and variable tracking the same way, by the share
// of references found), or for a ranked item (doc_qa) the reciprocal rank of the gold answer. The overall score
// is the zoo's "no4k": the mean over tasks of the mean item score at
// every length except the shortest (cells are equal in size, so this is the mean over those items).
import type { TaskId } from './types.ts';

export interface ItemKey {
  id: string;
  task: TaskId;
  length: number;
  depth: number;
}

export interface ModelSummary {
  overall: number;
  /** Per task, over the lengths that count for the overall score. */
  by_task: Record<string, number>;
  /** Per length, over all tasks (the shortest length included, for the breakdown). */
  by_length: Record<string, number>;
  /** task -> length -> depth -> accuracy. */
  cells: Record<string, Record<string, Record<string, number>>>;
}

/** An item's score from what the breakdown records: reciprocal rank for ranked items, else the share of exact spans. */
export function itemScore(spansCorrect: number, nSpans: number, rank: number): number {
  return rank > 0 ? 1 / rank : spansCorrect / nSpans;
}

function ratio(c: { n: number; k: number }): number {
  return c.n === 0 ? NaN : c.k / c.n;
}

export function depthKey(depth: number): string {
  return depth.toFixed(2);
}

export function summarize(items: readonly ItemKey[], scores: ArrayLike<number>): ModelSummary {
  if (scores.length !== items.length) throw new Error('summarize: one result per item is needed');
  if (items.length === 0) throw new Error('summarize: no items');
  const shortest = Math.min(...items.map((i) => i.length));
  const counters = new Map<string, { n: number; k: number }>();
  const add = (key: string, score: number): void => {
    let c = counters.get(key);
    if (!c) counters.set(key, (c = { n: 0, k: 0 }));
    c.n++;
    c.k += score;
  };
  const tasks: string[] = [];
  const lengths: number[] = [];
  const depths: number[] = [];
  items.forEach((item, i) => {
    const ok = scores[i];
    if (!(ok >= 0 && ok <= 1)) throw new Error(`summarize: item ${item.id} has score ${ok}, outside [0, 1]`);
    if (!tasks.includes(item.task)) tasks.push(item.task);
    if (!lengths.includes(item.length)) lengths.push(item.length);
    if (!depths.includes(item.depth)) depths.push(item.depth);
    add(`L\t${item.length}`, ok);
    add(`C\t${item.task}\t${item.length}\t${depthKey(item.depth)}`, ok);
    add(`TL\t${item.task}\t${item.length}`, ok);
    if (item.length > shortest) {
      add('overall', ok);
      add(`T\t${item.task}`, ok);
    }
  });
  lengths.sort((a, b) => a - b);
  depths.sort((a, b) => a - b);
  const get = (key: string): number => ratio(counters.get(key) ?? { n: 0, k: 0 });
  // Cells are equal in size only if the grid is full; otherwise the plain fraction would weight tasks unequally.
  const cells = [...counters].filter(([k]) => k.startsWith('TL\t'));
  const cellSizes = new Set(cells.map(([, c]) => c.n));
  if (cellSizes.size !== 1 || cells.length !== tasks.length * lengths.length) throw new Error('summarize: every task x length cell must exist and hold the same number of items');
  const summary: ModelSummary = { overall: get('overall'), by_task: {}, by_length: {}, cells: {} };
  for (const t of tasks) summary.by_task[t] = get(`T\t${t}`);
  for (const l of lengths) summary.by_length[String(l)] = get(`L\t${l}`);
  for (const t of tasks) {
    summary.cells[t] = {};
    for (const l of lengths) {
      summary.cells[t][String(l)] = {};
      for (const d of depths) {
        const v = get(`C\t${t}\t${l}\t${depthKey(d)}`);
        if (!Number.isNaN(v)) summary.cells[t][String(l)][depthKey(d)] = v;
      }
    }
  }
  return summary;
}
