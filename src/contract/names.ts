// Names and digests collect writes and serve reads: the content hash, how much of it a
// hashed name carries, where it goes in a name, the SRI value, and the error for a name
// nobody knows.
import { createHash } from 'node:crypto';
import { StaticOriginError } from '../errors.js';

/** Hex digits of the content hash in a hashed name: `style.3f2a9c1b7d4e.css`. */
export const NAME_HASH_LENGTH = 12;
/** Hex digits of the manifest's hash in an ETag: `"3f2a…"` (128 bits: collisions are not a concern). */
export const ETAG_HASH_LENGTH = 32;

/** The content hash: full sha256 hex digest of the final bytes. */
export function digest(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Subresource Integrity value of the bytes (sha384, as browsers and importmap-rails use). */
export function integrityOf(data: Uint8Array): string {
  return `sha384-${createHash('sha384').update(data).digest('base64')}`;
}

/** Splits `name?query#fragment` into the path and the suffix to keep. */
export function splitSuffix(name: string): [path: string, suffix: string] {
  const cut = name.search(/[?#]/);
  return cut < 0 ? [name, ''] : [name.slice(0, cut), name.slice(cut)];
}

/**
 * Inserts a hash before the last extension of the base name, keeping directory, query and
 * fragment as written: `style.css` → `style.<h>.css`, `app.js.map` → `app.js.<h>.map`,
 * `Makefile` → `Makefile.<h>`, `img/a.png?v#x` → `img/a.<h>.png?v#x`. `hash` may be the full
 * digest: the name takes its first `NAME_HASH_LENGTH` digits.
 */
export function hashedName(name: string, hash: string): string {
  const h = hash.slice(0, NAME_HASH_LENGTH);
  const [path, suffix] = splitSuffix(name);
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const hashed = dot > 0 ? `${base.slice(0, dot)}.${h}${base.slice(dot)}` : `${base}.${h}`;
  return path.slice(0, slash + 1) + hashed + suffix;
}

/** Whether `hashedName` would give this name for some name and this hash (a hashed copy of some earlier collect). */
export function carriesHash(name: string, hash: string): boolean {
  const h = `.${hash.slice(0, NAME_HASH_LENGTH)}`;
  const base = name.slice(name.lastIndexOf('/') + 1);
  // `Makefile.<h>`, `.htaccess.<h>`: a base with no extension of its own (no dot after its first character).
  if (base.endsWith(h)) {
    const stem = base.slice(0, -h.length);
    if (stem !== '' && stem.indexOf('.', 1) < 0) return true;
  }
  // `style.<h>.css`: the hash before the last extension, with something before it.
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return false;
  const stem = base.slice(0, dot);
  return stem.length > h.length && stem.endsWith(h);
}

/** The error for a name nobody knows, naming the closest known names. */
export function unknownNameError(name: string, known: Iterable<string>): StaticOriginError {
  const near = closestNames(name, known, 3);
  const hint = near.length ? `; did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?` : '';
  return new StaticOriginError('ERR_STATIC_ORIGIN_UNKNOWN_NAME', `static-origin: unknown static file ${JSON.stringify(name)}${hint}`);
}

/** The `count` known names closest to `name` by edit distance (ties by name). */
export function closestNames(name: string, known: Iterable<string>, count: number): string[] {
  const scored: Array<[number, string]> = [];
  for (const candidate of known) {
    const d = editDistance(name, candidate, Math.max(name.length, candidate.length));
    scored.push([d, candidate]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const limit = Math.max(3, Math.ceil(name.length * 0.6));
  return scored
    .filter(([d]) => d <= limit)
    .slice(0, count)
    .map(([, n]) => n);
}

function editDistance(a: string, b: string, cap: number): number {
  if (a === b) return 0;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < best) best = cur[j];
    }
    if (best > cap) return cap + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
