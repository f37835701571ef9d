// What a collect takes from the previous root: its manifest and record of rejected
// encodings (so content compressed before is not compressed again), files it can link
// rather than write, and the hashed files of earlier collects it keeps for pages still
// cached by browsers and CDNs during a rolling deploy.
import { promises as fsp, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodingName } from '../contract/encodings.js';
import { variantBase } from '../contract/encodings.js';
import { MANIFEST_NAME, readManifest, type Manifest } from '../contract/manifest.js';
import { sameTime, type PreviousOutput } from './compress.js';
import { listRoot, type WrittenFile } from './write.js';

/** Remembers, per content digest, the encodings that were tried and not kept, so reruns skip them too. */
export const CACHE_NAME = '.static-origin-cache.json';

export interface Previous extends PreviousOutput {
  /** Every file of the previous root. */
  readonly names: string[];
}

export async function readPrevious(out: string, warn: (message: string) => void): Promise<Previous> {
  const names = await listRoot(out);
  let manifest: Manifest | undefined;
  try {
    manifest = names.length ? readManifest(out) : undefined;
  } catch (err) {
    warn(`${(err as Error).message}; earlier compression output is not reused`);
  }
  let rejected: Record<string, EncodingName[]> = Object.create(null);
  if (manifest) {
    try {
      const data = JSON.parse(await fsp.readFile(join(out, CACHE_NAME), 'utf8')) as { version?: unknown; rejected?: unknown };
      if (data.version === 1 && typeof data.rejected === 'object' && data.rejected) rejected = data.rejected as Record<string, EncodingName[]>;
    } catch {
      // No record of rejects: those encodings are simply tried again.
    }
  }
  return { root: out, manifest, rejected, names };
}

/**
 * The previous root's file of the same name, when it holds exactly these bytes with this time: the
 * previous manifest gives it the same digest and size, and `stat` shows it untouched since (same size,
 * the time collect gave it). A rerun then links it instead of writing it again.
 */
export function unchangedInPrevious(previous: Previous, o: WrittenFile & { hash: string }): string | undefined {
  const entry = previous.manifest?.files[o.name];
  if (!entry || entry.hash !== o.hash || entry.size !== o.data.length) return undefined;
  const path = join(previous.root, o.name);
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() && st.size === o.data.length && sameTime(st.mtimeMs, o.mtime.getTime()) ? path : undefined;
}

/** Files of the previous root kept as they are: all but what this collect writes, the manifest, the cache and variants of written files. */
export function carriedNames(previous: Previous, written: ReadonlySet<string>, outputs: ReadonlyMap<string, unknown>): string[] {
  const carried: string[] = [];
  for (const name of previous.names) {
    if (name === MANIFEST_NAME || name === CACHE_NAME || written.has(name)) continue;
    const variant = variantBase(name);
    if (variant !== undefined && outputs.has(variant[0])) continue;
    carried.push(name);
  }
  return carried;
}

export function serializeCache(rejected: Record<string, EncodingName[]>): string {
  const sorted: Record<string, EncodingName[]> = {};
  for (const k of Object.keys(rejected).sort()) sorted[k] = rejected[k];
  return JSON.stringify({ version: 1, rejected: sorted }) + '\n';
}
