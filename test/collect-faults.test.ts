// Write under faults: the new root is flushed before it is swapped in, and a disk that fills, a source
// that turns unreadable, a failing fsync or a kill while writing or swapping leaves the previous root byte-for-byte
// intact and servable, with one error naming the cause.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { collect } from '../src/collect/index.js';
import { nodeFileSystem, recoverInterrupted, writeRoot, type FileSystem, type OutputFile } from '../src/collect/write.js';
import { staticOrigin } from '../src/index.js';
import type { ChildArgs } from './helpers/collect-child.js';
import { snapshot, tempDir, writeTree } from './fixtures/collect/helpers.js';

const css = 'body { background: url(../img/a.svg); }\n'.repeat(10);
const svg = '<svg xmlns="http://www.w3.org/2000/svg">' + '<g/>'.repeat(100) + '</svg>';
const CHILD = join(import.meta.dirname, 'helpers/collect-child.ts');
const REPO = join(import.meta.dirname, '..');

/** A project with one good collect done: `<dir>/src` collected into `<dir>/out`. */
async function collected(dir: string): Promise<{ src: string; out: string; before: Map<string, string> }> {
  const src = join(dir, 'src');
  const out = join(dir, 'out');
  writeTree(src, { 'css/a.css': css, 'img/a.svg': svg });
  await collect({ sources: [src], out, cacheDir: false });
  return { src, out, before: snapshot(out) };
}

/** Serves `out` over a socket and asks for `css/a.css` by its hashed URL: the root must answer with its bytes. */
async function assertServable(t: TestContext, out: string): Promise<void> {
  const assets = staticOrigin({ root: out, prefix: '/static/' });
  const server = createServer((req, res) => {
    if (!assets.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => {
    server.close();
    assets.close();
  });
  const url = assets.url('css/a.css');
  const { port } = server.address() as { port: number };
  const reply = await new Promise<{ status: number; body: Buffer }>((res, rej) => {
    get({ host: '127.0.0.1', port, path: url, headers: { 'accept-encoding': 'identity' } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => res({ status: r.statusCode!, body: Buffer.concat(chunks) }));
    }).on('error', rej);
  });
  assert.equal(reply.status, 200);
  assert.ok(reply.body.equals(fs.readFileSync(join(out, url.slice('/static/'.length)))), 'the body is the file in the root');
  assert.match(reply.body.toString(), /url\(\.\.\/img\/a\.[0-9a-f]{12}\.svg\)/);
}

/** Nothing beside `out` but what the test put there: no staging directory, no previous root set aside. */
function assertNoSiblings(dir: string, expected: string[]): void {
  assert.deepEqual(fs.readdirSync(dir).sort(), expected.sort());
}

/** A file system that records fsyncs (by path, when they complete) and renames, in order. */
function recording(log: string[]): FileSystem {
  const paths = new Map<number, string>();
  return {
    ...nodeFileSystem,
    openSync: (path, flags) => {
      const fd = nodeFileSystem.openSync(path, flags);
      paths.set(fd, path);
      return fd;
    },
    fsync: (fd, callback) =>
      nodeFileSystem.fsync(fd, (err) => {
        log.push(`fsync ${paths.get(fd)}`);
        callback(err);
      }),
    fsyncSync: (fd) => {
      nodeFileSystem.fsyncSync(fd);
      log.push(`fsync ${paths.get(fd)}`);
    },
    renameSync: (from, to) => {
      nodeFileSystem.renameSync(from, to);
      log.push(`rename ${from} ${to}`);
    },
  };
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EACCES: 'permission denied', EIO: 'i/o error' };
  return Object.assign(new Error(`${code}: ${messages[code]}, ${syscall} '${path}'`), { code, syscall, path });
}

describe('durability', () => {
  it('fsyncs every written file and every directory of the staging tree before the first rename, and the parent after the last', async (t) => {
    const dir = tempDir(t, 'faults');
    const { out } = await collected(dir);
    const previous = fs.readdirSync(join(out, 'img'))[0];
    const files: OutputFile[] = [
      { name: 'a/b/c/deep.txt', data: Buffer.from('deep'), mtime: new Date(1_700_000_000_000) },
      { name: 'top.txt', data: Buffer.from('top'), mtime: new Date(1_700_000_000_000) },
      { name: 'img/linked.svg', from: join(out, 'img', previous) },
      { name: 'img/copied.svg', from: join(out, 'img', previous), mtime: new Date(1_600_000_000_000) },
    ];
    const carried = ['css/a.css'];
    const log: string[] = [];
    await writeRoot(out, files, carried, () => {}, recording(log));

    const renames = log.flatMap((e, i) => (e.startsWith('rename ') ? [i] : []));
    assert.equal(renames.length, 2, log.join('\n'));
    const [moveAside, moveIn] = renames.map((i) => log[i].split(' '));
    assert.equal(moveAside[1], out);
    assert.equal(moveIn[2], out);
    const staging = moveIn[1];

    // What had to be flushed, named inside the staging tree: the written and copied files, every directory.
    const dirs = ['.', 'a', 'a/b', 'a/b/c', 'img', 'css'];
    const expected = new Set([...['a/b/c/deep.txt', 'top.txt', 'img/copied.svg'], ...dirs].map((n) => `fsync ${join(staging, n)}`));
    const flushed = log.slice(0, renames[0]);
    assert.deepEqual(new Set(flushed), expected, 'every fsync of the staging tree, and only those, before the first rename');
    assert.ok(!flushed.includes(`fsync ${join(staging, 'img/linked.svg')}`), 'a hard link needs only its directory');
    assert.deepEqual(log.slice(renames[1] + 1), [`fsync ${dirname(out)}`], 'the parent, after the last rename');

    assert.equal(fs.readFileSync(join(out, 'a/b/c/deep.txt'), 'utf8'), 'deep');
    assert.equal(fs.statSync(join(out, 'img/copied.svg')).mtimeMs, 1_600_000_000_000);
    assertNoSiblings(dir, ['out', 'src']);
  });
});

describe('faults leave the previous root intact and servable, with one error', () => {
  it('the disk fills mid-write (a real 1 MiB tmpfs when it can be mounted, else ENOSPC injected after 3 writes)', async (t) => {
    // Our own temp dir, so that the tmpfs is unmounted before the directory is removed.
    const dir = fs.mkdtempSync(join(tmpdir(), 'static-origin-faults-'));
    const disk = join(dir, 'disk');
    fs.mkdirSync(disk);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'ignore' }).status === 0;
    t.after(() => {
      if (mounted) spawnSync('umount', [disk]);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    t.diagnostic(mounted ? 'real tmpfs of 1 MiB' : 'no tmpfs: ENOSPC injected');
    const src = join(dir, 'src');
    const out = join(disk, 'out');
    writeTree(src, { 'css/a.css': css, 'img/a.svg': svg });
    await collect({ sources: [src], out, cacheDir: false });
    const before = snapshot(out);
    // Incompressible bytes, twice over (hashed and original): 2.4 MB cannot fit in 1 MiB.
    for (let i = 0; i < 6; i++) writeTree(src, { [`bin/blob${i}.bin`]: randomBytes(200_000) });

    let failure: unknown;
    if (mounted) {
      failure = await collect({ sources: [src], out, cacheDir: false }).catch((err: unknown) => err);
    } else {
      let writes = 0;
      const full: FileSystem = {
        ...nodeFileSystem,
        writeSync: (fd, buffer, offset, length) => {
          if (++writes > 3) throw errno('ENOSPC', 'write', '');
          return nodeFileSystem.writeSync(fd, buffer, offset, length);
        },
      };
      const blobs = fs.readdirSync(join(src, 'bin')).map((n) => ({ name: `bin/${n}`, data: fs.readFileSync(join(src, 'bin', n)), mtime: new Date() }));
      failure = await writeRoot(out, blobs, ['css/a.css'], () => {}, full).catch((err: unknown) => err);
    }
    assert.ok(failure instanceof Error, 'the collect failed');
    assert.equal((failure as { code?: string }).code, 'ERR_STATIC_ORIGIN_WRITE');
    assert.match(failure.message, new RegExp(`^static-origin: cannot write the new root for ${out} \\(at bin/blob\\d\\.[^)]*\\): ENOSPC: no space left on device, write.*; ${out} is left as it was$`));
    assert.equal((failure.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(disk, ['out']);
    await assertServable(t, out);
  });

  it('a source turns unreadable after find (a real EACCES: as root, the collect runs as uid 65534, since root reads a mode-000 file)', async (t) => {
    const dir = tempDir(t, 'faults');
    const { src, out, before } = await collected(dir);
    writeTree(src, { 'css/b.css': 'b { color: red }' });
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (nobody.uid) {
      fs.chmodSync(dir, 0o755);
      for (const p of walk(dir)) fs.lchownSync(p, nobody.uid, nobody.gid);
    }
    const r = child({ sources: [src], out, unreadableAfterFind: join(src, 'css/b.css') }, nobody);
    assert.equal(r.status, 1, r.stderr);
    const error = JSON.parse(r.stdout) as { code: string; message: string };
    assert.equal(error.code, 'ERR_STATIC_ORIGIN_UNREADABLE');
    assert.equal(error.message, `static-origin: cannot read ${join(src, 'css/b.css')}: EACCES: permission denied, open '${join(src, 'css/b.css')}'`);
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);
  });

  it('a file of the previous root turns unreadable while it is copied (EACCES injected: root reads it anyway)', async (t) => {
    const dir = tempDir(t, 'faults');
    const { out, before } = await collected(dir);
    const from = join(out, 'css/a.css');
    const denied: FileSystem = {
      ...nodeFileSystem,
      linkSync: () => {
        throw errno('EXDEV', 'link', from);
      }, // as across devices: copy instead
      copyFileSync: (a, b) => {
        if (a === from) throw errno('EACCES', 'copyfile', a);
        nodeFileSystem.copyFileSync(a, b);
      },
    };
    const failure = await writeRoot(
      out,
      [],
      fs
        .readdirSync(join(out, 'img'))
        .map((n) => `img/${n}`)
        .concat('css/a.css'),
      () => {},
      denied,
    ).catch((err: unknown) => err);
    assert.ok(failure instanceof Error, 'the write failed');
    assert.equal((failure as { code?: string }).code, 'ERR_STATIC_ORIGIN_WRITE');
    assert.equal(failure.message, `static-origin: cannot write the new root for ${out} (at css/a.css): EACCES: permission denied, copyfile '${from}'; ${out} is left as it was`);
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);
  });

  it('an fsync fails (EIO injected): nothing is swapped in', async (t) => {
    const dir = tempDir(t, 'faults');
    const { out, before } = await collected(dir);
    let syncs = 0;
    const failing: FileSystem = {
      ...nodeFileSystem,
      fsync: (fd, callback) => (++syncs === 2 ? callback(errno('EIO', 'fsync', '')) : nodeFileSystem.fsync(fd, callback)),
      renameSync: () => assert.fail('nothing may be renamed after a failed flush'),
    };
    const files = [1, 2, 3].map((i) => ({ name: `x/f${i}.txt`, data: Buffer.from(String(i)), mtime: new Date() }));
    const failure = await writeRoot(out, files, [], () => {}, failing).catch((err: unknown) => err);
    assert.ok(failure instanceof Error, 'the write failed');
    assert.equal((failure as { code?: string }).code, 'ERR_STATIC_ORIGIN_WRITE');
    assert.match(failure.message, new RegExp(`^static-origin: cannot write the new root for ${out} \\(at x/f2\\.txt\\): EIO: i/o error, fsync`));
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);
  });
});

describe('killed while writing or swapping (a child collect stops itself)', () => {
  /** The previous root, then sources changed so the next collect writes a different one. */
  async function changed(t: TestContext) {
    const dir = tempDir(t, 'faults');
    const project = await collected(dir);
    writeTree(project.src, { 'css/a.css': css + 'p { margin: 0 }\n', 'js/app.js': 'export const x = 1;\n' });
    return { dir, ...project };
  }

  it('while the new root is being written: the previous root is untouched, and recovery removes the staging directory', async (t) => {
    const { dir, src, out, before } = await changed(t);
    const r = child({ sources: [src], out, stopAt: 'write 2', signal: 'SIGKILL' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.deepEqual(snapshot(out), before);
    assert.ok(
      fs.readdirSync(dir).some((n) => n.startsWith('.out.static-origin-tmp-')),
      'a staging directory was left',
    );
    await recoverInterrupted(out);
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);
  });

  it('right after the first rename (out moved aside, the new root not yet in): recovery puts the previous root back', async (t) => {
    const { dir, src, out, before } = await changed(t);
    const r = child({ sources: [src], out, stopAt: 'rename 1', signal: 'SIGKILL' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    // The window: no `out`, the previous root aside, the complete new root in staging.
    assert.ok(!fs.existsSync(out), 'out is missing between the renames');
    const left = fs.readdirSync(dir).filter((n) => n.startsWith('.out.static-origin-'));
    assert.deepEqual(left.map((n) => n.replace(/-\d.*/, '')).sort(), ['.out.static-origin-old', '.out.static-origin-tmp']);

    await recoverInterrupted(out);
    assert.deepEqual(snapshot(out), before);
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);

    const again = await collect({ sources: [src], out, cacheDir: false });
    assert.equal(again.files, 3);
    assert.ok(fs.readFileSync(join(out, 'css/a.css'), 'utf8').includes('margin'), 'the next collect installs the new root');
    assertNoSiblings(dir, ['out', 'src']);
  });

  it('right after the second rename, and after the parent is flushed: the new root stays, complete', async (t) => {
    for (const stopAt of ['rename 2', 'parent flushed'] as const) {
      const { dir, src, out } = await changed(t);
      const r = child({ sources: [src], out, stopAt, signal: 'SIGKILL' });
      assert.equal(r.signal, 'SIGKILL', `${stopAt}: ${r.stderr}`);
      const installed = snapshot(out);
      assert.ok(
        fs.readdirSync(dir).some((n) => n.startsWith('.out.static-origin-old-')),
        `${stopAt}: the previous root is still aside`,
      );

      await recoverInterrupted(out);
      assert.deepEqual(snapshot(out), installed, stopAt);
      assert.ok(fs.readFileSync(join(out, 'css/a.css'), 'utf8').includes('margin'), stopAt);
      assert.ok(fs.readFileSync(join(out, 'staticfiles.json'), 'utf8').includes('js/app.js'), stopAt);
      assertNoSiblings(dir, ['out', 'src']);
      await assertServable(t, out);
    }
  });

  it('a recovery beside a live collect paused between the renames takes nothing from it', async (t) => {
    const { dir, src, out } = await changed(t);
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ sources: [src], out, stopAt: 'rename 1', signal: 'SIGSTOP' } satisfies ChildArgs)], {
      cwd: REPO,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
    t.after(() => proc.kill('SIGKILL'));
    await until(() => !fs.existsSync(out), 30_000);
    await until(() => readState(proc.pid!) === 'T', 5_000);
    const aside = fs.readdirSync(dir).sort();

    await recoverInterrupted(out);
    assert.deepEqual(fs.readdirSync(dir).sort(), aside, 'the paused owner is alive: its staging and the previous root are left to it');
    assert.ok(!fs.existsSync(out), 'out is still missing: the paused owner swaps it in');

    proc.kill('SIGCONT');
    assert.equal(await exited, 0);
    assert.ok(fs.readFileSync(join(out, 'css/a.css'), 'utf8').includes('margin'), 'the resumed collect installs the new root');
    assertNoSiblings(dir, ['out', 'src']);
    await assertServable(t, out);
  });
});

describe('recoverInterrupted', () => {
  it('reads the owner\'s pid after the marker, not after the first "-tmp-" or "-old-" in the name of out (a live collect\'s directories were taken)', async (t) => {
    const dir = tempDir(t, 'faults');
    const live = process.ppid; // alive, and not this process
    for (const base of ['site-tmp-2', 'site-old-2']) {
      const out = join(dir, base);
      const staging = join(dir, `.${base}.static-origin-tmp-${live}-abc`);
      const old = join(dir, `.${base}.static-origin-old-${live}`);
      fs.mkdirSync(staging);
      fs.mkdirSync(old);
      await recoverInterrupted(out);
      assert.ok(fs.existsSync(staging), `${base}: a live owner's staging directory is left to it`);
      assert.ok(fs.existsSync(old) && !fs.existsSync(out), `${base}: a live owner's previous root is left to it`);
    }
  });
});

function child(args: ChildArgs, as: { uid?: number; gid?: number } = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], { cwd: REPO, encoding: 'utf8', timeout: 60_000, ...as });
}

function walk(root: string): string[] {
  return [root, ...fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((n) => join(root, n))];
}

/** The state letter of a process in /proc (`T` when stopped). */
function readState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
