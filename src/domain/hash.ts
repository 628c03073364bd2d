// The one SHA-256 helper: token and link hashes in the database, rate-limit keys, asset versions,
// model checksums. Hex unless asked otherwise.
import { createHash, type BinaryToTextEncoding } from 'node:crypto';

export function sha256(data: string | Uint8Array, encoding: BinaryToTextEncoding = 'hex'): string {
  return createHash('sha256').update(data).digest(encoding);
}

/** The raw 32-byte digest (for constant-time comparisons). */
export function sha256Bytes(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
