// Turns the scanned files into the request index: key (path after the prefix) → entry.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ENCODING_NAMES, ENCODING_SUFFIX, MANIFEST_NAME, readManifest, type EncodingName, type Manifest } from '../manifest.js';
import { buildFileEntry, buildRedirectEntry, type Entry, type EntryContext, type FileEntry } from './entry.js';
import type { NormalizedOptions } from './options.js';
import { resolveRoot, scanRoot, type FoundFile, type Warn } from './scan.js';

export interface Index {
  readonly realRoot: string;
  readonly manifest: Manifest | undefined;
  readonly entries: Map<string, Entry>;
  readonly ctx: EntryContext;
}

function variantBase(rel: string): [base: string, coding: EncodingName] | undefined {
  for (const coding of ENCODING_NAMES) {
    const suffix = ENCODING_SUFFIX[coding];
    if (rel.endsWith(suffix) && rel.length > suffix.length) return [rel.slice(0, -suffix.length), coding];
  }
  return undefined;
}

export function buildIndex(options: NormalizedOptions, warn: Warn): Index {
  const realRoot = resolveRoot(options.root);
  const manifest = readManifest(realRoot);
  const ctx: EntryContext = { options, manifest, hashedNames: new Set(manifest ? Object.values(manifest.paths) : []) };
  const found = scanRoot(realRoot, warn);
  const byRel = new Map<string, FoundFile>();
  for (const file of found) byRel.set(file.rel, file);

  const entries = new Map<string, Entry>();
  const redirect = options.index === false ? undefined : buildRedirectEntry(options);
  for (const file of found) {
    if (file.rel === MANIFEST_NAME) continue;
    // `X.br` is a variant of `X` when `X` exists, never a URL of its own.
    const base = variantBase(file.rel);
    if (base !== undefined && byRel.has(base[0])) continue;
    const siblings: Partial<Record<EncodingName, FoundFile>> = {};
    for (const coding of ENCODING_NAMES) {
      const sib = byRel.get(file.rel + ENCODING_SUFFIX[coding]);
      if (sib !== undefined) siblings[coding] = sib;
    }
    addEntry(entries, buildFileEntry(file, siblings, ctx), options, redirect);
  }
  return { realRoot, manifest, entries, ctx };
}

/** Index-file keys: `dir/index.html` also answers `dir/`, and `dir` redirects to `dir/`. */
function indexKeys(rel: string, index: string | false): [dirKey: string, redirectKey: string] | undefined {
  if (index === false) return undefined;
  if (rel === index) return ['/', ''];
  if (!rel.endsWith(`/${index}`)) return undefined;
  const dir = rel.slice(0, -index.length - 1);
  return [`/${dir}/`, `/${dir}`];
}

function addEntry(entries: Map<string, Entry>, entry: FileEntry, options: NormalizedOptions, redirect: Entry | undefined): void {
  entries.set(`/${entry.rel}`, entry);
  const keys = indexKeys(entry.rel, options.index);
  if (keys === undefined || redirect === undefined) return;
  entries.set(keys[0], entry);
  if (!entries.has(keys[1])) entries.set(keys[1], redirect);
}

/** Re-stats one path the way the scan would have: undefined when it is gone or not servable. */
function statOne(realRoot: string, rel: string): FoundFile | undefined {
  const inside = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  try {
    const abs = join(realRoot, rel);
    const real = lstatSync(abs).isSymbolicLink() ? realpathSync(abs) : abs;
    if (!real.startsWith(inside)) return undefined;
    const st = statSync(real);
    return st.isFile() ? { rel, abs: real, size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A file changed or vanished after startup: rebuild its entry from disk (or drop it),
 * in place in the index. Returns the new entry, or undefined when the file is gone.
 */
export function reindexFile(index: Index, old: FileEntry): FileEntry | undefined {
  const { options } = index.ctx;
  const file = statOne(index.realRoot, old.rel);
  const keys = indexKeys(old.rel, options.index);
  const owned = [`/${old.rel}`, ...(keys ? [keys[0]] : [])].filter((k) => index.entries.get(k) === old);
  if (file === undefined) {
    for (const key of owned) index.entries.delete(key);
    return undefined;
  }
  const siblings: Partial<Record<EncodingName, FoundFile>> = {};
  for (const coding of ENCODING_NAMES) {
    const sib = statOne(index.realRoot, old.rel + ENCODING_SUFFIX[coding]);
    if (sib !== undefined) siblings[coding] = sib;
  }
  let fresh: FileEntry;
  try {
    fresh = buildFileEntry(file, siblings, index.ctx);
  } catch {
    // Unreadable now: treat it as gone rather than fail the request.
    for (const key of owned) index.entries.delete(key);
    return undefined;
  }
  for (const key of owned) index.entries.set(key, fresh);
  return fresh;
}
