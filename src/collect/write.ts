// Write: the new root is built in a directory beside `out` and swapped in with renames at the end,
// so a failed or interrupted collect leaves the previous root whole.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StaticOriginError } from '../errors.js';

export interface OutputFile {
  /** Relative `/`-separated name in the root. */
  readonly name: string;
  readonly data: Buffer;
  /** Written files keep their source's mtime, so Last-Modified does not move on every deploy. */
  readonly mtime: Date;
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
 */
export async function writeRoot(out: string, files: readonly OutputFile[], carried: readonly string[], progress: WriteProgress): Promise<void> {
  const s = siblings(out);
  await fsp.mkdir(s.parent, { recursive: true });
  await fsp.mkdir(s.staging);
  try {
    const made = new Set<string>();
    const ensureDir = async (name: string) => {
      const dir = dirname(name);
      if (dir === '.' || made.has(dir)) return;
      await fsp.mkdir(join(s.staging, dir), { recursive: true });
      made.add(dir);
    };
    const total = files.length + carried.length;
    let done = 0;
    for (const name of carried) {
      await ensureDir(name);
      const from = join(out, name);
      const to = join(s.staging, name);
      try {
        await fsp.link(from, to);
      } catch {
        await fsp.copyFile(from, to);
        const st = await fsp.stat(from);
        await fsp.utimes(to, st.atime, st.mtime);
      }
      progress(++done, total, name);
    }
    // Writes go in small parallel batches: enough to overlap I/O, not so many that descriptors run out.
    for (let i = 0; i < files.length; i += 16) {
      await Promise.all(files.slice(i, i + 16).map(async (f) => {
        await ensureDir(f.name);
        const to = join(s.staging, f.name);
        await fsp.writeFile(to, f.data, { flag: 'wx' });
        await fsp.utimes(to, f.mtime, f.mtime);
        progress(++done, total, f.name);
      }));
    }
    await swap(out, s.staging, s.old);
  } catch (err) {
    await fsp.rm(s.staging, { recursive: true, force: true });
    throw err;
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
  if (movedAside) await fsp.rm(old, { recursive: true, force: true });
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
