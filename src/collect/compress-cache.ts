// A persistent, content-addressed store of compression output, shared by every collect on
// a machine (`node_modules/.cache/static-origin` by default, as Babel, ESLint and Vite keep
// theirs): a fresh checkout or an empty `out` compresses nothing it compressed before.
//
// An entry is keyed by the digest of the input, the encoding and the compressor's settings,
// and holds a checksum of its payload: a torn or edited entry is detected, ignored and
// replaced. Entries are written to a temporary name and renamed, so two collects sharing
// the cache never see half an entry. The store is bounded: past `maxBytes`, the entries
// used longest ago are removed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodingName } from '../contract/encodings.js';

/**
 * Bump `v1` when a compressor's settings change; the zlib and brotli versions are part of the
 * key too, so output is always what this Node would write itself. Old entries are then never
 * read again, and age out.
 */
const LAYOUT = `v1-zlib${process.versions.zlib}-br${process.versions.brotli ?? ''}-zstd${(process.versions as Record<string, string | undefined>).zstd ?? ''}`;
const KEPT = Buffer.from('SOC1');
const REJECTED = Buffer.from('SOC0');
const HEAD = 4 + 32;

export interface CompressionCache {
  /** The variant compressed before, `'rejected'` when it was not worth keeping, undefined when unknown (or corrupt). */
  get(key: CacheKey): Buffer | 'rejected' | undefined;
  put(key: CacheKey, value: Buffer | 'rejected'): void;
  /** Keeps the store under its bound; call once at the end of a collect. */
  close(): void;
}

export interface CacheKey {
  /** Digest of the input bytes. */
  readonly hash: string;
  readonly encoding: EncodingName;
  /** Brotli's text mode gives other bytes than its generic mode. */
  readonly textual: boolean;
}

const checksum = (payload: Buffer): Buffer => createHash('sha256').update(payload).digest();

export function openCompressionCache(dir: string, maxBytes: number): CompressionCache {
  const root = join(dir, LAYOUT);
  let wrote = false;
  const pathOf = (key: CacheKey): string => join(root, key.encoding, key.hash.slice(0, 2), `${key.hash}${key.encoding === 'br' ? (key.textual ? '.t' : '.g') : ''}`);

  return {
    get(key) {
      const path = pathOf(key);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        return undefined;
      }
      const magic = bytes.subarray(0, 4);
      const payload = bytes.subarray(HEAD);
      const kept = magic.equals(KEPT);
      if (bytes.length < HEAD || (!kept && !magic.equals(REJECTED)) || !checksum(payload).equals(bytes.subarray(4, HEAD))) {
        // Torn by a crash, or edited: not trusted, and replaced by the next put.
        rmSync(path, { force: true });
        return undefined;
      }
      // Used now: the bound removes what was used longest ago.
      const now = new Date();
      try {
        utimesSync(path, now, now);
      } catch {
        // Removed by another collect's bound meanwhile: the bytes we read are still good.
      }
      return kept ? Buffer.from(payload) : 'rejected';
    },
    put(key, value) {
      const path = pathOf(key);
      const payload = value === 'rejected' ? Buffer.alloc(0) : value;
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(temp, Buffer.concat([value === 'rejected' ? REJECTED : KEPT, checksum(payload), payload]));
        renameSync(temp, path);
        wrote = true;
      } catch {
        // A cache that cannot be written (read-only, full) only costs a recompression next time.
        rmSync(temp, { force: true });
      }
    },
    close() {
      if (wrote) bound(root, maxBytes);
    },
  };
}

/** Removes the entries used longest ago until the store is at most 90% of `maxBytes`. */
function bound(root: string, maxBytes: number): void {
  const entries: Array<{ path: string; size: number; used: number }> = [];
  let total = 0;
  const walk = (dir: string): void => {
    let names;
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names) {
      const path = join(dir, d.name);
      if (d.isDirectory()) walk(path);
      else if (d.isFile()) {
        try {
          const st = statSync(path);
          entries.push({ path, size: st.size, used: st.mtimeMs });
          total += st.size;
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  walk(root);
  if (total <= maxBytes) return;
  entries.sort((a, b) => a.used - b.used);
  for (const e of entries) {
    if (total <= maxBytes * 0.9) break;
    try {
      unlinkSync(e.path);
      total -= e.size;
    } catch {
      // removed by another collect
    }
  }
}
