// Hashes that lock the downstream file to its inputs: canonical JSON and the hash of the generated items (not of
// the task code's bytes: a comment or a refactor under harness/tasks changes no item and so no recorded file).
import { sha256Hasher } from '../util/hash.ts';
import type { TaskItem } from './types.ts';

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of a model's generated items (ids, token ids, answer spans, candidates), in grid order: what decides
 *  the downstream result besides the model and the task version. */
export function itemsSha256(items: readonly TaskItem[]): string {
  const h = sha256Hasher();
  for (const item of items) {
    h.update(`${item.id}\0${JSON.stringify(item.spans)}\0${item.ids.length}\0`);
    h.update(bytesOf(item.ids));
    for (const c of item.candidates ?? []) h.update(`\0${c.length}\0`).update(bytesOf(c));
    h.update('\n');
  }
  return h.digest('hex');
}

// Typed arrays are little-endian on every platform Node supports: the same items give the same bytes.
const bytesOf = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
