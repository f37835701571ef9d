// Content hashes: names carry the first 12 hex digits of sha256 over the final bytes; SRI uses sha384.
import { createHash } from 'node:crypto';

export const NAME_HASH_LENGTH = 12;

/** Full sha256 hex digest. */
export function digest(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Subresource Integrity value for the bytes. */
export function integrity(data: Uint8Array): string {
  return 'sha384-' + createHash('sha384').update(data).digest('base64');
}

/**
 * Inserts the hash before the last extension of the base name: `style.css` → `style.<h>.css`,
 * `app.js.map` → `app.js.<h>.map`, `Makefile` → `Makefile.<h>`, `.htaccess` → `.htaccess.<h>`.
 */
export function hashedName(name: string, hash: string): string {
  const h = hash.slice(0, NAME_HASH_LENGTH);
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const hashed = dot > 0 ? `${base.slice(0, dot)}.${h}${base.slice(dot)}` : `${base}.${h}`;
  return name.slice(0, slash + 1) + hashed;
}
