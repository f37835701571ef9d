// Collect's first step, find: walk the sources in order; the first file found for a
// destination path wins.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { StaticOriginError } from '../errors.js';
import { MANIFEST_NAME } from '../contract/manifest.js';
import { ignored } from '../contract/sources.js';
import type { NormalizedOptions, NormalizedSource } from './options.js';

export interface FoundFile {
  /** Destination path, `/`-separated, relative to `out`. */
  readonly name: string;
  /** Absolute path of the source file. */
  readonly abs: string;
  readonly size: number;
  readonly mtime: Date;
  /** Whether a missing reference in it fails the collect (its source's `strict`, else the option). */
  readonly strict: boolean;
}

export interface Duplicate {
  readonly name: string;
  /** The file that was collected. */
  readonly kept: string;
  /** The later file with the same destination, which was not. */
  readonly ignored: string;
}

export interface FindResult {
  readonly files: FoundFile[];
  readonly duplicates: Duplicate[];
}

/** Refuses `out` inside a source, a source inside `out`, and sources that are not directories. */
export function checkLayout(options: NormalizedOptions): void {
  const outReal = realOrSelf(options.out);
  for (const source of options.sources) {
    let st;
    try {
      st = statSync(source.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
      throw new StaticOriginError('ERR_STATIC_ORIGIN_SOURCE', `static-origin: the source directory ${source.dir} ${why}`, { cause: err });
    }
    if (!st.isDirectory()) throw new StaticOriginError('ERR_STATIC_ORIGIN_SOURCE', `static-origin: the source ${source.dir} is not a directory`);
    const srcReal = realpathSync(source.dir);
    if (isInside(outReal, srcReal)) {
      throw new StaticOriginError(
        'ERR_STATIC_ORIGIN_SOURCE',
        `static-origin: the output directory ${options.out} is inside the source ${source.dir}; collecting would copy the output into itself. Put "out" outside every source.`,
      );
    }
    if (isInside(srcReal, outReal)) {
      throw new StaticOriginError(
        'ERR_STATIC_ORIGIN_SOURCE',
        `static-origin: the source ${source.dir} is inside the output directory ${options.out}, which collect replaces. Put "out" outside every source.`,
      );
    }
  }
}

/** Walks every source; symlinks are followed, loops are not. */
export async function findFiles(options: NormalizedOptions, warn: (message: string) => void): Promise<FindResult> {
  const byName = new Map<string, FoundFile>();
  const duplicates: Duplicate[] = [];
  for (const source of options.sources) {
    const found: FoundFile[] = [];
    walk(source, source.strict ?? options.strict, source.dir, '', options.ignore, warn, found, new Set([realpathSync(source.dir)]));
    for (const file of found) {
      const first = byName.get(file.name);
      if (first) duplicates.push({ name: file.name, kept: first.abs, ignored: file.abs });
      else byName.set(file.name, file);
    }
  }
  if (byName.has(MANIFEST_NAME)) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_SOURCE',
      `static-origin: ${byName.get(MANIFEST_NAME)!.abs} would be collected as ${MANIFEST_NAME}, the name of the manifest collect writes; rename it or move it into a sub-directory`,
    );
  }
  const files = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, duplicates };
}

/** Synchronous: one `stat` per file costs microseconds, a round trip through the thread pool far more. */
function walk(source: NormalizedSource, strict: boolean, dir: string, rel: string, ignore: readonly RegExp[], warn: (message: string) => void, found: FoundFile[], seen: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read the directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (ignored(entry.name, relPath, ignore)) continue;
    const abs = join(dir, entry.name);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      // A dangling symlink is skipped with a warning; anything else is an error worth stopping for.
      if (entry.isSymbolicLink() && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        warn(`skipped the broken symlink ${abs}`);
        continue;
      }
      throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${abs}: ${(err as Error).message}`, { cause: err });
    }
    if (st.isDirectory()) {
      const real = realpathSync(abs);
      if (seen.has(real)) {
        warn(`skipped ${abs}: a symlink loop`);
        continue;
      }
      seen.add(real);
      walk(source, strict, abs, relPath, ignore, warn, found, seen);
      seen.delete(real);
    } else if (st.isFile()) {
      const name = source.prefix ? `${source.prefix}/${relPath}` : relPath;
      found.push({ name, abs, size: st.size, mtime: st.mtime, strict });
    } else {
      warn(`skipped ${abs}: not a regular file`);
    }
  }
}

function realOrSelf(p: string): string {
  // `out` may not exist yet: resolve its nearest existing ancestor, so symlinked parents still compare right.
  const tail: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...tail.reverse());
    } catch {
      const parent = join(cur, '..');
      if (parent === cur) return p;
      tail.push(relative(parent, cur));
      cur = parent;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel);
}

/** Reads every found file synchronously (a few thousand small files: the thread pool only adds hand-offs). */
export function readFound(file: FoundFile): Buffer {
  try {
    return readFileSync(file.abs);
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${file.abs}: ${(err as Error).message}`, { cause: err });
  }
}
