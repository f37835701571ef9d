// Write: the new root is built in a directory beside `out`, flushed to disk, and swapped in with
// renames at the end, so a failed or interrupted collect leaves the previous root whole and a
// finished one survives a power cut.
import * as nodeFs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { StaticOriginError } from '../errors.js';

/**
 * The file-system calls writeRoot makes, so a test can record their order or inject a fault
 * without mocking node:fs; node:fs itself is the default.
 */
export interface FileSystem {
  mkdirSync(path: string, options?: { recursive: true }): unknown;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  futimesSync(fd: number, atime: Date, mtime: Date): void;
  closeSync(fd: number): void;
  linkSync(existingPath: string, newPath: string): void;
  copyFileSync(src: string, dest: string): void;
  statSync(path: string): { atime: Date; mtime: Date };
  utimesSync(path: string, atime: Date, mtime: Date): void;
  renameSync(oldPath: string, newPath: string): void;
  rmSync(path: string, options: { recursive: true; force: true }): void;
  fsyncSync(fd: number): void;
  /** The one asynchronous call: the flush runs several fsyncs at once on the thread pool. */
  fsync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
}

export const nodeFileSystem: FileSystem = nodeFs;

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
  const stagingPrefix = `.${base}.${TAG}-tmp-`;
  const oldPrefix = `.${base}.${TAG}-old-`;
  return {
    parent,
    staging: join(parent, `${stagingPrefix}${process.pid}-${Date.now().toString(36)}`),
    old: join(parent, `${oldPrefix}${process.pid}`),
    /** The pid in a sibling's name, or undefined when the entry is not one. */
    stagingPid: (entry: string) => (entry.startsWith(stagingPrefix) ? Number(entry.slice(stagingPrefix.length).split('-')[0]) : undefined),
    oldPid: (entry: string) => (entry.startsWith(oldPrefix) ? Number(entry.slice(oldPrefix.length)) : undefined),
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
    const stagingPid = s.stagingPid(entry);
    const oldPid = s.oldPid(entry);
    if (stagingPid !== undefined) {
      if (!alive(stagingPid)) await fsp.rm(full, { recursive: true, force: true });
    } else if (oldPid !== undefined) {
      if (alive(oldPid)) continue;
      if (!outExists && !(await exists(out))) {
        await fsp.rename(full, out);
        flushDirectory(nodeFileSystem, s.parent);
      } else await fsp.rm(full, { recursive: true, force: true });
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

export type WriteProgress = (done: number, total: number, name: string) => void;

/**
 * Builds the new root beside `out` from `files` plus `carried` (names in the previous root, hard-linked
 * or copied), flushes it, then swaps it in. On any error the staging directory is removed and `out` is
 * untouched, and the error (ERR_STATIC_ORIGIN_WRITE) names the file and the system's reason.
 *
 * The calls are synchronous: thousands of small files are created in a few directories, and the
 * thread pool only adds hand-offs and lock contention to that (7,560 files: ~0.15 s instead of ~1.7 s).
 * The fsyncs are the exception (see flushAll).
 */
export async function writeRoot(out: string, files: readonly OutputFile[], carried: readonly string[], progress: WriteProgress, fs: FileSystem = nodeFileSystem): Promise<void> {
  const s = siblings(out);
  let at = s.staging;
  try {
    fs.mkdirSync(s.parent, { recursive: true });
    fs.mkdirSync(s.staging);
  } catch (err) {
    throw writeFailed(out, at, err);
  }
  try {
    // Every directory of the staging tree and every file whose bytes this run wrote: what the flush
    // makes durable. A hard link is an entry in its directory; its bytes were flushed when first written.
    const dirs = [s.staging];
    const written: string[] = [];
    const made = new Set<string>();
    const ensureDir = (dir: string): void => {
      if (dir === '.' || made.has(dir)) return;
      ensureDir(dirname(dir));
      const full = join(s.staging, dir);
      fs.mkdirSync(full);
      made.add(dir);
      dirs.push(full);
    };
    const total = files.length + carried.length;
    let done = 0;
    for (const name of carried) {
      at = name;
      ensureDir(dirname(name));
      const to = join(s.staging, name);
      if (linkOrCopy(fs, join(out, name), to) === 'copied') written.push(to);
      progress(++done, total, name);
    }
    for (const f of files) {
      at = f.name;
      ensureDir(dirname(f.name));
      const to = join(s.staging, f.name);
      if (f.data) {
        writeWithTime(fs, to, f.data, f.mtime);
        written.push(to);
      } else if (f.mtime) {
        fs.copyFileSync(f.from, to);
        fs.utimesSync(to, f.mtime, f.mtime);
        written.push(to);
      } else if (linkOrCopy(fs, f.from, to) === 'copied') written.push(to);
      progress(++done, total, f.name);
    }
    await flushAll(fs, written, dirs, (path) => (at = relative(s.staging, path) || '.'));
  } catch (err) {
    removeQuietly(fs, s.staging);
    throw writeFailed(out, at, err);
  }
  swap(fs, out, s.staging, s.old);
}

function writeWithTime(fs: FileSystem, path: string, data: Uint8Array, mtime: Date): void {
  const fd = fs.openSync(path, 'wx');
  try {
    let at = 0;
    while (at < data.length) at += fs.writeSync(fd, data, at, data.length - at);
    fs.futimesSync(fd, mtime, mtime);
  } finally {
    fs.closeSync(fd);
  }
}

/** A hard link keeps the file's bytes and times without copying; across devices it is copied. */
function linkOrCopy(fs: FileSystem, from: string, to: string): 'linked' | 'copied' {
  try {
    fs.linkSync(from, to);
    return 'linked';
  } catch {
    fs.copyFileSync(from, to);
    const st = fs.statSync(from);
    fs.utimesSync(to, st.atime, st.mtime);
    return 'copied';
  }
}

// Windows opens no directory for fsync (its renames are journaled), and flushes a file only through a handle that may write.
const FLUSH_DIRECTORIES = process.platform !== 'win32';
const FLUSH_FLAGS = process.platform === 'win32' ? 'r+' : 'r';
const FLUSH_WIDTH = 16;

/**
 * fsyncs the written files and every directory, 16 at a time on the thread pool, so the file system
 * commits them together: one at a time cost more than writing the files did (2,000 files on ext4:
 * +0.9 s on ~0.7 s), 16 at a time about +0.1 s. Waits for every fsync to end, then throws the first failure.
 */
async function flushAll(fs: FileSystem, files: readonly string[], dirs: readonly string[], onFailure: (path: string) => void): Promise<void> {
  const paths = FLUSH_DIRECTORIES ? [...files, ...dirs] : files;
  let next = 0;
  let failure: { path: string; err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < paths.length && !failure) {
      const path = paths[next++];
      try {
        const fd = fs.openSync(path, FLUSH_FLAGS);
        try {
          await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
        } finally {
          fs.closeSync(fd);
        }
      } catch (err) {
        failure ??= { path, err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FLUSH_WIDTH, paths.length) }, lane));
  if (failure) {
    onFailure(failure.path);
    throw failure.err;
  }
}

function flushDirectory(fs: FileSystem, dir: string): void {
  if (!FLUSH_DIRECTORIES) return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `out` → `old`, staging → `out`, then the parent is flushed so both renames survive a power cut.
 * Killed between the renames, `out` is missing until the next collect's recoverInterrupted puts `old` back.
 */
function swap(fs: FileSystem, out: string, staging: string, old: string): void {
  let movedAside = false;
  try {
    fs.renameSync(out, old);
    movedAside = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      removeQuietly(fs, staging);
      if (code === 'EBUSY' || code === 'EXDEV') {
        throw new StaticOriginError(
          'ERR_STATIC_ORIGIN_CONFIG',
          `static-origin: cannot replace ${out} (${code}); if it is a mount point, mount its parent instead, since collect swaps the whole directory`,
          { cause: err },
        );
      }
      throw writeFailed(out, 'the swap', err);
    }
  }
  try {
    fs.renameSync(staging, out);
  } catch (err) {
    if (movedAside) putBack(fs, old, out);
    removeQuietly(fs, staging);
    throw writeFailed(out, 'the swap', err);
  }
  try {
    flushDirectory(fs, dirname(out));
  } catch (err) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_WRITE',
      `static-origin: the new root is in place at ${out}, but flushing ${dirname(out)} failed, so a power cut may bring back the previous one: ${(err as Error).message}`,
      { cause: err },
    );
  }
  // A leftover is removed by the next collect's recoverInterrupted; it is no reason to fail this one.
  if (movedAside) removeQuietly(fs, old);
}

/** The one error of a failed write: where, and the system's reason (ENOSPC, EACCES, EIO…). */
function writeFailed(out: string, at: string, err: unknown): unknown {
  if (err instanceof StaticOriginError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return err;
  return new StaticOriginError('ERR_STATIC_ORIGIN_WRITE', `static-origin: cannot write the new root for ${out} (at ${at}): ${e.message}; ${out} is left as it was`, { cause: err });
}

/** Undoes the first rename; should that fail too, the next collect's recoverInterrupted does it. */
function putBack(fs: FileSystem, old: string, out: string): void {
  try {
    fs.renameSync(old, out);
  } catch {
    // `out` stays missing until then; the error being thrown is the one to report.
  }
}

/** Cleaning up after a failure must not hide the failure. */
function removeQuietly(fs: FileSystem, path: string): void {
  try {
    fs.rmSync(path, { recursive: true, force: true });
  } catch {
    // Left for the next collect's recoverInterrupted.
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(
    () => true,
    () => false,
  );
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
