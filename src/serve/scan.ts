// Walks the root once: every regular file that may be served, with its real path and stats.
// Symlinks are followed only while their real path stays inside the real root.
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { StaticOriginError } from '../errors.js';

export interface FoundFile {
  /** Relative to the root, `/`-separated. */
  rel: string;
  /** Real absolute path (symlinks resolved). */
  abs: string;
  size: number;
  mtimeMs: number;
}

export type Warn = (message: string) => void;

export const defaultWarn: Warn = (message) => process.emitWarning(message, { code: 'STATIC_ORIGIN_SKIPPED' });

/** Resolves and checks the root: an error naming the path when it is missing or not a directory. */
export function resolveRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_ROOT', `static-origin: the root directory ${JSON.stringify(root)} does not exist (${(err as NodeJS.ErrnoException).code ?? 'error'}); run \`static-origin collect\` first or fix "root"`, { cause: err });
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

export function scanRoot(realRoot: string, warn: Warn = defaultWarn): FoundFile[] {
  const files: FoundFile[] = [];
  const inside = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  const visited = new Set<string>([realRoot]);

  const walk = (absDir: string, relDir: string): void => {
    let names: string[];
    try {
      names = readdirSync(absDir);
    } catch (err) {
      throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read the directory ${absDir}: ${(err as Error).message}`, { cause: err });
    }
    names.sort();
    for (const name of names) {
      if (isHidden(name, relDir)) continue;
      const abs = join(absDir, name);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      let st: Stats = lstatSync(abs);
      let real = abs;
      if (st.isSymbolicLink()) {
        try {
          real = realpathSync(abs);
          st = statSync(real);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          warn(`static-origin: skipped ${rel}: ${code === 'ELOOP' ? 'the symlink loops' : 'the symlink dangles'} (${code})`);
          continue;
        }
        if (!real.startsWith(inside)) {
          warn(`static-origin: skipped ${rel}: the symlink points outside the root`);
          continue;
        }
      }
      if (st.isDirectory()) {
        if (visited.has(real)) {
          warn(`static-origin: skipped ${rel}: the directory was already indexed (symlink loop)`);
          continue;
        }
        visited.add(real);
        walk(real, rel);
      } else if (st.isFile()) {
        files.push({ rel, abs: real, size: st.size, mtimeMs: st.mtimeMs });
      } else {
        warn(`static-origin: skipped ${rel}: not a regular file`);
      }
    }
  };
  walk(realRoot, '');
  return files;
}
