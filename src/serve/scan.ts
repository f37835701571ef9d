// Walks the root once: every regular file that may be served. Startup reads directories
// only: a plain file's stats are taken on its first use (`statFound`), so a 20,000-file root
// costs a walk, not 20,000 stat calls and their garbage. Symlinks are resolved and stat'ed
// during the walk, and followed only while their real path stays inside the real root.
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, ENCODING_SUFFIX, variantBase, type EncodingName } from '../contract/encodings.js';

export interface FoundFile {
  /** Relative to the root, `/`-separated. */
  readonly rel: string;
  /** The real path, only when a symlink made it differ from `root/rel` (saves memory on large roots). */
  readonly abs: string | undefined;
  readonly size: number;
  readonly mtimeMs: number;
  /** Device and inode at scan: a file swapped under the same name is noticed on open. */
  readonly ino: number;
  readonly dev: number;
  /** Changes on every write, even one that puts the old mtime back (`cp -p`): noticed on open. */
  readonly ctimeMs: number;
  /**
   * Precompressed siblings that are plain files beside this plain file (bit `i` for
   * `ENCODING_NAMES[i]`), not stat'ed yet; see `plainSiblings`. Other siblings (symlinks) are
   * found files of their own.
   */
  siblingBits?: number;
}

/** Size and mtime of a file not stat'ed yet (see `statFound`). */
const UNSTATED = -1;

/** Last characters of the sibling suffixes: most names are no sibling, and this says so in one compare. */
const VARIANT_LAST = new Set(ENCODING_NAMES.map((coding) => ENCODING_SUFFIX[coding].charCodeAt(ENCODING_SUFFIX[coding].length - 1)));

/** A plain file the walk found, its stats left for its first use. */
function unstated(rel: string, abs: string | undefined, siblingBits = 0): FoundFile {
  return { rel, abs, size: UNSTATED, mtimeMs: UNSTATED, ino: UNSTATED, dev: UNSTATED, ctimeMs: UNSTATED, siblingBits };
}

/** The plain-file siblings a scan recorded as bits, as unstated files (made on first use). */
export function plainSiblings(file: FoundFile): Array<[EncodingName, FoundFile]> {
  const out: Array<[EncodingName, FoundFile]> = [];
  const bits = file.siblingBits ?? 0;
  for (let i = 0; i < ENCODING_NAMES.length; i++) {
    if ((bits & (1 << i)) === 0) continue;
    const suffix = ENCODING_SUFFIX[ENCODING_NAMES[i]];
    out.push([ENCODING_NAMES[i], unstated(file.rel + suffix, file.abs === undefined ? undefined : file.abs + suffix)]);
  }
  return out;
}

/**
 * The file with its stats, taken now if the walk left them for later (a plain file, a
 * plain sibling); undefined (with a warning when it cannot be read) when it vanished,
 * left the root or is not a file. This runs after startup, so the path is checked again
 * the way the walk would have.
 */
export function statFound(realRoot: string, file: FoundFile, warn: Warn = defaultWarn): FoundFile | undefined {
  if (file.size !== UNSTATED) return file;
  const found = statContained(realRoot, file.rel);
  if (found === undefined) return undefined;
  if (!readable(found.st)) {
    warn(unreadable(file.rel, found.st));
    return undefined;
  }
  if (file.siblingBits !== undefined) found.file.siblingBits = file.siblingBits;
  return found.file;
}

/** Whether a real path is under the real root (compared with the separator: `root-private/` is not in `root/`). */
export function insideRoot(realRoot: string, real: string): boolean {
  return real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/**
 * The real path and stats of `abs` after startup, with the scan's containment rule
 * applied to every component of the path (a directory swapped for a symlink that leaves
 * `realDir` is refused, not only a last component that is a link): `'outside'` when it
 * leaves, undefined when it is gone.
 */
export function resolveContained(realDir: string, abs: string): { real: string; st: Stats } | 'outside' | undefined {
  let real: string;
  let st: Stats;
  try {
    real = realpathSync.native(abs);
    st = statSync(real);
  } catch {
    return undefined;
  }
  return insideRoot(realDir, real) ? { real, st } : 'outside';
}

/** Re-stats one relative path of the root after startup (see `resolveContained`); undefined unless it is a regular file inside. */
export function statContained(realRoot: string, rel: string): { file: FoundFile; st: Stats } | undefined {
  const abs = join(realRoot, rel);
  const found = resolveContained(realRoot, abs);
  if (found === undefined || found === 'outside' || !found.st.isFile()) return undefined;
  const { real, st } = found;
  return { file: { rel, abs: real === abs ? undefined : real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, ctimeMs: st.ctimeMs, siblingBits: 0 }, st };
}

/** The real absolute path of a found file. */
export function absolutePath(realRoot: string, file: FoundFile): string {
  return file.abs ?? join(realRoot, file.rel);
}

export type Warn = (message: string) => void;

export const defaultWarn: Warn = (message) => process.emitWarning(message, { code: 'STATIC_ORIGIN_SKIPPED' });

/** Resolves and checks the root: an error naming the path when it is missing or not a directory. */
export function resolveRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (err) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_ROOT',
      `static-origin: the root directory ${JSON.stringify(root)} does not exist (${(err as NodeJS.ErrnoException).code ?? 'error'}); run \`static-origin collect\` first or fix "root"`,
      { cause: err },
    );
  }
  if (!statSync(real).isDirectory()) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_ROOT', `static-origin: the root ${JSON.stringify(root)} is not a directory`);
  }
  return real;
}

/** Dotfiles are private, except `.well-known/` at the top of the root (RFC 8615). */
function isHidden(name: string, relDir: string): boolean {
  return name.charCodeAt(0) === 46 /* . */ && !(relDir === '' && name === '.well-known');
}

/**
 * Whether this process may read the file, from the mode bits we already have: a syscall
 * per file (access(2)) would cost more than the whole scan of a large root. ACLs aside,
 * this is the kernel's own rule.
 */
function readable(st: Stats): boolean {
  const euid = process.geteuid?.() ?? 0;
  if (euid === 0) return true;
  groups ??= new Set(process.getgroups?.() ?? []);
  if (st.uid === euid) return (st.mode & 0o400) !== 0;
  if (groups.has(st.gid)) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}
/** This process's groups, asked once. */
let groups: Set<number> | undefined;

function unreadable(rel: string, st: Stats): string {
  return `static-origin: skipped ${rel}: cannot read it (mode ${(st.mode & 0o777).toString(8)})`;
}

export interface Scan {
  readonly files: FoundFile[];
  /** Whether the walk met a symlink: only then can a sibling be a found file of its own. */
  readonly symlinked: boolean;
}

export function scanRoot(realRoot: string, warn: Warn = defaultWarn): Scan {
  const files: FoundFile[] = [];
  let symlinked = false;
  const visited = new Set<string>([realRoot]);

  const walk = (absDir: string, relDir: string, linked: boolean): void => {
    let dirents: Dirent[];
    try {
      dirents = readdirSync(absDir, { withFileTypes: true });
    } catch (err) {
      throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read the directory ${absDir}: ${(err as Error).message}`, { cause: err });
    }
    // A name from readdir has no separator, so joining is concatenation (path.join would
    // normalise every one of them).
    const dirPrefix = absDir.endsWith(sep) ? absDir : absDir + sep;
    const relPrefix = relDir === '' ? '' : `${relDir}/`;
    // A plain `X.br` beside a plain `X` is a bit on `X` (`siblingBits`), not a file of its own.
    // Found in readdir's order: nothing here depends on the order of the names.
    const plain = new Set<string>();
    for (const d of dirents) if (d.isFile()) plain.add(d.name);
    let bits: Map<string, number> | undefined;
    let folded: Set<string> | undefined;
    for (const name of plain) {
      if (!VARIANT_LAST.has(name.charCodeAt(name.length - 1))) continue;
      const variant = variantBase(name);
      if (variant === undefined || !plain.has(variant[0])) continue;
      bits ??= new Map();
      bits.set(variant[0], (bits.get(variant[0]) ?? 0) | (1 << ENCODING_NAMES.indexOf(variant[1])));
      (folded ??= new Set()).add(name);
    }
    for (const dirent of dirents) {
      const name = dirent.name;
      if (isHidden(name, relDir)) continue;
      if (dirent.isFile()) {
        // (A variant of a plain file that is a variant itself, `X.br.br`, is never served.)
        if (folded?.has(name)) continue;
        files.push(unstated(relPrefix + name, linked ? dirPrefix + name : undefined, bits?.get(name)));
        continue;
      }
      const abs = dirPrefix + name;
      const rel = relPrefix + name;
      if (dirent.isSymbolicLink()) {
        symlinked = true;
        let real: string;
        let st: Stats;
        try {
          real = realpathSync(abs);
          st = statSync(real);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          warn(`static-origin: skipped ${rel}: ${code === 'ELOOP' ? 'the symlink loops' : 'the symlink dangles'} (${code})`);
          continue;
        }
        if (!insideRoot(realRoot, real)) {
          warn(`static-origin: skipped ${rel}: the symlink points outside the root`);
          continue;
        }
        if (st.isDirectory()) enterDir(real, rel, true);
        else if (!st.isFile()) warn(`static-origin: skipped ${rel}: not a regular file`);
        else if (!readable(st)) warn(unreadable(rel, st));
        else files.push({ rel, abs: real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, ctimeMs: st.ctimeMs, siblingBits: 0 });
      } else if (dirent.isDirectory()) {
        enterDir(abs, rel, linked);
      } else {
        warn(`static-origin: skipped ${rel}: not a regular file`);
      }
    }
  };

  const enterDir = (real: string, rel: string, linked: boolean): void => {
    if (visited.has(real)) {
      warn(`static-origin: skipped ${rel}: the directory was already indexed (symlink loop)`);
      return;
    }
    visited.add(real);
    walk(real, rel, linked);
  };

  walk(realRoot, '', false);
  return { files, symlinked };
}
