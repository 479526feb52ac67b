// Building contexts of an exact token length from units (sentences, key-value lines), inserting needles at unit
// boundaries, and concatenating prompt parts into one sequence with its answer spans.
import type { AnswerSpan } from './types.ts';

export function totalLength(units: readonly Int32Array[]): number {
  let n = 0;
  for (const u of units) n += u.length;
  return n;
}

/**
 * Pulls units until they hold at least nTokens, then cuts the first unit from its start so that they hold
 * exactly nTokens (a context that begins mid-sentence, like a cut document, and ends at a unit boundary).
 */
export function takeExactly(nextUnit: () => Int32Array, nTokens: number): Int32Array[] {
  if (nTokens <= 0) return [];
  const units: Int32Array[] = [];
  let total = 0;
  for (let guard = 0; total < nTokens; guard++) {
    if (guard > 1_000_000) throw new Error('takeExactly: unit source yields no tokens');
    const u = nextUnit();
    if (u.length === 0) continue;
    units.push(u);
    total += u.length;
  }
  let excess = total - nTokens;
  while (excess >= units[0].length) excess -= units.shift()!.length;
  if (excess > 0) units[0] = units[0].subarray(excess);
  return units;
}

/** Pulls units until they hold at least nTokens and cuts the last one at its end (text after an anchor). */
export function takeExactlyTrailing(nextUnit: () => Int32Array, nTokens: number): Int32Array[] {
  const units: Int32Array[] = [];
  let total = 0;
  for (let guard = 0; total < nTokens; guard++) {
    if (guard > 1_000_000) throw new Error('takeExactlyTrailing: unit source yields no tokens');
    const u = nextUnit();
    if (u.length === 0) continue;
    const keep = Math.min(u.length, nTokens - total);
    units.push(keep === u.length ? u : u.subarray(0, keep));
    total += keep;
  }
  return units;
}

export interface Insert {
  ids: Int32Array;
  /** 0 = before the first unit, 1 = after the last; snapped to the nearest unit boundary. */
  depth: number;
}

/** Inserts each insert at the unit boundary nearest to depth x (context length); ties keep insert order. */
export function insertAtDepths(units: readonly Int32Array[], inserts: readonly Insert[]): Int32Array[] {
  const total = totalLength(units);
  const offsets: number[] = [0];
  for (const u of units) offsets.push(offsets[offsets.length - 1] + u.length);
  const boundaryOf = (depth: number): number => {
    const target = Math.min(1, Math.max(0, depth)) * total;
    let best = 0;
    for (let k = 1; k < offsets.length; k++) {
      if (Math.abs(offsets[k] - target) < Math.abs(offsets[best] - target)) best = k;
    }
    return best;
  };
  const at = new Map<number, Int32Array[]>();
  for (const ins of inserts) {
    const k = boundaryOf(ins.depth);
    if (!at.has(k)) at.set(k, []);
    at.get(k)!.push(ins.ids);
  }
  const out: Int32Array[] = [];
  for (let k = 0; k <= units.length; k++) {
    for (const ids of at.get(k) ?? []) out.push(ids);
    if (k < units.length) out.push(units[k]);
  }
  return out;
}

/** A prompt part: plain ids, or ids the model must produce (an answer span). */
export interface Part {
  ids: Int32Array;
  answer?: boolean;
}

export function concatParts(parts: readonly Part[]): { ids: Int32Array; spans: AnswerSpan[] } {
  const n = parts.reduce((s, p) => s + p.ids.length, 0);
  const ids = new Int32Array(n);
  const spans: AnswerSpan[] = [];
  let at = 0;
  for (const p of parts) {
    ids.set(p.ids, at);
    if (p.answer && p.ids.length > 0) spans.push({ start: at, end: at + p.ids.length });
    at += p.ids.length;
  }
  return { ids, spans };
}

export function concatIds(chunks: readonly Int32Array[]): Int32Array {
  return concatParts(chunks.map((ids) => ({ ids }))).ids;
}
