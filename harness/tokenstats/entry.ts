// One cache entry = the DocStats of one document, as a binary file:
//   "LPTS1\n" | uint32 LE header length | header JSON | arrays (little-endian, in header order) | sha256 of all before
// The trailing checksum makes any flipped or missing byte detectable. The cost of computing the entry lives in a
// sidecar JSON (entry name + ".cost.json") so that entries are byte-identical across runs (wall time is not).
import { sha256Bytes as sha256 } from '../util/hash.ts';
import type { DocStats } from './types.ts';

const MAGIC = Buffer.from('LPTS1\n', 'latin1');

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
  const arrays = [d.tokenIds, d.byteStart, d.byteEnd, d.logprobLong, ...shortKeys.map((k) => d.logprobShort[k]), d.entropy, d.top1];
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
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptEntryError('not a token-statistics entry');
  const hlen = body.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4;
  const header = JSON.parse(body.subarray(at, at + hlen).toString('utf8')) as Header;
  at += hlen;
  if (header.key !== expectedKey) throw new CorruptEntryError(`holds key ${header.key}, expected ${expectedKey}`);
  const n = header.n;
  const expected = at + n * 4 * (5 + header.shortKeys.length) + n;
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
  const top1 = take(n, (b) => new Uint8Array(b));
  return { docId: header.docId, n, scoredFrom: header.scoredFrom, tokenIds, byteStart, byteEnd, logprobLong, logprobShort, entropy, top1 };
}
