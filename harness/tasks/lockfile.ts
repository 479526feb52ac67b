// The locked downstream files: the target ({model: {"overall", ...}}), a breakdown beside it (per task, length
// and depth, and every item's result), and a lock recording the sha256 of both and of the generator's inputs
// (config, haystack, task version, engine, and per model its fingerprint and the hash of its items).
// checkLockedFiles finds any edit made without re-running the generator.
import { existsSync, readFileSync } from 'node:fs';
import { itemScore, summarize, type ItemKey, type ModelSummary } from './aggregate.ts';
import { writeFilesAtomic } from '../util/atomic.ts';
import { sha256 } from '../util/hash.ts';
import { canonicalJson } from './hashing.ts';
import type { RunInputs, RunResult } from './runner.ts';
import { TASK_IDS, type TaskId } from './types.ts';

export const RELOCK_COMMAND = 'npx longproxy downstream --setting zoo';

export interface LockPaths {
  downstream: string;
  breakdown: string;
  lock: string;
}

/** results/downstream/zoo_downstream.json -> its .breakdown.json and .lock.json beside it. */
export function lockPaths(downstreamPath: string): LockPaths {
  const stem = downstreamPath.replace(/\.json$/, '');
  return { downstream: downstreamPath, breakdown: `${stem}.breakdown.json`, lock: `${stem}.lock.json` };
}

export interface BreakdownFile {
  description: string;
  relock_command: string;
  inputs: RunInputs;
  inputs_sha256: string;
  /** Item ids in grid order: "<task>/L<length>/d<depth>/i<index>". */
  items: string[];
  /** Answer spans of each item, one digit per item. */
  item_spans: string;
  /** Answers a ranked item ranks (gold included), one digit per item; 0 = scored by exact match. */
  item_candidates: string;
  /** Per model: summaries and, one digit per item, the spans it generated exactly and the gold answer's rank (0 = not ranked). */
  models: Record<string, ModelSummary & { spans_correct: string; ranks: string }>;
}

export interface LockFile {
  relock_command: string;
  inputs_sha256: string;
  downstream_sha256: string;
  breakdown_sha256: string;
}

export function inputsSha256(inputs: RunInputs): string {
  return sha256(canonicalJson(inputs));
}

export function parseItemId(id: string): ItemKey {
  const m = /^([a-z_]+)\/L(\d+)\/d(\d+(?:\.\d+)?)\/i\d+$/.exec(id);
  if (!m || !(TASK_IDS as readonly string[]).includes(m[1])) throw new Error(`not an item id: ${JSON.stringify(id)}`);
  return { id, task: m[1] as TaskId, length: Number(m[2]), depth: Number(m[3]) };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function buildLockedFiles(result: RunResult): { downstream: string; breakdown: string; lock: string } {
  const inputsHash = inputsSha256(result.inputs);
  const downstream: Record<string, unknown> = {};
  const breakdown: BreakdownFile = {
    description:
      'Zoo downstream breakdown: per model, accuracy per task (lengths above the shortest), per length, per ' +
      'task x length x depth cell, and per item (in the order of "items") the number of answer spans generated ' +
      'exactly ("spans_correct") out of "item_spans", and for ranked items (doc_qa; "item_candidates" answers ' +
      'ranked by log-likelihood) the gold answer\'s rank ("ranks", 0 = not ranked). An item scores 1 / rank when ' +
      'ranked, else spans_correct / item_spans.',
    relock_command: RELOCK_COMMAND,
    inputs: result.inputs,
    inputs_sha256: inputsHash,
    items: result.items.map((i) => i.id),
    item_spans: result.items.map((i) => String(i.nSpans)).join(''),
    item_candidates: result.items.map((i) => String(i.nCandidates)).join(''),
    models: {},
  };
  for (const m of result.models) {
    const s = summarize(result.items, m.spansCorrect.map((k, i) => itemScore(k, result.items[i].nSpans, m.ranks[i])));
    // The target holds scores only: its bytes (the verifier's downstream_sha256) change only when scores do.
    downstream[m.id] = { overall: s.overall, by_task: s.by_task, by_length: s.by_length };
    breakdown.models[m.id] = { ...s, spans_correct: m.spansCorrect.join(''), ranks: m.ranks.join('') };
  }
  const downstreamText = json(downstream);
  const breakdownText = json(breakdown);
  const lock: LockFile = {
    relock_command: RELOCK_COMMAND,
    inputs_sha256: inputsHash,
    downstream_sha256: sha256(downstreamText),
    breakdown_sha256: sha256(breakdownText),
  };
  return { downstream: downstreamText, breakdown: breakdownText, lock: json(lock) };
}

/** Writes all three files through temporary names, renaming only once all are written. */
export function writeLockedFiles(paths: LockPaths, files: { downstream: string; breakdown: string; lock: string }): void {
  const order: (keyof LockPaths)[] = ['breakdown', 'downstream', 'lock'];
  writeFilesAtomic(order.map((k) => [paths[k], files[k]] as const));
}

/** Every way the locked files disagree with each other or with their recorded hashes (empty = consistent). */
export function checkLockedFiles(paths: LockPaths): string[] {
  const problems: string[] = [];
  const read = (p: string): { text: string; value: any } | null => {
    if (!existsSync(p)) {
      problems.push(`${p} is missing; run \`${RELOCK_COMMAND}\``);
      return null;
    }
    const text = readFileSync(p, 'utf8');
    try {
      return { text, value: JSON.parse(text) };
    } catch {
      problems.push(`${p} is not valid JSON; run \`${RELOCK_COMMAND}\``);
      return null;
    }
  };
  const ds = read(paths.downstream);
  const bd = read(paths.breakdown);
  const lk = read(paths.lock);
  if (!ds || !bd || !lk) return problems;
  const lock = lk.value as LockFile;
  const breakdown = bd.value as BreakdownFile;
  if (sha256(ds.text) !== lock.downstream_sha256) problems.push(`${paths.downstream}: sha256 differs from the lock's downstream_sha256 (edited by hand?)`);
  if (sha256(bd.text) !== lock.breakdown_sha256) problems.push(`${paths.breakdown}: sha256 differs from the lock's breakdown_sha256 (edited by hand?)`);
  const inputsHash = inputsSha256(breakdown.inputs);
  if (inputsHash !== lock.inputs_sha256 || inputsHash !== breakdown.inputs_sha256) {
    problems.push(`${paths.breakdown}: its "inputs" do not hash to the recorded inputs_sha256`);
  }
  let items: ItemKey[] = [];
  try {
    items = breakdown.items.map(parseItemId);
  } catch (err) {
    problems.push(`${paths.breakdown}: field "items": ${(err as Error).message}`);
  }
  const nSpans = Array.from(String(breakdown.item_spans ?? ''), Number);
  if (nSpans.length !== items.length || nSpans.some((n) => !(n >= 1 && n <= 9))) {
    problems.push(`${paths.breakdown}: field "item_spans" must hold one digit 1-9 per item`);
    return problems;
  }
  const nCands = Array.from(String(breakdown.item_candidates ?? ''), Number);
  if (nCands.length !== items.length || nCands.some((n) => !(n === 0 || (n >= 2 && n <= 9)))) {
    problems.push(`${paths.breakdown}: field "item_candidates" must hold one digit per item (0, or 2-9 answers ranked)`);
    return problems;
  }
  const dsModels = Object.keys(ds.value);
  const bdModels = Object.keys(breakdown.models ?? {});
  const recorded = breakdown.inputs.models.map((m) => m.id);
  if (canonicalJson(dsModels) !== canonicalJson(recorded) || canonicalJson(bdModels) !== canonicalJson(recorded)) {
    problems.push(`model lists differ: downstream ${JSON.stringify(dsModels)}, breakdown ${JSON.stringify(bdModels)}, inputs ${JSON.stringify(recorded)}`);
  }
  for (const id of bdModels) {
    const m = breakdown.models[id];
    const k = Array.from(String(m.spans_correct ?? ''), Number);
    if (k.length !== items.length || k.some((v, i) => !(v >= 0 && v <= nSpans[i]))) {
      problems.push(`${paths.breakdown}: model ${id} field "spans_correct" must hold one digit (0..item_spans) per item`);
      continue;
    }
    const ranks = Array.from(String(m.ranks ?? ''), Number);
    if (ranks.length !== items.length || ranks.some((v, i) => (nCands[i] === 0 ? v !== 0 : !(v >= 1 && v <= nCands[i])))) {
      problems.push(`${paths.breakdown}: model ${id} field "ranks" must hold one digit per item (1..item_candidates when ranked, else 0)`);
      continue;
    }
    const s = summarize(items, k.map((v, i) => itemScore(v, nSpans[i], ranks[i])));
    const { spans_correct: _k, ranks: _r, ...stored } = m;
    if (canonicalJson(s) !== canonicalJson(stored)) problems.push(`${paths.breakdown}: model ${id} summaries do not follow from its item results`);
    const d = ds.value[id];
    const want = { overall: s.overall, by_task: s.by_task, by_length: s.by_length };
    if (canonicalJson(d) !== canonicalJson(want)) problems.push(`${paths.downstream}: model ${id} does not match its breakdown`);
  }
  return problems;
}

/**
 * The run a breakdown records, rebuilt from its per-item results under `inputs`: re-locking in a new file
 * format, or after a change that alters no result, without running a model. Throws when the breakdown is not
 * consistent (checkLockedFiles first).
 */
export function resultFromBreakdown(breakdown: BreakdownFile, inputs: RunInputs): RunResult {
  const ids = inputs.models.map((m) => m.id);
  if (canonicalJson(Object.keys(breakdown.models)) !== canonicalJson(ids)) {
    throw new Error(`the breakdown's models ${JSON.stringify(Object.keys(breakdown.models))} are not the current ones ${JSON.stringify(ids)}`);
  }
  const digits = (s: string): number[] => Array.from(s, Number);
  const nSpans = digits(breakdown.item_spans);
  const nCands = digits(breakdown.item_candidates);
  return {
    inputs,
    items: breakdown.items.map((id, i) => ({ ...parseItemId(id), nSpans: nSpans[i], nCandidates: nCands[i] })),
    models: inputs.models.map((m) => ({
      id: m.id,
      fingerprint: m.fingerprint,
      itemsSha256: m.items_sha256,
      spansCorrect: digits(breakdown.models[m.id].spans_correct),
      ranks: digits(breakdown.models[m.id].ranks),
    })),
    tokensProcessed: 0,
    wallSeconds: 0,
  };
}

/** Which recorded inputs differ from the current ones (by top-level part, and by model). */
export function diffInputs(recorded: RunInputs, current: RunInputs): string[] {
  const out: string[] = [];
  for (const key of ['config', 'haystack', 'tasks_version', 'engine'] as const) {
    if (canonicalJson(recorded[key]) !== canonicalJson(current[key])) out.push(key);
  }
  const rec = new Map(recorded.models.map((m) => [m.id, m]));
  for (const m of current.models) {
    const r = rec.get(m.id);
    if (!r) out.push(`model ${m.id} (new)`);
    else if (r.fingerprint !== m.fingerprint) out.push(`model ${m.id} (fingerprint)`);
    else if (r.items_sha256 !== m.items_sha256) out.push(`model ${m.id} (items)`);
  }
  const cur = new Map(current.models.map((m) => [m.id, m]));
  for (const id of rec.keys()) if (!cur.has(id)) out.push(`model ${id} (removed)`);
  if (canonicalJson(recorded.models.map((m) => m.id)) !== canonicalJson(current.models.map((m) => m.id)) && out.length === 0) {
    out.push('model order');
  }
  return out;
}
