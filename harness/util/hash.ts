// sha256, the one digest of the repository (file identities, locks, claims, cache entries).
import { createHash, type Hash } from 'node:crypto';

/** Hex sha256 of a string (UTF-8) or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Raw 32-byte sha256, for binary checksums. */
export function sha256Bytes(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** An incremental sha256, for digests over many parts or streams. */
export function sha256Hasher(): Hash {
  return createHash('sha256');
}
