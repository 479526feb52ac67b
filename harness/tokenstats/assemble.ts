// Plan outputs + tokenization -> DocStats. Engine-independent: both engines' runPlan outputs go through here.
import type { PlanOutputs, TokenizedText } from '../engine/types.ts';
import { LONG_FIELD, scoredFrom } from './plan.ts';
import { shortWindowKey, type DocStats, type StatsSpec } from './types.ts';

/** The document's tokens cut to spec.maxTokens (0 = no cut). */
export function cutTokens(t: TokenizedText, maxTokens: number): TokenizedText {
  if (maxTokens <= 0 || t.ids.length <= maxTokens) return t;
  return { ids: t.ids.slice(0, maxTokens), byteStart: t.byteStart.slice(0, maxTokens), byteEnd: t.byteEnd.slice(0, maxTokens) };
}

export function assembleDocStats(docId: string, tokens: TokenizedText, spec: StatsSpec, out: PlanOutputs): DocStats {
  const n = tokens.ids.length;
  const field = (name: string): Float32Array => {
    const a = out.logprob[name];
    if (a === undefined) return new Float32Array(n).fill(NaN); // a document too short to score anything
    if (a.length !== n) throw new Error(`plan outputs for ${docId}: field ${name} has ${a.length} positions, expected ${n}`);
    return a;
  };
  const logprobShort: Record<string, Float32Array> = {};
  const entropyShort: Record<string, Float32Array> = {};
  const top1Short: Record<string, Uint8Array> = {};
  for (const w of spec.shortWindows) {
    const k = shortWindowKey(w);
    logprobShort[k] = field(k);
    const e = out.entropyShort[k];
    const t = out.top1Short[k];
    if ((e !== undefined && e.length !== n) || (t !== undefined && t.length !== n)) {
      throw new Error(`plan outputs for ${docId}: entropy or top-1 of short window ${k} do not have ${n} positions`);
    }
    // Absent only when the plan scored nothing under that window (a document too short).
    entropyShort[k] = e ?? new Float32Array(n).fill(NaN);
    top1Short[k] = t ?? new Uint8Array(n);
  }
  return {
    docId,
    n,
    scoredFrom: scoredFrom(spec),
    tokenIds: tokens.ids,
    byteStart: tokens.byteStart,
    byteEnd: tokens.byteEnd,
    logprobLong: field(LONG_FIELD),
    logprobShort,
    entropy: out.entropy.length === n ? out.entropy : new Float32Array(n).fill(NaN),
    top1: out.top1.length === n ? out.top1 : new Uint8Array(n),
    entropyShort,
    top1Short,
  };
}
