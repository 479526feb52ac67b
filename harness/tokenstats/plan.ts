// The forward plan of one document: which token ranges each forward reads and which positions it scores.
// Pure and engine-independent: the onnx engine loops over it, the torch worker executes the same plan natively.
import type { PlannedForward } from '../engine/types.ts';
import { shortWindowKey, type StatsSpec } from './types.ts';

export const LONG_FIELD = 'long';

/** First scored position: position 0 has no prediction unless a BOS token precedes it. */
export function scoredFrom(spec: Pick<StatsSpec, 'addBos'>): number {
  return spec.addBos ? 0 : 1;
}

/** Document tokens one long-pass forward may read: the BOS token (if any) takes one slot of contextLength. */
export function longCapacity(spec: Pick<StatsSpec, 'contextLength' | 'addBos'>): number {
  return spec.contextLength - (spec.addBos ? 1 : 0);
}

/** Reasons the spec cannot be planned (empty when it can): checked by the CLI and the cache before any work. */
export function specProblems(spec: StatsSpec): string[] {
  const out: string[] = [];
  const cap = longCapacity(spec);
  if (!Number.isInteger(spec.contextLength) || cap < 2) out.push(`contextLength ${spec.contextLength} must be an integer >= ${spec.addBos ? 3 : 2}`);
  if (!Number.isInteger(spec.stride) || spec.stride < 1 || spec.stride >= cap) {
    // stride = cap would leave the first token of a later window without any context.
    out.push(`stride ${spec.stride} must be an integer in [1, ${cap - 1}] (below contextLength${spec.addBos ? ' - 1 for BOS' : ''})`);
  }
  if (!Number.isInteger(spec.maxTokens) || spec.maxTokens < 0) out.push(`maxTokens ${spec.maxTokens} must be an integer >= 0`);
  const keys = new Set<string>();
  for (const w of spec.shortWindows) {
    if (!Number.isInteger(w.size) || !Number.isInteger(w.step) || w.size < 1 || w.step < 1) {
      out.push(`short window ${shortWindowKey(w)}: size and step must be integers >= 1`);
    }
    if (keys.has(shortWindowKey(w))) out.push(`short window ${shortWindowKey(w)} is listed twice`);
    keys.add(shortWindowKey(w));
  }
  return out;
}

/**
 * Long pass: the first forward reads [0, min(n, cap)); each later one advances its end by `stride` and reads the
 * last `cap` tokens before it, scoring only the new tokens, so each sees >= cap - stride tokens of context.
 * Short window (size W, step P): position i < W sees its whole prefix (one forward [0, min(n, W)));
 * position i >= W lies in chunk c = floor((i - W) / P), read as [cP, W + (c+1)P), so it sees i - cP in
 * [W, W + P - 1] tokens -- LongPPL's windows of 4096 advanced by 1024.
 */
export function planForwards(nTokens: number, spec: StatsSpec): PlannedForward[] {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new Error(`planForwards: invalid StatsSpec: ${problems.join('; ')}`);
  const from = scoredFrom(spec);
  const plan: PlannedForward[] = [];
  if (nTokens <= from) return plan;
  const cap = longCapacity(spec);
  let end = Math.min(nTokens, cap);
  plan.push({ start: 0, end, scoreFrom: from, field: LONG_FIELD });
  while (end < nTokens) {
    const next = Math.min(nTokens, end + spec.stride);
    plan.push({ start: Math.max(0, next - cap), end: next, scoreFrom: end, field: LONG_FIELD });
    end = next;
  }
  for (const w of spec.shortWindows) {
    const field = shortWindowKey(w);
    const head = Math.min(nTokens, w.size);
    if (head > from) plan.push({ start: 0, end: head, scoreFrom: from, field });
    for (let c = 0; w.size + c * w.step < nTokens; c++) {
      const scoreFrom = Math.max(from, w.size + c * w.step);
      plan.push({ start: c * w.step, end: Math.min(nTokens, w.size + (c + 1) * w.step), scoreFrom, field });
    }
  }
  return plan;
}

/** Tokens the plan feeds through the model (BOS included when the spec adds it). */
export function planTokens(plan: readonly PlannedForward[], addBos: boolean): number {
  let total = 0;
  for (const f of plan) total += f.end - f.start + (addBos ? 1 : 0);
  return total;
}
