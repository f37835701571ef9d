// The development index: no startup walk. Each request looks its key up on the live file
// system — through the same canonical keys as production, then the sources in order (first
// wins, collect's ignores), then a real-path containment check — and stats the file. An
// entry is rebuilt (its bytes hashed for a strong ETag) whenever the file or a sibling is
// not the one it was built from, so every answer, 304s included, describes the file as it
// is now. Cached bodies are kept only while their file is unchanged.
import { promises as fsp, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { StaticOriginError } from '../errors.js';
import { ENCODING_SUFFIX, variantBase, type EncodingName } from '../contract/encodings.js';
import { MANIFEST_NAME } from '../contract/manifest.js';
import { integrityOf, unknownNameError } from '../contract/names.js';
import { ignoredPath, type NormalizedSource } from '../contract/sources.js';
import { createBodyCache, keep, reserve, retire } from './body-cache.js';
import { siblingsHolding, tagOfBytes, tagOfFile } from './content-tag.js';
import { buildFileEntry, buildRedirectEntry, type EntryContext, type FileEntry } from './entry.js';
import { isModuleName } from './import-map.js';
import type { NormalizedOptions } from './options.js';
import { resolveContained, type FoundFile, type Warn } from './scan.js';
import type { Entry, StaticIndex } from './static-index.js';

/** Files up to this size are read whole when (re)built: hashed, checked for references, and kept if the cache has room. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;
/** Built entries and integrity values remembered; beyond this the oldest are forgotten (and rebuilt on demand). */
const MAX_REMEMBERED = 10_000;
/** Files an import map's walk of the sources looks at, at most (a development tree is far smaller). */
const MAX_WALKED = 50_000;
const CHECKED_TYPES = new Set(['.css', '.js', '.mjs']);

interface LiveSource extends NormalizedSource {
  readonly real: string;
}

interface Found {
  readonly file: FoundFile;
  /** Changes on every write, even where mtime is coarse: part of the stamp. */
  readonly ctimeMs: number;
  readonly source: LiveSource;
  readonly inner: string;
}

interface Built {
  readonly stamp: string;
  readonly entry: FileEntry;
}

/** Everything that makes a built entry stale when it changes: which file, its size and both times. */
const stampOf = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

function resolveSource(source: NormalizedSource): LiveSource {
  let real: string;
  try {
    real = realpathSync(source.dir);
    if (!statSync(real).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_ROOT',
      `static-origin: the directory ${JSON.stringify(source.given)} to serve in development mode does not exist or is not a directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: err },
    );
  }
  return { ...source, real };
}

export function createLiveIndex(options: NormalizedOptions, warn: Warn, warnReference: Warn): StaticIndex {
  const sources = options.sources.map(resolveSource);
  // A served root (not sources) follows the scan's rules: `.well-known/` at its top is served, the manifest is not.
  const rootMode = !options.fromSources;
  const ctx: EntryContext = { options, manifest: undefined, hashedNames: new Set(), manifestMtimeMs: 0, realRoot: sources[0].real, dev: true };
  // A file seen changing (its entry rebuilt) must have siblings written after it; a first look
  // takes them as the scan does (a copy may have written them first).
  const changedCtx: EntryContext = { ...ctx, siblingsByCtime: true };
  const cache = createBodyCache(options.memoryCache);
  const redirect = options.index === false ? undefined : buildRedirectEntry(options);
  const built = new Map<string, Built>();
  const building = new Map<string, Promise<FileEntry | undefined>>();
  const integrities = new Map<string, { stamp: string; value: string }>();
  const refused = new Set<string>();

  /** Whether a name is one the walk would skip: the manifest, dotfiles, and collect's ignores. */
  function skipped(inner: string, rel: string): boolean {
    // The manifest's name is never served (collect refuses to collect a file of that name).
    if (rel === MANIFEST_NAME) return true;
    if (rootMode) {
      const start = rel.startsWith('.well-known/') ? '.well-known/'.length : 0;
      if (rel.charCodeAt(start) === 46 || rel.indexOf('/.', start) >= 0) return true;
      return options.ignore.length > 0 && ignoredPath(inner, options.ignore);
    }
    return ignoredPath(inner, options.ignore);
  }

  /** The regular file in `source` at `inner`, if its real path stays inside the source. */
  function inSource(source: LiveSource, inner: string, rel: string): Found | undefined {
    const found = resolveContained(source.real, join(source.dir, inner));
    if (found === 'outside') {
      if (!refused.has(rel)) {
        refused.add(rel);
        warn(`static-origin: refused ${rel}: its real path is outside ${source.given}`);
      }
      return undefined;
    }
    if (found === undefined || !found.st.isFile()) return undefined;
    const { real, st } = found;
    return { file: { rel, abs: real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, ctimeMs: st.ctimeMs }, ctimeMs: st.ctimeMs, source, inner };
  }

  /** The file a relative name stands for, sources in order, first wins. */
  function findFile(rel: string): Found | undefined {
    for (const source of sources) {
      let inner = rel;
      if (source.prefix !== '') {
        if (!rel.startsWith(source.prefix) || rel.charCodeAt(source.prefix.length) !== 47 /* / */) continue;
        inner = rel.slice(source.prefix.length + 1);
      }
      if (skipped(inner, rel)) continue;
      const found = inSource(source, inner, rel);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A precompressed sibling is a variant of its file, never a URL of its own. */
  function isSiblingName(rel: string): boolean {
    const base = variantBase(rel);
    return base !== undefined && findFile(base[0]) !== undefined;
  }

  function siblingsOf(found: Found): Partial<Record<EncodingName, Found>> {
    const out: Partial<Record<EncodingName, Found>> = {};
    for (const coding of options.encodings) {
      const sib = inSource(found.source, found.inner + ENCODING_SUFFIX[coding], found.file.rel + ENCODING_SUFFIX[coding]);
      if (sib !== undefined) out[coding] = sib;
    }
    return out;
  }

  /** What makes a built entry stale when it changes: which file, its size and times, and its siblings'. */
  function stampWith(found: Found, siblings: Partial<Record<EncodingName, Found>>): string {
    let stamp = `${found.file.dev}:${found.file.ino}:${found.file.size}:${found.file.mtimeMs}:${found.ctimeMs}`;
    for (const coding of options.encodings) {
      const sib = siblings[coding];
      if (sib !== undefined) stamp += `|${coding}:${sib.file.ino}:${sib.file.size}:${sib.file.mtimeMs}:${sib.ctimeMs}`;
    }
    return stamp;
  }

  function forget(rel: string): void {
    const old = built.get(rel);
    if (old === undefined) return;
    built.delete(rel);
    retire(cache, old.entry.identity);
    for (const variant of Object.values(old.entry.variants)) retire(cache, variant);
  }

  function remember(rel: string, next: Built): void {
    forget(rel);
    if (built.size >= MAX_REMEMBERED) forget(built.keys().next().value as string);
    built.set(rel, next);
  }

  /** Reads (or for a large file, streams) the file once, from one descriptor: its tag, and the bytes when small. */
  async function build(found: Found, siblingsFound: Partial<Record<EncodingName, Found>>, entryCtx: EntryContext): Promise<FileEntry | undefined> {
    const siblings: Partial<Record<EncodingName, FoundFile>> = {};
    for (const coding of options.encodings) {
      const sib = siblingsFound[coding];
      if (sib !== undefined) siblings[coding] = sib.file;
    }
    let file = found.file;
    let bytes: Buffer | undefined;
    let tag: string;
    if (file.size <= READ_WHOLE_BYTES) {
      const handle = await fsp.open(file.abs!, 'r');
      try {
        const st = await handle.stat();
        bytes = await handle.readFile();
        // Written to while we read: the next request reads it again.
        if (bytes.length !== st.size) return undefined;
        file = { rel: file.rel, abs: file.abs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, ctimeMs: st.ctimeMs };
      } finally {
        await handle.close();
      }
      tag = tagOfBytes(bytes);
    } else {
      const hashed = await tagOfFile(file.abs!);
      if (hashed.size !== file.size) return undefined;
      tag = hashed.tag;
    }
    const entry = buildFileEntry(file, await siblingsHolding(siblings, { tag, size: file.size }, (sib) => sib.abs!), tag, entryCtx);
    if (bytes !== undefined && reserve(cache, bytes.length)) keep(cache, entry.identity, bytes);
    if (bytes !== undefined && CHECKED_TYPES.has(extname(file.rel).toLowerCase())) reportReferences(file.rel, bytes);
    return entry;
  }

  /** Once per change of a file: the references collect would refuse, as warnings naming file:line:column. */
  function reportReferences(rel: string, bytes: Buffer): void {
    // Loaded on first use: an app that only serves never loads collect's lexers.
    import('./dev-references.js')
      .then(({ missingReferences }) => missingReferences(rel, bytes.toString('utf8'), options.prefix, (name) => findFile(name) !== undefined))
      .then((missing) => {
        for (const m of missing) warnReference(`static-origin: ${m.message} (collect will refuse this)`);
      })
      .catch(() => {
        /* a file the lexer cannot read is collect's to report */
      });
  }

  function lookupFile(rel: string): FileEntry | Promise<FileEntry | undefined> | undefined {
    if (isSiblingName(rel)) return undefined;
    const found = findFile(rel);
    if (found === undefined) {
      forget(rel);
      return undefined;
    }
    const siblings = siblingsOf(found);
    const stamp = stampWith(found, siblings);
    const known = built.get(rel);
    if (known !== undefined && known.stamp === stamp) return known.entry;
    const job = `${rel}\0${stamp}`;
    let running = building.get(job);
    if (running === undefined) {
      running = build(found, siblings, known === undefined ? ctx : changedCtx)
        .then(
          (entry) => {
            if (entry !== undefined) remember(rel, { stamp, entry });
            return entry;
          },
          () => undefined,
        )
        .finally(() => building.delete(job));
      building.set(job, running);
    }
    return running;
  }

  function lookup(key: string): Entry | Promise<Entry | undefined> | undefined {
    const index = options.index;
    if (key === '' || !key.endsWith('/')) {
      const rel = key.slice(1);
      const file = key === '' ? undefined : lookupFile(rel);
      if (file !== undefined || index === false || redirect === undefined) return file;
      // `dir` redirects to `dir/` when the directory has an index file.
      return findFile(key === '' ? index : `${rel}/${index}`) === undefined ? undefined : redirect;
    }
    if (index === false) return undefined;
    return lookupFile(`${key.slice(1)}${index}`);
  }

  /**
   * Calls `visit` with the name of each file in the sources (shadowed ones too), looking at
   * no more than `limit` files; false when it stopped there. A symlink counts when its real
   * path stays inside its source; each real directory is walked once, so a loop ends.
   */
  function walkSources(limit: number, visit: (rel: string) => void): boolean {
    let looked = 0;
    const walk = (source: LiveSource, dir: string, inner: string, walked: Set<string>): boolean => {
      let dirents;
      try {
        dirents = readdirSync(dir, { withFileTypes: true });
      } catch {
        return true;
      }
      for (const d of dirents) {
        const childInner = inner === '' ? d.name : `${inner}/${d.name}`;
        const rel = source.prefix === '' ? childInner : `${source.prefix}/${childInner}`;
        if (skipped(childInner, rel)) continue;
        let path = join(dir, d.name);
        let isDirectory = d.isDirectory();
        let isFile = d.isFile();
        if (d.isSymbolicLink()) {
          const found = resolveContained(source.real, path);
          if (found === undefined || found === 'outside') continue;
          [path, isDirectory, isFile] = [found.real, found.st.isDirectory(), found.st.isFile()];
        }
        if (isDirectory && !walked.has(path)) {
          walked.add(path);
          if (!walk(source, path, childInner, walked)) return false;
        } else if (isFile) {
          if (++looked > limit) return false;
          visit(rel);
        }
      }
      return true;
    };
    return sources.every((source) => walk(source, source.real, '', new Set([source.real])));
  }

  /** Names for an error message. */
  function someNames(limit: number): string[] {
    const names: string[] = [];
    walkSources(limit, (rel) => names.push(rel));
    return names;
  }

  let warnedLongWalk = false;

  /** The import map's modules: a bounded walk, only when a page asks for the map. */
  function modules(): string[] {
    const names = new Set<string>();
    const complete = walkSources(MAX_WALKED, (rel) => {
      if (isModuleName(rel)) names.add(rel);
    });
    if (!complete && !warnedLongWalk) {
      warnedLongWalk = true;
      warn(`static-origin: the import map lists only the modules among the first ${MAX_WALKED} files of the sources`);
    }
    return [...names];
  }

  function mustFind(name: string): Found {
    const found = isSiblingName(name) ? undefined : findFile(name);
    if (found === undefined) throw unknownNameError(name, someNames(5000));
    return found;
  }

  return {
    cache,
    lookup,
    reindex(entry: FileEntry): Promise<FileEntry | undefined> {
      forget(entry.rel);
      return Promise.resolve(lookupFile(entry.rel));
    },
    urlPath(name: string): string {
      return mustFind(name).file.rel.split('/').map(encodeURIComponent).join('/');
    },
    integrity(name: string): string {
      const found = mustFind(name);
      const st = statSync(found.file.abs!);
      const stamp = stampOf(st);
      const known = integrities.get(name);
      if (known !== undefined && known.stamp === stamp) return known.value;
      const value = integrityOf(readFileSync(found.file.abs!));
      if (integrities.size >= MAX_REMEMBERED) integrities.clear();
      integrities.set(name, { stamp, value });
      return value;
    },
    modules,
  };
}
