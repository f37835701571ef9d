// The production index: the collected root walked once at startup, key (path after the
// prefix) → entry. The only owner of its entries: it builds them (lazily), rebuilds one
// whose file changed, and drops what leaves, giving cached bodies back to the budget.
//
// A large root is indexed compactly: startup reads directories and the manifest, no file's
// stats or contents. A file's stats, its tag (the manifest's hash, or for a file the
// manifest does not vouch for a hash of its bytes), header lists and prebuilt answers are
// taken once, on its first request (or at startup when a `headers` hook is given, so the
// hook runs at scan time and its errors surface at construction).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, ENCODING_SUFFIX, variantBase, type EncodingName } from '../contract/encodings.js';
import { MANIFEST_NAME, readManifest } from '../contract/manifest.js';
import { ETAG_HASH_LENGTH, integrityOf, unknownNameError } from '../contract/names.js';
import { createBodyCache, retire } from './body-cache.js';
import { siblingsHolding, tagOfBytes, tagOfFile, type Hashed } from './content-tag.js';
import { buildFileEntry, buildRedirectEntry, trustsManifest, type EntryContext, type FileEntry } from './entry.js';
import { isModuleName } from './import-map.js';
import type { NormalizedOptions } from './options.js';
import { absolutePath, defaultWarn, plainSiblings, resolveRoot, scanRoot, statContained, statFound, type FoundFile, type Warn } from './scan.js';
import type { Entry, StaticIndex } from './static-index.js';

type Siblings = Readonly<Partial<Record<EncodingName, FoundFile>>>;

/** A file indexed at startup whose answers are built on first use. */
interface PendingFile {
  readonly kind: 'pending';
  /** As the walk found it: its stats are taken on first use. */
  readonly file: FoundFile;
  /** While the bytes of a file the manifest does not vouch for are hashed, on its first request. */
  hashing?: Promise<FileEntry | undefined>;
}

type Slot = Entry | PendingFile;

const NO_NAMES: ReadonlySet<string> = new Set();

/** The manifest's hash when it vouches for the file as it is; undefined when the bytes must be hashed. */
function manifestTag(file: FoundFile, ctx: EntryContext): string | undefined {
  return trustsManifest(file, ctx) ? ctx.manifest!.files[file.rel].hash.slice(0, ETAG_HASH_LENGTH) : undefined;
}

/** At startup only (a `headers` hook): the content tag of a stat'ed file, from the manifest or from the bytes. */
function startupTag(file: FoundFile, ctx: EntryContext): string {
  const listed = manifestTag(file, ctx);
  if (listed !== undefined) return listed;
  const abs = absolutePath(ctx.realRoot, file);
  try {
    return tagOfBytes(readFileSync(abs));
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${abs}: ${(err as Error).message}`, { cause: err });
  }
}

/** Index-file keys: `dir/index.html` also answers `dir/`, and `dir` redirects to `dir/`. */
function indexKeys(rel: string, index: string | false): [dirKey: string, redirectKey: string] | undefined {
  if (index === false) return undefined;
  if (rel === index) return ['/', ''];
  // Checked without building `/${index}`: this runs for every file at startup.
  const at = rel.length - index.length - 1;
  if (at < 0 || rel.charCodeAt(at) !== 47 /* / */ || !rel.endsWith(index)) return undefined;
  const dir = rel.slice(0, at);
  return [`/${dir}/`, `/${dir}`];
}

export function createCollectedIndex(options: NormalizedOptions, warn: Warn = defaultWarn): StaticIndex {
  const realRoot = resolveRoot(options.root!);
  const manifest = readManifest(realRoot);
  const ctx: EntryContext = {
    options,
    manifest,
    hashedNames: new Set(manifest ? Object.values(manifest.paths) : []),
    manifestMtimeMs: manifest ? statSync(join(realRoot, MANIFEST_NAME)).mtimeMs : 0,
    realRoot,
    dev: false,
  };
  const cache = createBodyCache(options.memoryCache);
  const scan = scanRoot(realRoot, warn);
  const found = scan.files;
  // Plain siblings come as bits on their file; a symlinked one is a found file of its own.
  let linked: Map<string, FoundFile> | undefined;
  if (scan.symlinked) {
    const byRel = new Map<string, FoundFile>();
    for (const file of found) byRel.set(file.rel, file);
    const hasVariant = (file: FoundFile) => {
      const base = variantBase(file.rel);
      return base !== undefined && byRel.has(base[0]);
    };
    if (found.some(hasVariant)) linked = byRel;
  }

  const entries = new Map<string, Slot>();
  const redirect = options.index === false ? undefined : buildRedirectEntry(options);
  const eager = options.headers !== undefined;
  for (const file of found) {
    if (file.rel === MANIFEST_NAME) continue;
    // `X.br` is a variant of `X` when `X` exists, never a URL of its own.
    if (linked !== undefined) {
      const base = variantBase(file.rel);
      if (base !== undefined && linked.has(base[0])) continue;
    }
    let entry: FileEntry | PendingFile = { kind: 'pending', file };
    if (eager) {
      const stated = statFound(realRoot, file, warn);
      if (stated === undefined) continue;
      entry = buildFileEntry(stated, statSiblings(siblingsOf(stated)), startupTag(stated, ctx), ctx);
    }
    entries.set(`/${file.rel}`, entry);
    const keys = indexKeys(file.rel, options.index);
    if (keys === undefined || redirect === undefined) continue;
    entries.set(keys[0], entry);
    if (!entries.has(keys[1])) entries.set(keys[1], redirect);
  }

  /** A file's siblings: the plain ones the scan recorded as bits, and the others (symlinks) found on their own. */
  function siblingsOf(file: FoundFile): Siblings | undefined {
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

  function statSiblings(siblings: Siblings | undefined): Siblings | undefined {
    if (siblings === undefined) return undefined;
    const out: Partial<Record<EncodingName, FoundFile>> = {};
    for (const coding of ENCODING_NAMES) {
      const sib = siblings[coding];
      const stated = sib === undefined ? undefined : statFound(realRoot, sib, warn);
      if (stated !== undefined) out[coding] = stated;
    }
    return out;
  }

  /** Puts `next` wherever `old` stood (a file's own key and its directory key), or removes it. */
  function replace(rel: string, old: Slot, next: FileEntry | undefined): void {
    const keys = indexKeys(rel, options.index);
    for (const key of [`/${rel}`, ...(keys ? [keys[0]] : [])]) {
      if (entries.get(key) !== old) continue;
      if (next === undefined) entries.delete(key);
      else entries.set(key, next);
    }
  }

  /**
   * Builds a pending file's answers (once: both of its keys then hold the built entry) from
   * its stats, taken here. Its tag is the manifest's hash, or a hash of its bytes taken here,
   * as a stream, off the startup path and off the event loop, once however many requests
   * wait for it. A file gone (or unreadable, with a warning) since the walk leaves the index.
   */
  function materialize(pending: PendingFile): FileEntry | Promise<FileEntry | undefined> | undefined {
    if (pending.hashing !== undefined) return pending.hashing;
    const file = statFound(realRoot, pending.file, warn);
    if (file === undefined) {
      replace(pending.file.rel, pending, undefined);
      return undefined;
    }
    const tag = manifestTag(file, ctx);
    if (tag !== undefined) return build(pending, file, tag, statSiblings(siblingsOf(file)));
    return (pending.hashing = tagOfFile(absolutePath(realRoot, file)).then(
      // A file that changed since it was stat'ed is rebuilt from a fresh stat, the way a re-index does.
      async (hashed) => (hashed.size === file.size ? build(pending, file, hashed.tag, await holding(statSiblings(siblingsOf(file)), hashed)) : rebuildPending(pending)),
      () => rebuildPending(pending),
    ));
  }

  function build(pending: PendingFile, file: FoundFile, tag: string, siblings: Siblings | undefined): FileEntry {
    const built = buildFileEntry(file, siblings, tag, ctx);
    replace(file.rel, pending, built);
    return built;
  }

  /** For a file hashed from its bytes: the siblings that hold those bytes (the manifest's sizes stand in for this otherwise). */
  function holding(siblings: Siblings | undefined, hashed: Hashed): Promise<Siblings | undefined> {
    return siblingsHolding(siblings, hashed, (sib) => absolutePath(realRoot, sib));
  }

  async function rebuildPending(pending: PendingFile): Promise<FileEntry | undefined> {
    const fresh = await rebuild(pending.file.rel).catch(() => undefined);
    replace(pending.file.rel, pending, fresh);
    return fresh;
  }

  /** One path rebuilt the way the scan would have: stats, siblings, and a tag hashed off the event loop. */
  async function rebuild(rel: string): Promise<FileEntry | undefined> {
    const file = statContained(realRoot, rel)?.file;
    if (file === undefined) return undefined;
    let siblings: Partial<Record<EncodingName, FoundFile>> | undefined;
    for (const coding of ENCODING_NAMES) {
      const sib = statContained(realRoot, rel + ENCODING_SUFFIX[coding])?.file;
      if (sib !== undefined) (siblings ??= {})[coding] = sib;
    }
    // A file that changed after startup is not what the manifest describes, whatever its
    // size and mtime say (a rename over it, `cp -p`): its bytes give its tag.
    const hashed = await tagOfFile(absolutePath(realRoot, file));
    // Changed while it was read: the next request finds it again.
    if (hashed.size !== file.size) return undefined;
    return buildFileEntry(file, await holding(siblings, hashed), hashed.tag, { ...ctx, manifest: undefined, hashedNames: NO_NAMES, siblingsByCtime: true });
  }

  const reindexing = new Map<FileEntry, Promise<FileEntry | undefined>>();

  async function reindexNow(old: FileEntry): Promise<FileEntry | undefined> {
    const fresh = await rebuild(old.rel).catch(() => undefined);
    const current = entries.get(`/${old.rel}`);
    if (current !== old) {
      // Re-indexed meanwhile (or the key went away): what is there now wins.
      if (current?.kind === 'pending') return materialize(current);
      return current?.kind === 'file' ? current : undefined;
    }
    replace(old.rel, old, fresh);
    retire(cache, old.identity);
    for (const variant of Object.values(old.variants)) retire(cache, variant);
    return fresh;
  }

  const urlPaths = new Map<string, string>();
  const integrities = new Map<string, string>();

  /** The relative path `name` stands for: the manifest's hashed name, or the name when the index holds it. */
  function resolveName(name: string): string {
    const hashed = manifest?.paths[name];
    if (hashed !== undefined) return hashed;
    const kind = entries.get(`/${name}`)?.kind;
    if (kind === 'file' || kind === 'pending') return name;
    const known = new Set<string>(manifest ? Object.keys(manifest.paths) : []);
    for (const slot of entries.values()) {
      if (slot.kind === 'file') known.add(slot.rel);
      else if (slot.kind === 'pending') known.add(slot.file.rel);
    }
    throw unknownNameError(name, known);
  }

  return {
    cache,
    lookup(key: string): Entry | Promise<Entry | undefined> | undefined {
      const slot = entries.get(key);
      return slot?.kind === 'pending' ? materialize(slot) : slot;
    },
    reindex(old: FileEntry): Promise<FileEntry | undefined> {
      let running = reindexing.get(old);
      if (running === undefined) {
        running = reindexNow(old).finally(() => reindexing.delete(old));
        reindexing.set(old, running);
      }
      return running;
    },
    // Memoised by name without its query (misses throw and are not kept), so the maps hold
    // at most one string per file of the index.
    urlPath(name: string): string {
      let path = urlPaths.get(name);
      if (path === undefined) {
        path = resolveName(name).split('/').map(encodeURIComponent).join('/');
        urlPaths.set(name, path);
      }
      return path;
    },
    integrity(name: string): string {
      let value = integrities.get(name);
      if (value === undefined) {
        const rel = resolveName(name);
        const found = statContained(realRoot, rel);
        if (found === undefined) throw unknownNameError(rel, []);
        value = trustsManifest(found.file, ctx)
          ? manifest!.files[rel].integrity
          : // Read through the same containment check as a re-index: never a file outside the root.
            integrityOf(readFileSync(absolutePath(realRoot, found.file)));
        integrities.set(name, value);
      }
      return value;
    },
    modules(): string[] {
      if (manifest !== undefined) return Object.keys(manifest.paths).filter(isModuleName);
      const names = new Set<string>();
      for (const slot of entries.values()) {
        const rel = slot.kind === 'file' ? slot.rel : slot.kind === 'pending' ? slot.file.rel : undefined;
        if (rel !== undefined && isModuleName(rel)) names.add(rel);
      }
      // The walk keeps readdir's order, which differs between machines: an import map must not.
      return [...names].sort();
    },
  };
}
