// Turns the scanned files into the request index: key (path after the prefix) → entry.
//
// A large root is indexed compactly: at startup each file gets its stats and its
// content-derived tag; its header lists and prebuilt answers are built once, on its first
// request (or at startup when a `headers` hook is given, so the hook runs at scan time and
// its errors surface at construction).
import { readFileSync } from 'node:fs';
import etag from 'etag';
import { StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, ENCODING_SUFFIX, MANIFEST_NAME, readManifest, type EncodingName, type Manifest } from '../manifest.js';
import { buildFileEntry, buildRedirectEntry, type EntryContext, type FileEntry, type RedirectEntry } from './entry.js';
import type { NormalizedOptions } from './options.js';
import { createBodyCache, retire, type BodyCache } from './body-cache.js';
import { absolutePath, defaultWarn, plainSiblings, resolveRoot, scanRoot, statContained, statSibling, type FoundFile, type Warn } from './scan.js';

type Siblings = Readonly<Partial<Record<EncodingName, FoundFile>>>;

/** A file indexed at startup whose answers are built on first use. */
export interface PendingFile {
  readonly kind: 'pending';
  readonly file: FoundFile;
  /** The tag body, hashed at startup; undefined when the manifest's hash gives it. */
  readonly tag: string | undefined;
}

export type IndexEntry = FileEntry | RedirectEntry | PendingFile;

export interface Index {
  readonly realRoot: string;
  /** Found files by relative name, kept only when some sibling was not a plain file beside a plain file (see `siblingsOf`). */
  readonly linked: Map<string, FoundFile> | undefined;
  readonly manifest: Manifest | undefined;
  readonly entries: Map<string, IndexEntry>;
  readonly ctx: EntryContext;
  /** Bodies kept in memory for this index's entries. */
  readonly cache: BodyCache;
}

function variantBase(rel: string): string | undefined {
  for (const coding of ENCODING_NAMES) {
    const suffix = ENCODING_SUFFIX[coding];
    if (rel.length > suffix.length && rel.endsWith(suffix)) return rel.slice(0, -suffix.length);
  }
  return undefined;
}

/** Whether the manifest lists this file with its size (its tag then comes from the manifest's hash). */
function listedAsIs(file: FoundFile, ctx: EntryContext): boolean {
  return ctx.manifest?.files[file.rel]?.size === file.size;
}

/** The content-derived tag body: the manifest's hash when it lists this file as it is, else a hash of the bytes. */
function contentTag(file: FoundFile, ctx: EntryContext): string {
  if (listedAsIs(file, ctx)) return ctx.manifest!.files[file.rel].hash.slice(0, 32);
  const abs = absolutePath(ctx.realRoot, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${abs}: ${(err as Error).message}`, { cause: err });
  }
  return etag(bytes).slice(1, -1);
}

export function buildIndex(options: NormalizedOptions, warn: Warn): Index {
  const realRoot = resolveRoot(options.root);
  const manifest = readManifest(realRoot);
  const ctx: EntryContext = { options, manifest, hashedNames: new Set(manifest ? Object.values(manifest.paths) : []), realRoot };
  const found = scanRoot(realRoot, warn);
  // Plain siblings come as bits on their file; a symlinked one is a found file of its own.
  const byRel = new Map<string, FoundFile>();
  for (const file of found) byRel.set(file.rel, file);
  const linkedSiblings = found.some((file) => {
    const base = variantBase(file.rel);
    return base !== undefined && byRel.has(base);
  });
  const linked = linkedSiblings ? byRel : undefined;

  const entries = new Map<string, IndexEntry>();
  const redirect = options.index === false ? undefined : buildRedirectEntry(options);
  const eager = options.headers !== undefined;
  for (const file of found) {
    if (file.rel === MANIFEST_NAME) continue;
    // `X.br` is a variant of `X` when `X` exists, never a URL of its own.
    if (linkedSiblings) {
      const base = variantBase(file.rel);
      if (base !== undefined && byRel.has(base)) continue;
    }
    // Files the manifest lists take their tag on first use; others are hashed now.
    const entry: FileEntry | PendingFile = eager
      ? buildFileEntry(file, statSiblings(realRoot, siblingsOf(file, linked), warn), contentTag(file, ctx), ctx)
      : { kind: 'pending', file, tag: listedAsIs(file, ctx) ? undefined : contentTag(file, ctx) };
    addEntry(entries, file.rel, entry, options, redirect);
  }
  return { realRoot, linked, manifest, entries, ctx, cache: createBodyCache(options.memoryCache) };
}

/** Index-file keys: `dir/index.html` also answers `dir/`, and `dir` redirects to `dir/`. */
function indexKeys(rel: string, index: string | false): [dirKey: string, redirectKey: string] | undefined {
  if (index === false) return undefined;
  if (rel === index) return ['/', ''];
  if (!rel.endsWith(`/${index}`)) return undefined;
  const dir = rel.slice(0, -index.length - 1);
  return [`/${dir}/`, `/${dir}`];
}

function addEntry(entries: Map<string, IndexEntry>, rel: string, entry: FileEntry | PendingFile, options: NormalizedOptions, redirect: RedirectEntry | undefined): void {
  entries.set(`/${rel}`, entry);
  const keys = indexKeys(rel, options.index);
  if (keys === undefined || redirect === undefined) return;
  entries.set(keys[0], entry);
  if (!entries.has(keys[1])) entries.set(keys[1], redirect);
}

/** Puts `next` wherever `old` stood (a file's own key and its directory key), or removes it. */
function replace(index: Index, rel: string, old: IndexEntry, next: FileEntry | undefined): void {
  const keys = indexKeys(rel, index.ctx.options.index);
  for (const key of [`/${rel}`, ...(keys ? [keys[0]] : [])]) {
    if (index.entries.get(key) !== old) continue;
    if (next === undefined) index.entries.delete(key);
    else index.entries.set(key, next);
  }
}

/** A file's siblings: the plain ones the scan recorded as bits, and the others (symlinks) found on their own. */
function siblingsOf(file: FoundFile, linked: Map<string, FoundFile> | undefined): Siblings | undefined {
  let siblings: Partial<Record<EncodingName, FoundFile>> | undefined;
  for (const [coding, sib] of plainSiblings(file)) (siblings ??= {})[coding] = sib;
  if (linked !== undefined) {
    for (const coding of ENCODING_NAMES) {
      const sib = linked.get(file.rel + ENCODING_SUFFIX[coding]);
      if (sib !== undefined) (siblings ??= {})[coding] = sib;
    }
  }
  return siblings;
}

function statSiblings(realRoot: string, siblings: Siblings | undefined, warn: Warn): Siblings | undefined {
  if (siblings === undefined) return undefined;
  const out: Partial<Record<EncodingName, FoundFile>> = {};
  for (const coding of ENCODING_NAMES) {
    const sib = siblings[coding];
    const stated = sib === undefined ? undefined : statSibling(realRoot, sib, warn);
    if (stated !== undefined) out[coding] = stated;
  }
  return out;
}

/** Builds a pending file's answers (once: both of its keys then hold the built entry). */
export function materialize(index: Index, pending: PendingFile): FileEntry {
  const siblings = statSiblings(index.realRoot, siblingsOf(pending.file, index.linked), defaultWarn);
  const built = buildFileEntry(pending.file, siblings, pending.tag ?? contentTag(pending.file, index.ctx), index.ctx);
  replace(index, pending.file.rel, pending, built);
  return built;
}

/**
 * A file changed or vanished after startup: rebuild its entry from disk (or drop it),
 * in place in the index. Returns the new entry, or undefined when the file is gone.
 */
export function reindexFile(index: Index, old: FileEntry): FileEntry | undefined {
  const current = index.entries.get(`/${old.rel}`);
  if (current !== old) {
    // Another request re-indexed it first (or the index was refreshed): use what is there now.
    if (current?.kind === 'pending') return materialize(index, current);
    return current?.kind === 'file' ? current : undefined;
  }
  const file = statContained(index.realRoot, old.rel)?.file;
  let fresh: FileEntry | undefined;
  if (file !== undefined) {
    let siblings: Partial<Record<EncodingName, FoundFile>> | undefined;
    for (const coding of ENCODING_NAMES) {
      const sib = statContained(index.realRoot, old.rel + ENCODING_SUFFIX[coding])?.file;
      if (sib !== undefined) (siblings ??= {})[coding] = sib;
    }
    try {
      fresh = buildFileEntry(file, siblings, contentTag(file, index.ctx), index.ctx);
    } catch {
      // Unreadable now: treat it as gone rather than fail the request.
      fresh = undefined;
    }
  }
  replace(index, old.rel, old, fresh);
  retire(index.cache, old.identity);
  for (const variant of Object.values(old.variants)) retire(index.cache, variant);
  return fresh;
}
