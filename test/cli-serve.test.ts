// `static-origin serve`, run as users run it (the built bin) in processes of its own: every
// flag, the access log, refresh on SIGHUP, a cluster whose workers all answer and are replaced
// when they die, a drain on SIGTERM that lets a slow download finish, and bad input.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliDecompressSync } from 'node:zlib';
import { run, tempDir, writeTree } from './fixtures/collect/helpers.js';
import { get, raw } from './helpers/http.js';

const BIN = resolve(import.meta.dirname, '../bin/static-origin.js');
if (!existsSync(resolve(import.meta.dirname, '../dist/esm/cli/serve.js'))) throw new Error('build first: npm run build (npm test does)');

const READY = /^static-origin: serving (.+) at http:\/\/(\[[^\]]+\]|[^:/]+):(\d+)(\/\S*) \((\d+) workers?\)$/m;
const CLF = /^127\.0\.0\.1 - - \[\d{2}\/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "([A-Z]+) (\S+) HTTP\/1\.1" (\d{3}) (\d+|-)$/;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Serving {
  child: ChildProcess;
  pid: number;
  /** As the ready line writes it: `127.0.0.1`, `[::1]`. */
  host: string;
  port: number;
  workers: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once `stream` holds `re`; rejects after `ms`. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** The exit, or a rejection after `ms`. */
  exit(ms?: number): Promise<Exit>;
}

function spawnCli(args: string[], cwd: string): { child: ChildProcess; out: { stdout: string; stderr: string }; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<Exit>((res) => child.on('close', (code, signal) => res({ code, signal })));
  return { child, out, exited };
}

function bounded<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what()}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `static-origin serve …` and waits (bounded) for its ready line; the process and its workers are killed after the test. */
async function serve(t: TestContext, args: string[], cwd: string): Promise<Serving> {
  const { child, out, exited } = spawnCli(['serve', '--port', '0', ...args], cwd);
  let done = false;
  void exited.then(() => (done = true));
  t.after(() => {
    if (done) return;
    for (const pid of childPids(child.pid!)) process.kill(pid, 'SIGKILL');
    process.kill(child.pid!, 'SIGKILL');
  });
  const waitFor = (stream: 'stdout' | 'stderr', re: RegExp, ms = 15_000) =>
    bounded(
      new Promise<RegExpMatchArray>((res, rej) => {
        const check = () => {
          const m = re.exec(out[stream]);
          if (m) {
            child[stream]!.off('data', onData);
            res(m);
          } else if (done) rej(new Error(`exited without ${re}:\n${out.stdout}\n${out.stderr}`));
        };
        const onData = () => setImmediate(check);
        child[stream]!.on('data', onData);
        void exited.then(check);
        check();
      }),
      ms,
      () => `${re} in ${stream}:\n${out.stdout}\n${out.stderr}`,
    );
  const ready = await waitFor('stderr', READY);
  return {
    child,
    pid: child.pid!,
    host: ready[2],
    port: Number(ready[3]),
    workers: Number(ready[5]),
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor,
    exited,
    exit: (ms = 20_000) => bounded(exited, ms, () => `exit:\n${out.stderr}`),
  };
}

/** Runs the CLI to its end (bounded), for the commands that do not serve. */
async function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { out, exited, child } = spawnCli(args, cwd);
  const { code } = await bounded(exited, 30_000, () => {
    child.kill('SIGKILL');
    return `${args.join(' ')}:\n${out.stderr}`;
  });
  return { code, ...out };
}

function assertOneError(r: { code: number | null; stdout: string; stderr: string }, code: number, what: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('static-origin:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

// ---- /proc: which process holds which connection (Linux) ----

/** Live children of `pid` (zombies left out). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid && state !== 'Z') out.push(Number(name));
  }
  return out;
}

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The inode of the server's end of the loopback connection from `clientPort` to `serverPort`. */
function serverSideInode(serverPort: number, clientPort: number): string | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = parseInt(f[1].split(':')[1], 16);
    const remote = parseInt(f[2].split(':')[1], 16);
    if (local === serverPort && remote === clientPort) return f[9];
  }
  return undefined;
}

/** Whether a connection to host:port is refused (nothing listens there). */
function refusedOn(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect(port, host);
    socket.on('connect', () => {
      socket.destroy();
      res(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => res(err.code === 'ECONNREFUSED'));
  });
}

interface Held {
  socket: Socket;
  status: number;
  body: Buffer;
  head: string;
}

/** One keep-alive request on a fresh connection; the connection stays open. */
function keptAlive(port: number, path: string): Promise<Held> {
  return bounded(
    new Promise<Held>((res, rej) => {
      const socket = connect(port, '127.0.0.1');
      let data = Buffer.alloc(0);
      socket.on('error', rej);
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (data.length < end + 4 + length) return;
        socket.removeAllListeners('data');
        res({ socket, status: Number(head.slice(9, 12)), body: data.subarray(end + 4, end + 4 + length), head });
      });
    }),
    10_000,
    () => `keep-alive ${path}`,
  );
}

/** Which of `workers` holds each of these connections, by the server-side socket's inode. */
function owners(port: number, held: Held[], workers: number[]): Array<number | undefined> {
  const inodes = new Map(workers.map((pid) => [pid, socketInodes(pid)]));
  return held.map(({ socket }) => {
    const inode = serverSideInode(port, socket.localPort!);
    return workers.find((pid) => inode !== undefined && inodes.get(pid)!.has(inode));
  });
}

const css = '.a { background: url(../img/logo.svg) }\n'.repeat(50);
const svg = '<svg xmlns="http://www.w3.org/2000/svg">' + '<g/>'.repeat(200) + '</svg>';

describe('static-origin serve: a collected root', () => {
  it('--help prints its usage and exits 0', async (t) => {
    const r = await cli(['serve', '--help'], tempDir(t, 'serve'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: static-origin serve \[options\] <root>/);
    for (const flag of ['--port', '--host', '--prefix', '--workers', '--dev', '--source', '--quiet']) assert.match(r.stdout, new RegExp(flag));
  });

  it("serves files (hashed names immutable, br to who asks), the middleware's 404 otherwise, and logs each response in Common Log Format", async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const hashed = c.nameOf('css/app.css');
    // A zstd sibling (as `collect --encodings br,gzip,zstd` writes): serve sends every encoding the root has.
    const zst = Buffer.from('not really zstd, but smaller than the file');
    writeFileSync(join(c.out, `${hashed}.zst`), zst);
    const s = await serve(t, [c.out, '--workers', '1'], c.dir);
    assert.match(s.stderr(), new RegExp(`^static-origin: serving ${c.out} at http://127\\.0\\.0\\.1:${s.port}/ \\(1 worker\\)\\n$`));

    const a = await get(s.port, `/${hashed}`);
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, c.file(hashed));
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(a.headers['content-type'], 'text/css; charset=utf-8');
    const original = await get(s.port, '/css/app.css');
    assert.deepEqual(original.body, c.file('css/app.css'));
    assert.equal(original.headers['cache-control'], 'public, max-age=60');
    const br = await get(s.port, `/${hashed}`, { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(brotliDecompressSync(br.body), c.file(hashed));
    const z = await get(s.port, `/${hashed}`, { 'accept-encoding': 'zstd' });
    assert.equal(z.headers['content-encoding'], 'zstd');
    assert.deepEqual(z.body, zst);
    const head = await get(s.port, `/${hashed}`, {}, 'HEAD');
    assert.equal(head.status, 200);
    const notModified = await get(s.port, `/${hashed}`, { 'if-none-match': a.headers.etag! });
    assert.equal(notModified.status, 304);
    const miss = await get(s.port, '/css/nope.css');
    assert.equal(miss.status, 404);
    assert.equal(miss.body.toString(), 'Not Found');
    // The middleware's own 404 (fallthrough: false): short-lived for caches (missMaxAge).
    assert.equal(miss.headers['cache-control'], 'public, max-age=5');
    assert.equal(miss.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await get(s.port, '/staticfiles.json')).status, 404, 'the manifest is not served');
    await raw(s.port, '/a"b\\c');

    await s.waitFor('stdout', /(?:.*\n){9}/);
    const lines = s.stdout().trimEnd().split('\n');
    assert.equal(lines.length, 9, s.stdout());
    for (const line of lines) assert.match(line, CLF);
    const fields = lines.map((l) => CLF.exec(l)!.slice(1));
    assert.deepEqual(fields, [
      ['GET', `/${hashed}`, '200', String(c.file(hashed).length)],
      ['GET', '/css/app.css', '200', String(c.file('css/app.css').length)],
      ['GET', `/${hashed}`, '200', String(br.body.length)],
      ['GET', `/${hashed}`, '200', String(zst.length)],
      ['HEAD', `/${hashed}`, '200', '0'],
      ['GET', `/${hashed}`, '304', '0'],
      ['GET', '/css/nope.css', '404', '9'],
      ['GET', '/staticfiles.json', '404', '9'],
      // A quote or backslash in the request cannot forge a field of the line.
      ['GET', '/a\\"b\\\\c', '404', '9'],
    ]);
  });

  it('--quiet: no access log, the ready line still', async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out, '--workers', '1', '--quiet'], c.dir);
    assert.equal((await get(s.port, '/css/app.css')).status, 200);
    assert.equal((await get(s.port, '/nope')).status, 404);
    s.child.kill('SIGINT');
    assert.deepEqual(await s.exit(), { code: 0, signal: null });
    assert.equal(s.stdout(), '');
    assert.match(s.stderr(), READY);
    assert.match(s.stderr(), /\nstatic-origin: SIGINT: no longer accepting connections; .*\nstatic-origin: stopped\n$/);
  });

  it('--host: the address it listens on, in the ready line (IPv6 in brackets)', async (t) => {
    const ipv6 = await new Promise<boolean>((res) => {
      const probe = createNetServer().once('error', () => res(false));
      probe.listen(0, '::1', () => probe.close(() => res(true)));
    });
    if (!ipv6) return t.skip('no IPv6 loopback here');
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out, '--workers', '1', '--host', '::1'], c.dir);
    assert.equal(s.host, '[::1]');
    const r = await new Promise<number>((res, rej) => {
      httpGet({ host: '::1', port: s.port, path: '/css/app.css', agent: false }, (response) => {
        response.resume();
        res(response.statusCode!);
      }).on('error', rej);
    });
    assert.equal(r, 200);
    await s.waitFor('stdout', /^::1 - - \[.*\] "GET \/css\/app\.css HTTP\/1\.1" 200 \d+$/m);
    assert.equal(await refusedOn('127.0.0.1', s.port), true, 'not on IPv4');
  });

  it('--prefix /static/: files under it, 404 elsewhere', async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out, '--workers', '1', '--prefix', 'static'], c.dir);
    assert.equal(READY.exec(s.stderr())![4], '/static/');
    const hit = await get(s.port, `/static/${c.nameOf('img/logo.svg')}`);
    assert.equal(hit.status, 200);
    assert.equal(hit.body.toString(), svg);
    assert.equal((await get(s.port, `/${c.nameOf('img/logo.svg')}`)).status, 404);
    assert.equal((await get(s.port, '/static')).status, 404, 'no index page, no redirect');
  });
});

describe('static-origin serve --dev', () => {
  it('--dev --source DIR[:PREFIX]: serves the sources live, an edit after start included; one worker by default', async (t) => {
    const dir = tempDir(t, 'serve-dev');
    writeTree(dir, { 'app/css/a.css': 'a { color: red }\n', 'vendor/lib.js': 'export default 1;\n' });
    const s = await serve(t, ['--dev', '--source', 'app', '-s', 'vendor:vendor'], dir);
    assert.match(s.stderr(), new RegExp(`serving ${join(dir, 'app')}, ${join(dir, 'vendor')}:vendor in development mode at .* \\(1 worker\\)`));
    const before = await get(s.port, '/css/a.css');
    assert.equal(before.body.toString(), 'a { color: red }\n');
    assert.equal(before.headers['cache-control'], 'no-cache');
    writeFileSync(join(dir, 'app/css/a.css'), 'a { color: tan }\n');
    const after = await get(s.port, '/css/a.css');
    assert.equal(after.status, 200);
    assert.equal(after.body.toString(), 'a { color: tan }\n');
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.equal((await get(s.port, '/vendor/lib.js')).body.toString(), 'export default 1;\n');
  });

  it('--dev with a root and no --source: the root live, a file added after start included', async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out, '--dev'], c.dir);
    assert.match(s.stderr(), /in development mode at .* \(1 worker\)/);
    assert.equal((await get(s.port, '/late.txt')).status, 404);
    writeFileSync(join(c.out, 'late.txt'), 'late\n');
    const late = await get(s.port, '/late.txt');
    assert.equal(late.status, 200);
    assert.equal(late.body.toString(), 'late\n');
  });
});

describe('static-origin serve: a cluster of workers', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('one worker per core by default; SIGHUP refreshes every worker (and a failed rescan keeps the index)', async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out], c.dir);
    const cores = availableParallelism();
    assert.equal(s.workers, cores);
    writeFileSync(join(c.out, 'added.txt'), 'added after start\n');
    assert.equal((await get(s.port, '/added.txt')).status, 404, 'the index is taken at startup');

    s.child.kill('SIGHUP');
    await s.waitFor('stderr', new RegExp(`^static-origin: SIGHUP: refreshed the index \\(${cores} workers?\\)$`, 'm'));
    for (let i = 0; i < 3 * cores; i++) {
      const r = await get(s.port, '/added.txt');
      assert.equal(r.status, 200, `request ${i}: every worker has refreshed`);
      assert.equal(r.body.toString(), 'added after start\n');
    }

    writeFileSync(join(c.out, 'staticfiles.json'), '{ broken');
    s.child.kill('SIGHUP');
    await s.waitFor(
      'stderr',
      new RegExp(`^static-origin: SIGHUP: refresh failed in ${cores} of ${cores} workers?, which keep serving the previous index: the manifest .*staticfiles\\.json is not valid JSON`, 'm'),
    );
    assert.equal((await get(s.port, `/${c.nameOf('css/app.css')}`)).status, 200);
    assert.equal((await get(s.port, '/added.txt')).status, 200);
  });

  it('--workers 2: both workers answer (each holds connections it answered, per /proc); a worker killed is replaced', async (t) => {
    const c = await run(t, { 'css/app.css': css, 'img/logo.svg': svg });
    const s = await serve(t, [c.out, '--workers', '2', '--quiet'], c.dir);
    assert.equal(s.workers, 2);
    const workers = childPids(s.pid);
    assert.equal(workers.length, 2, `two worker processes: ${workers}`);
    const path = `/${c.nameOf('img/logo.svg')}`;

    const held: Held[] = [];
    t.after(() => {
      for (const h of held) h.socket.destroy();
    });
    for (let i = 0; i < 6; i++) held.push(await keptAlive(s.port, path));
    for (const h of held) {
      assert.equal(h.status, 200);
      assert.equal(h.body.toString(), svg);
    }
    assert.deepEqual(new Set(owners(s.port, held, workers)), new Set(workers), 'each connection is held by a worker, and both have some');

    process.kill(workers[0], 'SIGKILL');
    const m = await s.waitFor('stderr', new RegExp(`^static-origin: worker ${workers[0]} exited unexpectedly \\(signal SIGKILL\\); started worker (\\d+) in its place$`, 'm'));
    const replacement = Number(m[1]);
    const now = [workers[1], replacement];
    assert.deepEqual(childPids(s.pid).sort(), now.sort());
    // The replacement takes connections once it listens.
    const seen = new Set<number | undefined>();
    const deadline = Date.now() + 10_000;
    while (!seen.has(replacement) && Date.now() < deadline) {
      const h = await keptAlive(s.port, path);
      held.push(h);
      assert.equal(h.status, 200);
      seen.add(owners(s.port, [h], now)[0]);
    }
    assert.ok(seen.has(replacement), 'the replacement answers');
  });
});

describe('static-origin serve: workers that keep dying', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('are replaced 10 times within a minute; the 11th death stops the primary with exit 1', async (t) => {
    const dir = tempDir(t, 'serve-restarts');
    writeTree(dir, { 'root/a.txt': 'a\n' });
    const s = await serve(t, ['root', '--workers', '2', '--quiet'], dir);
    let victim = childPids(s.pid)[0];
    for (let i = 1; i <= 10; i++) {
      process.kill(victim, 'SIGKILL');
      const m = await s.waitFor('stderr', new RegExp(`^static-origin: worker ${victim} exited unexpectedly \\(signal SIGKILL\\); started worker (\\d+) in its place$`, 'm'));
      victim = Number(m[1]);
    }
    process.kill(victim, 'SIGKILL');
    await s.waitFor('stderr', new RegExp(`^static-origin: worker ${victim} exited \\(signal SIGKILL\\); 10 workers replaced within 60 s already: stopping$`, 'm'));
    assert.deepEqual(await s.exit(), { code: 1, signal: null });
    assert.match(s.stderr(), /\nstatic-origin: stopped\n$/);
  });
});

describe('static-origin serve: SIGTERM drains', () => {
  const BIG = 32 * 1024 * 1024;

  function bigRoot(t: TestContext): { dir: string; body: Buffer } {
    const dir = tempDir(t, 'serve-drain');
    const body = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeTree(dir, { 'root/big.bin': body, 'root/small.txt': 'small\n' });
    return { dir, body };
  }

  /** A GET whose reader stops after the first bytes, until `resume()`; `done` resolves with everything read. */
  function slowDownload(port: number, path: string): Promise<{ socket: Socket; resume(): void; done: Promise<Buffer> }> {
    return bounded(
      new Promise((res, rej) => {
        const socket = connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        const done = new Promise<Buffer>((resolveDone) => socket.on('close', () => resolveDone(Buffer.concat(chunks))));
        socket.on('error', () => {});
        socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
        socket.once('data', () => {
          socket.pause();
          res({ socket, resume: () => socket.resume(), done });
        });
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.once('error', rej);
      }),
      10_000,
      () => `slow ${path}`,
    );
  }

  for (const workers of ['1', '2']) {
    it(`--workers ${workers}: a slow download in flight completes, idle connections close at once, new ones are refused, exit 0`, async (t) => {
      const { dir, body } = bigRoot(t);
      const s = await serve(t, ['root', '--workers', workers], dir);
      const idle = await keptAlive(s.port, '/small.txt');
      const idleClosed = new Promise<void>((res) => idle.socket.on('close', () => res()));
      const download = await slowDownload(s.port, '/big.bin');
      // The client reads nothing for a while: the server is blocked on a full socket.
      await sleep(300);

      s.child.kill('SIGTERM');
      await s.waitFor('stderr', /^static-origin: SIGTERM: no longer accepting connections; finishing the responses in flight \(at most 10 s\)$/m);
      await bounded(idleClosed, 3_000, () => 'the idle keep-alive connection closes');
      let isRefused = false;
      for (let i = 0; i < 40 && !isRefused; i++) {
        isRefused = await refusedOn('127.0.0.1', s.port);
        if (!isRefused) await sleep(50);
      }
      assert.ok(isRefused, 'new connections are refused');
      assert.equal(s.child.exitCode, null, 'still running: a response is in flight');

      download.resume();
      const received = await bounded(download.done, 20_000, () => 'the download');
      const end = received.indexOf('\r\n\r\n');
      const head = received.subarray(0, end).toString('latin1');
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, new RegExp(`\\r\\nContent-Length: ${BIG}\\r\\n`));
      const got = received.subarray(end + 4);
      assert.equal(got.length, BIG);
      assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(body).digest('hex'));

      assert.deepEqual(await s.exit(), { code: 0, signal: null });
      assert.match(s.stderr(), /\nstatic-origin: stopped\n$/);
      assert.match(s.stdout(), new RegExp(`"GET /big\\.bin HTTP/1\\.1" 200 ${BIG}\\n`));
    });
  }

  it('a client that never reads is cut off after 10 s, logged with "-" for the bytes; exit 0', async (t) => {
    const { dir } = bigRoot(t);
    const s = await serve(t, ['root', '--workers', '2'], dir);
    const download = await slowDownload(s.port, '/big.bin');
    await sleep(200);
    const started = Date.now();
    s.child.kill('SIGTERM');
    assert.deepEqual(await s.exit(25_000), { code: 0, signal: null });
    const took = Date.now() - started;
    assert.ok(took >= 9_500 && took < 15_000, `the drain waited its 10 s: ${took} ms`);
    assert.match(s.stderr(), /\nstatic-origin: stopped \(connections still open after 10 s were closed\)\n$/);
    assert.match(s.stdout(), /"GET \/big\.bin HTTP\/1\.1" 200 -\n/);
    download.socket.destroy();
  });

  it('a second SIGTERM does not wait', async (t) => {
    const { dir } = bigRoot(t);
    const s = await serve(t, ['root', '--workers', '1'], dir);
    const download = await slowDownload(s.port, '/big.bin');
    await sleep(200);
    const started = Date.now();
    s.child.kill('SIGTERM');
    await s.waitFor('stderr', /SIGTERM: no longer accepting/);
    s.child.kill('SIGTERM');
    assert.deepEqual(await s.exit(5_000), { code: 0, signal: null });
    assert.ok(Date.now() - started < 5_000);
    download.socket.destroy();
  });
});

describe('static-origin serve: bad input, one clear message', () => {
  it('bad flags, roots and sources: exit 2 with usage, before anything listens', async (t) => {
    const dir = tempDir(t, 'serve-bad');
    writeTree(dir, { 'root/a.css': 'a{}', 'file.txt': 'x', 'src/b.css': 'b{}' });
    const cases: Array<[string[], RegExp]> = [
      [['serve'], /^static-origin: no root given: static-origin serve <root>$/],
      [['serve', 'root', 'other'], /^static-origin: one root only; got "root", "other"$/],
      [['serve', 'nope'], new RegExp(`^static-origin: the root directory ${join(dir, 'nope')} does not exist$`)],
      [['serve', 'file.txt'], new RegExp(`^static-origin: the root directory ${join(dir, 'file.txt')} is not a directory$`)],
      [['serve', 'root', '--bogus'], /^static-origin: Unknown option '--bogus'/],
      [['serve', 'root', '--port', 'http'], /^static-origin: --port must be a whole number from 0 to 65535; got "http"$/],
      [['serve', 'root', '--port', '65536'], /^static-origin: --port must be a whole number from 0 to 65535; got "65536"$/],
      [['serve', 'root', '--port=8e3'], /^static-origin: --port must be a whole number/],
      [['serve', 'root', '--workers', '0'], /^static-origin: --workers must be a whole number from 1 to 256; got "0"$/],
      [['serve', 'root', '-w', 'two'], /^static-origin: --workers must be a whole number from 1 to 256; got "two"$/],
      [['serve', 'root', '--prefix', 'https://cdn.example.com/'], /^static-origin: --prefix must be a plain URL path such as \/static\/; got "https:\/\/cdn\.example\.com\/"$/],
      [['serve', 'root', '--prefix', '/a/../b/'], /^static-origin: --prefix must be a plain URL path/],
      [['serve', 'root', '--host', ''], /^static-origin: --host must be an address or a host name/],
      [['serve', 'root', '--source', 'src'], /^static-origin: --source serves a source directory in development mode: add --dev/],
      [['serve', '--dev', '--source', 'missing'], new RegExp(`^static-origin: the source directory ${join(dir, 'missing')} does not exist$`)],
      [['serve', 'root', '--dev', '--source', 'src'], /^static-origin: --source serves the source directories in place of a root: give a root or --source, not both$/],
      [['serve', '--dev', '--source', 'src:../up'], /^static-origin: option "sources\[0\]\.prefix" must be a relative path without "\." or "\.\." segments/],
      [['serve', '--dev'], /^static-origin: no root given: static-origin serve <root> \(or --dev --source DIR\)$/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, dir)));
    results.forEach((r, i) => {
      assertOneError(r, 2, cases[i][1]);
      assert.match(r.stderr, /\nRun "static-origin serve --help" for usage\.\n$/);
    });
  });

  it('an unknown command: exit 2, pointing at the overview', async (t) => {
    const r = await cli(['server', 'root'], tempDir(t, 'serve-bad'));
    assertOneError(r, 2, /^static-origin: unknown command "server"; the commands are collect, serve and inspect$/);
    assert.match(r.stderr, /\nRun "static-origin --help" for usage\.\n$/);
  });

  for (const workers of ['1', '2']) {
    it(`--workers ${workers}: a port in use, or a malformed manifest: exit 1, said once`, async (t) => {
      const dir = tempDir(t, 'serve-bad');
      writeTree(dir, { 'root/a.css': 'a{}', 'broken/a.css': 'a{}', 'broken/staticfiles.json': '{"version": 2}' });
      const taken = createNetServer();
      await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
      t.after(() => taken.close());
      const port = (taken.address() as { port: number }).port;
      const [inUse, broken] = await Promise.all([cli(['serve', 'root', '--port', String(port), '--workers', workers], dir), cli(['serve', 'broken', '--port', '0', '--workers', workers], dir)]);
      assertOneError(inUse, 1, new RegExp(`^static-origin: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE$`));
      assertOneError(broken, 1, new RegExp(`^static-origin: the manifest ${join(dir, 'broken/staticfiles.json')} is malformed: "version" must be 1, got 2$`));
    });
  }
});
