// `static-origin inspect`: what the production index holds for a root, read from the index
// itself (createCollectedIndex, so every size, ETag and Cache-Control is the one the server
// sends), and what is wrong with the root: siblings the server refuses, manifest entries
// without their file or with another size, and stray files named like hashed ones.
import { DEFAULT_HASHED_PATTERN, isAlreadyHashed } from '../collect/already-hashed.js';
import { ENCODING_NAMES, ENCODING_SUFFIX, variantBase, type EncodingName } from '../contract/encodings.js';
import { readManifest, type Manifest } from '../contract/manifest.js';
import { ETAG_HASH_LENGTH, NAME_HASH_LENGTH } from '../contract/names.js';
import { createCollectedIndex } from './collected-index.js';
import type { FileEntry } from './entry.js';
import { normalizeOptions } from './options.js';
import { plainSiblings, resolveRoot, scanRoot, statFound, type FoundFile } from './scan.js';

export interface InspectRow {
  /** The URL path after the prefix (the index key without its leading `/`), not percent-encoded. */
  readonly path: string;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly immutable: boolean;
  /** The identity ETag; variants add `-br`, `-gz`, `-zst`. */
  readonly etag: string;
  /** Bytes of each representation the server sends: `identity` always, a coding when its sibling is used. */
  readonly size: Readonly<{ identity: number } & Partial<Record<EncodingName, number>>>;
  /** Percent the smallest representation saves over identity (0 when there is no variant). */
  readonly saving: number;
}

export interface InspectEncodingTotals {
  /** Files sent in this coding. */
  readonly files: number;
  /** Their identity bytes, and their bytes in this coding. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly saving: number;
}

export interface InspectTotals {
  readonly files: number;
  readonly immutable: number;
  /** Identity bytes of every file. */
  readonly bytes: number;
  readonly encodings: Readonly<Partial<Record<EncodingName, InspectEncodingTotals>>>;
  /** Every file in its smallest representation: what a client accepting every coding downloads. */
  readonly smallestBytes: number;
  readonly saving: number;
}

export interface InspectReport {
  /** The real path of the root. */
  readonly root: string;
  /** Files the manifest lists; undefined when the root has no manifest. */
  readonly manifestFiles: number | undefined;
  readonly files: readonly InspectRow[];
  readonly totals: InspectTotals;
  /** One line per problem, each starting with the path it is about; sorted. */
  readonly problems: readonly string[];
}

/**
 * Collect's own hashed-name shape (`name.<12 hex>.ext`, `Makefile.<12 hex>`), which the bundler
 * pattern leaves out for pages (`index.<h>.html`) and extensionless names.
 */
const COLLECT_HASHED = new RegExp(`\\.[0-9a-f]{${NAME_HASH_LENGTH}}(?:\\.[^./]+)?$`);

/** Whether a name a manifest does not list looks like some build's content-hashed name. */
function looksHashed(rel: string): boolean {
  return COLLECT_HASHED.test(rel) || isAlreadyHashed(rel, DEFAULT_HASHED_PATTERN);
}

function percentSaved(before: number, after: number): number {
  return before === 0 ? 0 : Math.round((1 - after / before) * 1000) / 10;
}

function headerIn(list: readonly string[], lower: string): string {
  for (let i = 0; i < list.length; i += 2) if (list[i].toLowerCase() === lower) return list[i + 1];
  return '';
}

/**
 * Inspects a production root as `static-origin serve` serves it: the middleware's defaults
 * with every encoding (br, gzip, zstd; `staticOrigin()` itself sends zstd only when its
 * `encodings` option lists it). Rejects, as `staticOrigin()` would throw, for a missing
 * root, a malformed manifest or an unreadable directory.
 */
export async function inspectRoot(root: string): Promise<InspectReport> {
  const realRoot = resolveRoot(root);
  const options = normalizeOptions({ root: realRoot, prefix: '/', encodings: [...ENCODING_NAMES], memoryCache: false });
  const problems: string[] = [];
  // What the index skips, at startup or on a file's first lookup, is a problem; this walk
  // finds the same files, so its own warnings would be heard twice.
  const index = createCollectedIndex(options, (message) => problems.push(message.replace(/^static-origin: skipped (.*?): /, '$1: skipped: ')));
  const manifest = readManifest(realRoot);
  const found = scanRoot(realRoot, () => {}).files;
  const byRel = new Map<string, FoundFile>();
  for (const file of found) byRel.set(file.rel, file);
  const hashedNames = new Set(manifest === undefined ? [] : Object.values(manifest.paths));

  const rows: InspectRow[] = [];
  for (const file of found) {
    // A file the manifest does not vouch for is hashed on its first lookup, as on its first request.
    const entry = await index.lookup(`/${file.rel}`);
    // The manifest and symlinked siblings have no entry of their own.
    if (entry === undefined || entry.kind !== 'file' || entry.rel !== file.rel) continue;
    rows.push(rowOf(entry));
    problems.push(...siblingProblems(realRoot, file, entry, manifest, byRel));
    if (manifest !== undefined) problems.push(...manifestProblems(file, entry, manifest, hashedNames));
  }
  if (manifest !== undefined) problems.push(...missingFiles(manifest, byRel));
  rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  problems.sort();
  return {
    root: realRoot,
    manifestFiles: manifest === undefined ? undefined : Object.keys(manifest.files).length,
    files: rows,
    totals: totalsOf(rows),
    problems,
  };
}

function rowOf(entry: FileEntry): InspectRow {
  const size: { identity: number } & Partial<Record<EncodingName, number>> = { identity: entry.identity.size };
  let smallest = entry.identity.size;
  for (const coding of ENCODING_NAMES) {
    const variant = entry.variants[coding];
    if (variant === undefined) continue;
    size[coding] = variant.size;
    smallest = Math.min(smallest, variant.size);
  }
  return {
    path: entry.rel,
    contentType: entry.contentType,
    cacheControl: headerIn(entry.identity.ok.headers, 'cache-control'),
    immutable: entry.immutable,
    etag: entry.identity.validators.etag ?? '',
    size,
    saving: percentSaved(entry.identity.size, smallest),
  };
}

function totalsOf(rows: readonly InspectRow[]): InspectTotals {
  let bytes = 0;
  let smallestBytes = 0;
  let immutable = 0;
  const encodings: Partial<Record<EncodingName, { files: number; bytesBefore: number; bytesAfter: number; saving: number }>> = {};
  for (const row of rows) {
    bytes += row.size.identity;
    let smallest = row.size.identity;
    if (row.immutable) immutable++;
    for (const coding of ENCODING_NAMES) {
      const after = row.size[coding];
      if (after === undefined) continue;
      const t = (encodings[coding] ??= { files: 0, bytesBefore: 0, bytesAfter: 0, saving: 0 });
      t.files++;
      t.bytesBefore += row.size.identity;
      t.bytesAfter += after;
      smallest = Math.min(smallest, after);
    }
    smallestBytes += smallest;
  }
  for (const t of Object.values(encodings)) t.saving = percentSaved(t.bytesBefore, t.bytesAfter);
  return { files: rows.length, immutable, bytes, encodings, smallestBytes, saving: percentSaved(bytes, smallestBytes) };
}

/**
 * The siblings on disk that the server does not use for this file, each with the reason,
 * and those the manifest lists that are not on disk. Which siblings are used is the entry's
 * decision (entry.ts `describes`); this only explains it.
 */
function siblingProblems(realRoot: string, file: FoundFile, entry: FileEntry, manifest: Manifest | undefined, byRel: ReadonlyMap<string, FoundFile>): string[] {
  const onDisk = new Map<EncodingName, FoundFile>();
  for (const [coding, sib] of plainSiblings(file)) {
    const stated = statFound(realRoot, sib, () => {});
    if (stated !== undefined) onDisk.set(coding, stated);
  }
  for (const coding of ENCODING_NAMES) {
    const linked = byRel.get(file.rel + ENCODING_SUFFIX[coding]);
    if (linked !== undefined) onDisk.set(coding, linked);
  }
  const listed = manifest?.files[file.rel]?.encodings;
  const out: string[] = [];
  for (const coding of ENCODING_NAMES) {
    const name = file.rel + ENCODING_SUFFIX[coding];
    const sib = onDisk.get(coding);
    if (sib === undefined) {
      if (listed?.[coding] !== undefined) out.push(`${name}: listed in the manifest but missing; ${file.rel} is sent without ${coding}`);
      continue;
    }
    if (entry.variants[coding] !== undefined) continue;
    if (sib.size >= entry.identity.size) out.push(`${name}: not smaller than ${file.rel} (${sib.size} ≥ ${entry.identity.size} bytes); never sent`);
    else if (sib.mtimeMs < entry.identity.mtimeMs) out.push(`${name}: older than ${file.rel}; not sent until it is written again`);
    else if (listed?.[coding] !== undefined && listed[coding] !== sib.size) out.push(`${name}: ${sib.size} bytes, the manifest says ${listed[coding]}; not sent`);
    else out.push(`${name}: not sent`);
  }
  return out;
}

/** A file the manifest lists but the server does not take its word for, or a stray file named like a hashed one. */
function manifestProblems(file: FoundFile, entry: FileEntry, manifest: Manifest, hashedNames: ReadonlySet<string>): string[] {
  const listed = manifest.files[file.rel];
  if (listed === undefined) {
    // A sibling is a URL of its own only when its file is not there (scan.ts folds the others into their file).
    const base = variantBase(file.rel);
    if (base !== undefined) return [`${file.rel}: a precompressed sibling of ${base[0]}, which is missing; served as a file of its own`];
    return looksHashed(file.rel) ? [`${file.rel}: named like a hashed file, but the manifest does not list it`] : [];
  }
  // The server uses the manifest's hash as the ETag exactly when it trusts the entry (entry.ts `trustsManifest`).
  if (entry.identity.validators.etag === `"${listed.hash.slice(0, ETAG_HASH_LENGTH)}"`) return [];
  const served = `served with an ETag of its bytes${hashedNames.has(file.rel) && !entry.immutable ? ', not as immutable' : ''}`;
  if (listed.size !== entry.identity.size) return [`${file.rel}: ${entry.identity.size} bytes, the manifest says ${listed.size}; ${served}`];
  return [`${file.rel}: modified after the manifest was written; ${served}`];
}

/** Manifest entries, and names the manifest maps to, that the root does not hold. */
function missingFiles(manifest: Manifest, byRel: ReadonlyMap<string, FoundFile>): string[] {
  const out: string[] = [];
  for (const rel of Object.keys(manifest.files)) {
    if (!byRel.has(rel)) out.push(`${rel}: listed in the manifest but missing`);
  }
  for (const [name, hashed] of Object.entries(manifest.paths)) {
    if (!byRel.has(hashed) && manifest.files[hashed] === undefined) out.push(`${hashed}: the manifest maps ${name} to it, but it is missing`);
  }
  return out;
}
