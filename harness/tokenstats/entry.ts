// One cache entry = the DocStats of one document, as a binary file (entry format 2):
//   "LPTS2\n" | uint32 LE header length | header JSON | arrays (little-endian, in header order) | sha256 of all before
// Arrays: tokenIds, byteStart, byteEnd (i32), logprobLong, logprobShort[k] for k in shortKeys, entropy (f32), top1
// (u8), then for k in shortKeys entropyShort[k] (f32) and top1Short[k] (u8). Format 1 ("LPTS1\n", before the
// short-window entropies and top-1 flags) is never read: its entries sit under other keys (cache.ts entryKey holds
// the format) and are recomputed; one met under a format-2 key is rejected by its magic.
// The trailing checksum makes any flipped or missing byte detectable. The cost of computing the entry lives in a
// sidecar JSON (entry name + ".cost.json") so that entries are byte-identical across runs (wall time is not).
import { sha256Bytes as sha256 } from '../util/hash.ts';
import type { DocStats } from './types.ts';

/** The entry format this code writes and reads (part of every cache key). */
export const ENTRY_FORMAT = 2;
const MAGIC = Buffer.from('LPTS2\n', 'latin1');
const MAGIC_V1 = Buffer.from('LPTS1\n', 'latin1');

interface Header {
  key: string;
  docId: string;
  n: number;
  scoredFrom: number;
  shortKeys: string[];
}

function bytesOf(a: Int32Array | Float32Array | Uint8Array): Buffer {
  // Typed arrays are little-endian on every platform Node supports.
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeEntry(key: string, d: DocStats): Buffer {
  const shortKeys = Object.keys(d.logprobShort);
  const header: Header = { key, docId: d.docId, n: d.n, scoredFrom: d.scoredFrom, shortKeys };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const perWindow = (name: string, rec: Record<string, Float32Array | Uint8Array>, k: string): Float32Array | Uint8Array => {
    const a = rec[k];
    if (a === undefined) throw new Error(`cache entry ${d.docId}: ${name} has no array for short window ${k}`);
    return a;
  };
  const arrays = [
    d.tokenIds, d.byteStart, d.byteEnd, d.logprobLong, ...shortKeys.map((k) => d.logprobShort[k]), d.entropy, d.top1,
    ...shortKeys.flatMap((k) => [perWindow('entropyShort', d.entropyShort, k), perWindow('top1Short', d.top1Short, k)]),
  ];
  for (const a of arrays) {
    if (a.length !== d.n) throw new Error(`cache entry ${d.docId}: an array has ${a.length} values, expected n = ${d.n}`);
  }
  const body = Buffer.concat([MAGIC, len, json, ...arrays.map(bytesOf)]);
  return Buffer.concat([body, sha256(body)]);
}

export class CorruptEntryError extends Error {}

/** Decodes and checks an entry; throws CorruptEntryError on any damage or a key that is not the expected one. */
export function decodeEntry(buf: Buffer, expectedKey: string): DocStats {
  if (buf.length < MAGIC.length + 4 + 32) throw new CorruptEntryError(`truncated (${buf.length} bytes)`);
  const body = buf.subarray(0, buf.length - 32);
  if (!sha256(body).equals(buf.subarray(buf.length - 32))) throw new CorruptEntryError('checksum mismatch');
  if (body.subarray(0, MAGIC_V1.length).equals(MAGIC_V1)) {
    throw new CorruptEntryError(`entry format 1 (no short-window entropies); this code reads format ${ENTRY_FORMAT}: it is recomputed`);
  }
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptEntryError('not a token-statistics entry');
  const hlen = body.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4;
  const header = JSON.parse(body.subarray(at, at + hlen).toString('utf8')) as Header;
  at += hlen;
  if (header.key !== expectedKey) throw new CorruptEntryError(`holds key ${header.key}, expected ${expectedKey}`);
  const n = header.n;
  const w = header.shortKeys.length;
  const expected = at + n * 4 * (5 + w) + n + w * 5 * n;
  if (body.length !== expected) throw new CorruptEntryError(`size ${body.length} does not match n = ${n}`);
  // Copy into fresh, aligned buffers (the file buffer's offsets need not be 4-aligned).
  const take = <T>(bytes: number, make: (b: ArrayBuffer) => T): T => {
    const copy = new Uint8Array(bytes);
    copy.set(body.subarray(at, at + bytes));
    at += bytes;
    return make(copy.buffer);
  };
  const i32 = (): Int32Array => take(n * 4, (b) => new Int32Array(b));
  const f32 = (): Float32Array => take(n * 4, (b) => new Float32Array(b));
  const tokenIds = i32();
  const byteStart = i32();
  const byteEnd = i32();
  const logprobLong = f32();
  const logprobShort: Record<string, Float32Array> = {};
  for (const k of header.shortKeys) logprobShort[k] = f32();
  const entropy = f32();
  const u8 = (): Uint8Array => take(n, (b) => new Uint8Array(b));
  const top1 = u8();
  const entropyShort: Record<string, Float32Array> = {};
  const top1Short: Record<string, Uint8Array> = {};
  for (const k of header.shortKeys) {
    entropyShort[k] = f32();
    top1Short[k] = u8();
  }
  return { docId: header.docId, n, scoredFrom: header.scoredFrom, tokenIds, byteStart, byteEnd, logprobLong, logprobShort, entropy, top1, entropyShort, top1Short };
}
