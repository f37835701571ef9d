// Write: the new root is built in a directory beside `out` and swapped in with renames at the end,
// so a failed or interrupted collect leaves the previous root whole.
import { closeSync, copyFileSync, futimesSync, linkSync, mkdirSync, openSync, promises as fsp, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StaticOriginError } from '../errors.js';

export type OutputFile = WrittenFile | LinkedFile;

export interface WrittenFile {
  /** Relative `/`-separated name in the root. */
  readonly name: string;
  readonly data: Buffer;
  /** Written files keep their source's mtime, so Last-Modified does not move on every deploy. */
  readonly mtime: Date;
  readonly from?: undefined;
}

/** A file of the previous root taken over unchanged: hard-linked, or copied when it needs another `mtime`. */
export interface LinkedFile {
  readonly name: string;
  readonly from: string;
  readonly mtime?: Date;
  readonly data?: undefined;
}

const TAG = 'static-origin';

function siblings(out: string) {
  const parent = dirname(out);
  const base = basename(out);
  return {
    parent,
    staging: join(parent, `.${base}.${TAG}-tmp-${process.pid}-${Date.now().toString(36)}`),
    old: join(parent, `.${base}.${TAG}-old-${process.pid}`),
    isStaging: (entry: string) => entry.startsWith(`.${base}.${TAG}-tmp-`),
    isOld: (entry: string) => entry.startsWith(`.${base}.${TAG}-old-`),
  };
}

/**
 * Tidies what an interrupted collect left beside `out`: a staging directory of a process that is gone
 * is removed; a previous root moved aside but not yet replaced is put back.
 */
export async function recoverInterrupted(out: string): Promise<void> {
  const s = siblings(out);
  let entries: string[];
  try {
    entries = await fsp.readdir(s.parent);
  } catch {
    return;
  }
  const outExists = await exists(out);
  for (const entry of entries.sort().reverse()) {
    const full = join(s.parent, entry);
    if (s.isStaging(entry)) {
      const pid = Number(entry.slice(entry.indexOf('-tmp-') + 5).split('-')[0]);
      if (!alive(pid)) await fsp.rm(full, { recursive: true, force: true });
    } else if (s.isOld(entry)) {
      const pid = Number(entry.slice(entry.indexOf('-old-') + 5));
      if (alive(pid)) continue;
      if (!outExists && !(await exists(out))) await fsp.rename(full, out);
      else await fsp.rm(full, { recursive: true, force: true });
    }
  }
}

/** Every file under the previous root, as relative names (empty when there is none). */
export async function listRoot(out: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (rel === '' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${dir} in the previous output: ${(err as Error).message}`, { cause: err });
    }
    for (const e of entries) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), name);
      else names.push(name);
    }
  };
  const st = await fsp.stat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: the output ${out} exists and is not a directory`);
  await walk(out, '');
  return names.sort();
}

export interface WriteProgress {
  (done: number, total: number, name: string): void;
}

/**
 * Builds the new root beside `out` from `files` plus `carried` (names in the previous root, hard-linked
 * or copied), then swaps it in. On any error the staging directory is removed and `out` is untouched.
 *
 * The calls are synchronous: thousands of small files are created in a few directories, and the
 * thread pool only adds hand-offs and lock contention to that (7,560 files: ~0.15 s instead of ~1.7 s).
 */
export async function writeRoot(out: string, files: readonly OutputFile[], carried: readonly string[], progress: WriteProgress): Promise<void> {
  const s = siblings(out);
  await fsp.mkdir(s.parent, { recursive: true });
  await fsp.mkdir(s.staging);
  try {
    const made = new Set<string>();
    const ensureDir = (name: string) => {
      const dir = dirname(name);
      if (dir === '.' || made.has(dir)) return;
      mkdirSync(join(s.staging, dir), { recursive: true });
      made.add(dir);
    };
    const total = files.length + carried.length;
    let done = 0;
    for (const name of carried) {
      ensureDir(name);
      linkOrCopy(join(out, name), join(s.staging, name));
      progress(++done, total, name);
    }
    for (const f of files) {
      ensureDir(f.name);
      const to = join(s.staging, f.name);
      if (f.data) writeWithTime(to, f.data, f.mtime);
      else if (f.mtime) {
        copyFileSync(f.from, to);
        utimesSync(to, f.mtime, f.mtime);
      } else linkOrCopy(f.from, to);
      progress(++done, total, f.name);
    }
    await swap(out, s.staging, s.old);
  } catch (err) {
    await fsp.rm(s.staging, { recursive: true, force: true });
    throw err;
  }
}

function writeWithTime(path: string, data: Uint8Array, mtime: Date): void {
  const fd = openSync(path, 'wx');
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

/** A hard link keeps the file's bytes and times without copying; across devices it is copied. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
    const st = statSync(from);
    utimesSync(to, st.atime, st.mtime);
  }
}

async function swap(out: string, staging: string, old: string): Promise<void> {
  let movedAside = false;
  try {
    await fsp.rename(out, old);
    movedAside = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: cannot replace ${out} (${code}); if it is a mount point, mount its parent instead, since collect swaps the whole directory`, { cause: err });
    }
  }
  try {
    await fsp.rename(staging, out);
  } catch (err) {
    if (movedAside) await fsp.rename(old, out);
    throw err;
  }
  if (movedAside) rmSync(old, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(() => true, () => false);
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
