// Runs the task grid on a list of models through an engine: items are generated once per tokenizer, each item
// is one teacher-forced forward, and the per-item results are kept in grid order for the breakdown and the lock.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine, LanguageModel, ModelRef } from '../engine/types.ts';
import { loadHaystack, tokenizeDocuments } from './haystack.ts';
import { sha256 } from '../util/hash.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { itemsSha256 } from './hashing.ts';
import { generateItems } from './items.ts';
import type { Progress } from './progress.ts';
import { scoreItem } from './score.ts';
import type { TaskConfig, TaskId, TaskItem } from './types.ts';
import { TASKS_VERSION } from './version.ts';

export interface RunInputs {
  config: TaskConfig;
  haystack: { path: string; sha256: string };
  /** TASKS_VERSION (version.ts): how items are scored. */
  tasks_version: string;
  engine: { id: string; version: string };
  /** items_sha256: the model's items of the whole grid (itemsSha256), whatever subset was run. */
  models: { id: string; fingerprint: string; items_sha256: string }[];
}

export interface ModelRun {
  id: string;
  fingerprint: string;
  /** Answer spans generated exactly, per item in the order of RunResult.items. */
  spansCorrect: number[];
  /** itemsSha256 of the whole grid's items for this model. */
  itemsSha256: string;
  /** Ranked items: the gold answer's rank (1 = first); 0 for items scored by exact match. */
  ranks: number[];
}

export interface RunResult {
  inputs: RunInputs;
  /** nCandidates: answers a ranked item ranks (gold included), 0 for exact-match items. */
  items: (Pick<TaskItem, 'id' | 'task' | 'length' | 'depth'> & { nSpans: number; nCandidates: number })[];
  models: ModelRun[];
  tokensProcessed: number;
  wallSeconds: number;
}

export interface RunOptions {
  config: TaskConfig;
  /** Repository-relative path of the haystack file. */
  haystackPath: string;
  models: readonly ModelRef[];
  engine: Engine;
  /** Restrict the grid (a subset re-run); the recorded inputs still describe the whole config. */
  filter?: (task: TaskId, length: number, depth: number, index: number) => boolean;
  progress?: (totalItems: number) => Progress;
}

/** What decides the items a tokenizer gets: its tokenizer.json, or the whole model when there is none. */
export function tokenizerKey(model: LanguageModel, dir: string): string {
  const file = path.join(dir, 'tokenizer.json');
  return existsSync(file) ? `tokenizer:${sha256(readFileSync(file))}` : `model:${model.fingerprint}`;
}

export async function runDownstream(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const haystackFile = path.resolve(REPO_ROOT, options.haystackPath);
  const haystack = loadHaystack(haystackFile);
  const itemsByTokenizer = new Map<string, { items: TaskItem[]; sha256: string }>();
  const models: ModelRun[] = [];
  let reference: TaskItem[] | undefined;
  let progress: Progress | undefined;
  let tokensProcessed = 0;
  for (const ref of options.models) {
    const dir = path.resolve(REPO_ROOT, ref.dir);
    const model = await options.engine.load({ id: ref.id, dir });
    try {
      const key = tokenizerKey(model, dir);
      let generated = itemsByTokenizer.get(key);
      if (!generated) {
        const docs = tokenizeDocuments(haystack.documents, model);
        const items = generateItems(options.config, model, docs, options.filter);
        // The recorded hash is the whole grid's, so that a subset re-run records the same inputs.
        const whole = options.filter ? generateItems(options.config, model, docs) : items;
        generated = { items, sha256: itemsSha256(whole) };
        itemsByTokenizer.set(key, generated);
      }
      const items = generated.items;
      reference ??= items;
      if (items.length !== reference.length || items.some((it, i) => it.id !== reference![i].id)) {
        throw new Error(`${ref.id}: its item grid differs from the first model's`);
      }
      progress ??= options.progress?.(options.models.length * items.length);
      const spansCorrect: number[] = [];
      const ranks: number[] = [];
      for (const item of items) {
        const r = await scoreItem(model, item);
        spansCorrect.push(r.spansCorrect);
        ranks.push(r.rank ?? 0);
        tokensProcessed += item.ids.length;
        for (const c of item.candidates ?? []) tokensProcessed += item.spans[item.spans.length - 1].start + c.length;
        progress?.tick(1, item.ids.length);
      }
      models.push({ id: ref.id, fingerprint: model.fingerprint, itemsSha256: generated.sha256, spansCorrect, ranks });
    } finally {
      await model.dispose();
    }
  }
  progress?.done();
  if (!reference) throw new Error('runDownstream: no models');
  return {
    inputs: {
      config: options.config,
      haystack: { path: options.haystackPath, sha256: haystack.sha256 },
      tasks_version: TASKS_VERSION,
      engine: { id: options.engine.id, version: options.engine.version },
      models: models.map((m) => ({ id: m.id, fingerprint: m.fingerprint, items_sha256: m.itemsSha256 })),
    },
    items: reference.map(({ id, task, length, depth, spans, candidates }) => ({
      id,
      task,
      length,
      depth,
      nSpans: spans.length,
      nCandidates: candidates ? candidates.length + 1 : 0,
    })),
    models,
    tokensProcessed,
    wallSeconds: (Date.now() - started) / 1000,
  };
}
