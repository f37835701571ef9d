// Live reload over real sockets and real files: the event stream, the names it reports,
// what it leaves out, the client script, and the watchers' lifetime.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import ts from 'typescript';
import { createLiveReload, liveReloadState, LIVE_RELOAD_PATH, type LiveReload, type LiveReloadOptions } from '../src/serve/live-reload.js';
import { tempDir } from './helpers/fixtures.js';
import { get, listen } from './helpers/http.js';

const STREAM = `/static/${LIVE_RELOAD_PATH}`;
const SCRIPT = `${STREAM}.js`;
/** Every wait is bounded by this; nothing asserts how fast anything happens. */
const WAIT_MS = 10_000;

interface Block {
  comments: string[];
  event?: string;
  data?: string;
  retry?: string;
}

interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The next event-stream block (comments included). */
  next(): Promise<Block>;
  /** The path of the next `change` event, skipping comments. */
  nextChange(): Promise<string>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

/** An event-stream client on a raw `http.request`, parsing blocks as they arrive. */
function openStream(port: number, path = STREAM, method = 'GET'): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res: IncomingMessage) => {
      const blocks: Block[] = [];
      const waiting: { resolve(b: Block): void; reject(e: Error): void }[] = [];
      let buffer = '';
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block: Block = { comments: [] };
          for (const line of buffer.slice(0, end).split('\n')) {
            if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              (block as unknown as Record<string, string>)[line.slice(0, colon)] = line.slice(colon + 1).trim();
            }
          }
          buffer = buffer.slice(end + 2);
          const waiter = waiting.shift();
          if (waiter) waiter.resolve(block);
          else blocks.push(block);
        }
      });
      const ended = new Promise<void>((done_) =>
        res.on('close', () => {
          done = true;
          for (const w of waiting.splice(0)) w.reject(new Error('the event stream ended'));
          done_();
        }),
      );
      const next = () => {
        const block = blocks.shift();
        if (block) return Promise.resolve(block);
        if (done) return Promise.reject(new Error('the event stream ended'));
        return new Promise<Block>((res_, rej_) => {
          const timer = setTimeout(() => rej_(new Error(`no event within ${WAIT_MS} ms`)), WAIT_MS);
          waiting.push({
            resolve: (b) => {
              clearTimeout(timer);
              res_(b);
            },
            reject: (e) => {
              clearTimeout(timer);
              rej_(e);
            },
          });
        });
      };
      const nextChange = async () => {
        for (;;) {
          const block = await next();
          if (block.event === 'change') return (JSON.parse(block.data!) as { path: string }).path;
        }
      };
      resolve({ status: res.statusCode!, headers: res.headers, next, nextChange, ended, close: () => req.destroy() });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.end();
  });
}

/** Opens a stream and reads its first block, so the watchers are known to be running. */
async function connect(port: number, path = STREAM): Promise<Stream> {
  const stream = await openStream(port, path);
  assert.equal(stream.status, 200);
  assert.deepEqual((await stream.next()).comments, ['connected']);
  return stream;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function write(dir: string, rel: string, content: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
}

interface Setup {
  lr: LiveReload;
  port: number;
  main: string;
  vendor: string;
}

/**
 * Two sources, as development mode serves them: `main` at the root and `vendor` under
 * 'vendor/'. Both exist before the first client connects, with a sub-directory each.
 */
async function setup(t: TestContext, options: Partial<LiveReloadOptions> = {}): Promise<Setup> {
  const tmp = tempDir('live-reload');
  const main = join(tmp.dir, 'main');
  const vendor = join(tmp.dir, 'vendor');
  write(main, 'style.css', 'h1 { color: red }');
  write(main, 'sub/deep/a.js', 'a');
  write(vendor, 'lib/x.js', 'x');
  const lr = createLiveReload({
    sources: [
      { dir: main, prefix: '' },
      { dir: vendor, prefix: 'vendor' },
    ],
    mount: '/static',
    ...options,
  });
  const srv = await listen((req, res) => {
    if (lr.handle(req, res)) return;
    res.writeHead(404, { 'Content-Length': '3' });
    res.end('app');
  });
  t.after(async () => {
    lr.close();
    await srv.close();
    tmp.cleanup();
  });
  return { lr, port: srv.port, main, vendor };
}

describe('live reload: the event stream', () => {
  it('answers with event-stream headers, then a `connected` comment and a retry interval', async (t) => {
    const { port } = await setup(t);
    const stream = await openStream(port);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    assert.equal(stream.headers['cache-control'], 'no-store');
    assert.equal(stream.headers['x-accel-buffering'], 'no');
    assert.equal(stream.headers.connection, 'keep-alive');
    assert.equal(stream.headers['content-length'], undefined);
    assert.deepEqual(await stream.next(), { comments: ['connected'], retry: '500' });
    stream.close();
  });

  it('reports a changed file by its name under the served root, in every source and sub-directory', async (t) => {
    const { port, main, vendor } = await setup(t);
    const stream = await connect(port);
    write(main, 'style.css', 'h1 { color: blue }');
    assert.equal(await stream.nextChange(), 'style.css');
    write(main, 'sub/deep/a.js', 'changed');
    assert.equal(await stream.nextChange(), 'sub/deep/a.js');
    write(main, 'sub/new.js', 'created');
    assert.equal(await stream.nextChange(), 'sub/new.js');
    write(vendor, 'lib/x.js', 'changed');
    assert.equal(await stream.nextChange(), 'vendor/lib/x.js');
    write(vendor, 'top.css', 'created');
    assert.equal(await stream.nextChange(), 'vendor/top.css');
    stream.close();
  });

  it('sends each event as `event: change` with a JSON body', async (t) => {
    const { port, main } = await setup(t);
    const stream = await connect(port);
    write(main, 'sub/a "quoted" näme.js', 'x');
    let block: Block;
    do block = await stream.next();
    while (block.event === undefined);
    assert.deepEqual(block, { comments: [], event: 'change', data: JSON.stringify({ path: 'sub/a "quoted" näme.js' }) });
    stream.close();
  });

  it('several writes to one file within the debounce window make one event', async (t) => {
    const { port, main } = await setup(t, { debounceMs: 200 });
    const stream = await connect(port);
    for (let i = 0; i < 5; i++) write(main, 'style.css', `h1 { color: #00${i} }`);
    assert.equal(await stream.nextChange(), 'style.css');
    // Written after the first event arrived: any duplicate of style.css would come before it.
    write(main, 'sentinel.js', 'x');
    assert.equal(await stream.nextChange(), 'sentinel.js');
    stream.close();
  });

  it('changes to several files in one window are one event each, in order', async (t) => {
    const { port, main, vendor } = await setup(t, { debounceMs: 200 });
    const stream = await connect(port);
    write(main, 'style.css', '1');
    write(vendor, 'lib/x.js', '2');
    write(main, 'sub/deep/a.js', '3');
    assert.deepEqual([await stream.nextChange(), await stream.nextChange(), await stream.nextChange()], ['style.css', 'vendor/lib/x.js', 'sub/deep/a.js']);
    stream.close();
  });

  it('dotfiles, dot-directories, editor backups and ignored names make no event', async (t) => {
    const seen: string[] = [];
    const { port, main, vendor } = await setup(t, {
      ignore: (name) => {
        seen.push(name);
        return name.endsWith('.map');
      },
    });
    mkdirSync(join(main, '.git'));
    const stream = await connect(port);
    write(main, '.hidden', 'x');
    write(main, '.git/HEAD', 'x');
    write(main, 'sub/.cache/y.js', 'x');
    write(main, 'style.css~', 'x');
    write(main, 'style.css___jb_tmp___', 'x');
    write(main, '#style.css#', 'x');
    write(main, '4913', 'x');
    write(main, 'style.css.map', 'x');
    write(vendor, '.env', 'x');
    write(main, 'sentinel.js', 'x');
    assert.equal(await stream.nextChange(), 'sentinel.js', 'the first event is the one file that counts');
    assert.ok(seen.includes('style.css.map'), 'ignore() was asked, with the served name');
    assert.ok(!seen.some((n) => n.split('/').some((seg) => seg.startsWith('.'))), `ignore() is not asked about dotfiles: ${seen.join(' ')}`);
    stream.close();
  });

  it('an atomic save (a temp file renamed over the target) is reported, and so is a later write (Node 20 recursive fs.watch loses replaced files)', async (t) => {
    const { port, main } = await setup(t);
    const stream = await connect(port);
    for (let i = 0; i < 2; i++) {
      write(main, 'sub/.style.css.tmp', `h1 { color: #00${i} }`);
      renameSync(join(main, 'sub/.style.css.tmp'), join(main, 'sub/style.css'));
      assert.equal(await stream.nextChange(), 'sub/style.css', `atomic save ${i + 1}`);
    }
    write(main, 'sub/style.css', 'h1 { color: green }');
    assert.equal(await stream.nextChange(), 'sub/style.css', 'the in-place write after the renames');
    stream.close();
  });

  it('a directory created later is watched, and so is one deleted and created again', async (t) => {
    const { lr, port, main } = await setup(t);
    const stream = await connect(port);
    const dirs = liveReloadState(lr)!.watchedDirs;
    write(main, 'later/b.js', 'x');
    assert.equal(await stream.nextChange(), 'later/b.js');
    await until(() => liveReloadState(lr)!.watchedDirs === dirs + 1, 'the new directory to be watched');
    write(main, 'later/b.js', 'again');
    assert.equal(await stream.nextChange(), 'later/b.js', 'a write into the new directory, once watched');

    rmSync(join(main, 'sub'), { recursive: true });
    await until(() => liveReloadState(lr)!.watchedDirs === dirs - 1, 'sub/ and sub/deep/ to be released');
    mkdirSync(join(main, 'sub'));
    await until(() => liveReloadState(lr)!.watchedDirs === dirs, 'sub/ to be watched again');
    write(main, 'sub/c.js', 'x');
    let path;
    do path = await stream.nextChange();
    while (path !== 'sub/c.js' && path.startsWith('sub'));
    assert.equal(path, 'sub/c.js');
    stream.close();
  });

  it('a directory deleted and created again at once (a build cleaning its output) is watched again', async (t) => {
    const { lr, port, main } = await setup(t);
    const stream = await connect(port);
    rmSync(join(main, 'sub'), { recursive: true });
    write(main, 'sub/c.js', 'x');
    let path;
    do path = await stream.nextChange();
    while (path !== 'sub/c.js' && path.startsWith('sub'));
    assert.equal(path, 'sub/c.js', 'a file already in the new directory is reported');
    await until(() => liveReloadState(lr)!.watchedDirs === 4, 'the old sub/ and sub/deep/ to be replaced by the new sub/');
    write(main, 'sub/c.js', 'again');
    do path = await stream.nextChange();
    while (path !== 'sub/c.js' && path.startsWith('sub'));
    assert.equal(path, 'sub/c.js', 'a later write into the new directory');
    stream.close();
  });

  it('a watched root deleted and created again is watched again', async (t) => {
    const { lr, port, vendor } = await setup(t);
    const stream = await connect(port);
    rmSync(vendor, { recursive: true });
    write(vendor, 'fresh.js', 'x');
    let path;
    do path = await stream.nextChange();
    while (path !== 'vendor/fresh.js');
    await until(() => liveReloadState(lr)!.watchedDirs === 4, 'the new vendor/ to be watched (main has 3)');
    write(vendor, 'fresh.js', 'again');
    do path = await stream.nextChange();
    while (path !== 'vendor/fresh.js' && path.startsWith('vendor/'));
    assert.equal(path, 'vendor/fresh.js');
    stream.close();
  });

  it('deleting a watched source does not crash the process; the other source still reports', async (t) => {
    const { lr, port, main, vendor } = await setup(t);
    const stream = await connect(port);
    assert.equal(liveReloadState(lr)!.watchedDirs, 5, 'main, main/sub, main/sub/deep, vendor, vendor/lib');
    rmSync(vendor, { recursive: true });
    await until(() => liveReloadState(lr)!.watchedDirs === 3, 'the vendor watchers to stop');
    write(main, 'sentinel.js', 'x');
    let path;
    do path = await stream.nextChange();
    while (path.startsWith('vendor/'));
    assert.equal(path, 'sentinel.js');
    rmSync(main, { recursive: true });
    await until(() => liveReloadState(lr)!.watchedDirs === 0, 'every watcher to stop');
    assert.equal(liveReloadState(lr)!.clients, 1, 'the page stays connected');
    stream.close();
  });

  it('a source that does not exist is skipped, not an error', async (t) => {
    const tmp = tempDir('live-reload-missing');
    const lr = createLiveReload({
      sources: [
        { dir: join(tmp.dir, 'missing'), prefix: '' },
        { dir: tmp.dir, prefix: 'here' },
      ],
      mount: '',
    });
    const srv = await listen((req, res) => {
      if (!lr.handle(req, res)) res.end();
    });
    t.after(async () => {
      lr.close();
      await srv.close();
      tmp.cleanup();
    });
    const stream = await connect(srv.port, `/${LIVE_RELOAD_PATH}`);
    assert.equal(liveReloadState(lr)!.watchedDirs, 1);
    write(tmp.dir, 'x.js', 'x');
    assert.equal(await stream.nextChange(), 'here/x.js');
    stream.close();
  });

  it('answers HEAD with the headers only', async (t) => {
    const { lr, port } = await setup(t);
    const stream = await openStream(port, STREAM, 'HEAD');
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    await stream.ended;
    assert.equal(liveReloadState(lr)!.clients, 0);
    assert.equal(liveReloadState(lr)!.watchedDirs, 0, 'HEAD starts no watcher');
  });

  it('accepts a query string', async (t) => {
    const { port, main } = await setup(t);
    const stream = await openStream(port, `${STREAM}?t=123`);
    assert.equal(stream.status, 200);
    assert.deepEqual((await stream.next()).comments, ['connected']);
    write(main, 'style.css', 'x');
    assert.equal(await stream.nextChange(), 'style.css');
    stream.close();
  });

  it('refuses a client beyond the limit with 503 and Retry-After', async (t) => {
    const { lr, port } = await setup(t);
    const streams = await Promise.all(Array.from({ length: 100 }, () => openStream(port)));
    t.after(() => {
      for (const s of streams) s.close();
    });
    assert.ok(streams.every((s) => s.status === 200));
    await until(() => liveReloadState(lr)!.clients === 100, '100 clients');
    const refused = await get(port, STREAM);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.equal(refused.body.length, 0);
    streams.pop()!.close();
    await until(() => liveReloadState(lr)!.clients === 99, 'a client to leave');
    const again = await openStream(port);
    assert.equal(again.status, 200, 'a freed place is taken again');
    again.close();
  });
});

describe('live reload: lifetime', () => {
  it('watches nothing until the first client and stops when the last one leaves', async (t) => {
    const { lr, port, main } = await setup(t);
    assert.deepEqual(liveReloadState(lr), { clients: 0, watchedDirs: 0, heartbeat: false });
    const a = await connect(port);
    const b = await connect(port);
    assert.deepEqual(liveReloadState(lr), { clients: 2, watchedDirs: 5, heartbeat: true });
    a.close();
    await until(() => liveReloadState(lr)!.clients === 1, 'the first client to leave');
    assert.equal(liveReloadState(lr)!.watchedDirs, 5);
    write(main, 'style.css', 'x');
    assert.equal(await b.nextChange(), 'style.css', 'the remaining client still hears changes');
    b.close();
    await until(() => liveReloadState(lr)!.clients === 0, 'the last client to leave');
    assert.deepEqual(liveReloadState(lr), { clients: 0, watchedDirs: 0, heartbeat: false });
    write(main, 'style.css', 'unwatched');
    const c = await connect(port);
    assert.equal(liveReloadState(lr)!.watchedDirs, 5, 'watching again for a new client');
    write(main, 'sub/deep/a.js', 'x');
    assert.equal(await c.nextChange(), 'sub/deep/a.js');
    c.close();
  });

  it('close() ends open streams, stops watching, is idempotent, and later clients get 204', async (t) => {
    const { lr, port, main } = await setup(t);
    const a = await connect(port);
    const b = await connect(port);
    lr.close();
    await Promise.all([a.ended, b.ended]);
    assert.deepEqual(liveReloadState(lr), { clients: 0, watchedDirs: 0, heartbeat: false });
    lr.close();
    write(main, 'style.css', 'after close');
    const late = await get(port, STREAM);
    assert.equal(late.status, 204, 'tells EventSource to stop reconnecting');
    assert.equal(late.body.length, 0);
    assert.equal(liveReloadState(lr)!.watchedDirs, 0);
  });
});

describe('live reload: the client script and the URLs', () => {
  it('serves the client script as JavaScript that opens the event stream', async (t) => {
    const { port } = await setup(t);
    for (const path of [SCRIPT, `${SCRIPT}?v=1`]) {
      const r = await get(port, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.equal(r.headers['content-length'], String(r.body.length));
      const body = r.body.toString();
      assert.ok(body.includes('var mount = "/static";'), 'the mount is in the script');
      assert.ok(body.includes(`new EventSource(mount + '/${LIVE_RELOAD_PATH}')`), 'it opens the event stream under the mount');
      assert.deepEqual(es2015Syntax(body), [], 'ES5 only');
    }
    const head = await get(port, SCRIPT, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-type'], 'text/javascript; charset=utf-8');
  });

  it('tag() is the script element for the mount', async (t) => {
    const { lr } = await setup(t);
    assert.equal(lr.tag(), `<script src="/static/${LIVE_RELOAD_PATH}.js" defer></script>`);
    const root = createLiveReload({ sources: [], mount: '' });
    assert.equal(root.tag(), `<script src="/${LIVE_RELOAD_PATH}.js" defer></script>`);
    root.close();
  });

  it('at the site root (mount ""), the URLs have no prefix', async (t) => {
    const lr = createLiveReload({ sources: [], mount: '' });
    const srv = await listen((req, res) => {
      if (!lr.handle(req, res)) {
        res.statusCode = 404;
        res.end();
      }
    });
    t.after(async () => {
      lr.close();
      await srv.close();
    });
    assert.equal((await get(srv.port, `/${LIVE_RELOAD_PATH}.js`)).status, 200);
    assert.ok((await get(srv.port, `/${LIVE_RELOAD_PATH}.js`)).body.toString().includes('var mount = "";'));
    const stream = await connect(srv.port, `/${LIVE_RELOAD_PATH}`);
    stream.close();
    assert.equal((await get(srv.port, `/static/${LIVE_RELOAD_PATH}.js`)).status, 404);
  });

  it('answers other methods with 405 and Allow', async (t) => {
    const { lr, port } = await setup(t);
    for (const path of [STREAM, SCRIPT]) {
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const r = await get(port, path, {}, method);
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.equal(r.headers.allow, 'GET, HEAD');
        assert.equal(r.body.length, 0);
      }
    }
    assert.equal(liveReloadState(lr)!.watchedDirs, 0);
  });

  it('leaves every other URL to the app', async (t) => {
    const { port } = await setup(t);
    for (const path of [
      `/${LIVE_RELOAD_PATH}`,
      `/${LIVE_RELOAD_PATH}.js`,
      `${STREAM}/`,
      `${STREAM}x`,
      `${SCRIPT}x`,
      `${STREAM}.JS`,
      '/static/.static-origin/',
      `/static/static-origin/live-reload`,
      `/static${STREAM}`,
      '/static/style.css',
    ]) {
      const r = await get(port, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.toString(), 'app', path);
    }
  });
});

describe('live reload: options', () => {
  const sources = [{ dir: '/tmp', prefix: '' }];
  const bad: [string, Partial<LiveReloadOptions>][] = [
    ['mount', { mount: '/static/' }],
    ['mount', { mount: 'static' }],
    ['debounceMs', { debounceMs: -1 }],
    ['debounceMs', { debounceMs: Number.NaN }],
    ['sources[0].prefix', { sources: [{ dir: '/tmp', prefix: '/vendor' }] }],
    ['sources[0].dir', { sources: [{ dir: '', prefix: '' }] }],
    ['ignore', { ignore: 'x.map' as unknown as (name: string) => boolean }],
  ];
  for (const [option, override] of bad) {
    it(`rejects a bad "${option}" (${JSON.stringify(override)}) with a TypeError naming it`, () => {
      assert.throws(
        () => createLiveReload({ sources, mount: '/static', ...override }),
        (err: TypeError & { code?: string }) => {
          assert.ok(err instanceof TypeError);
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION');
          assert.ok(err.message.includes(`"${option}"`), err.message);
          return true;
        },
      );
    });
  }
});

/** Syntax newer than ES5 in `code`, as "kind@offset" (TypeScript's parser, which the project already has). */
function es2015Syntax(code: string): string[] {
  const file = ts.createSourceFile('client.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found: string[] = [];
  const NEWER = new Set([
    ts.SyntaxKind.ArrowFunction,
    ts.SyntaxKind.ClassDeclaration,
    ts.SyntaxKind.ClassExpression,
    ts.SyntaxKind.TemplateExpression,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TaggedTemplateExpression,
    ts.SyntaxKind.SpreadElement,
    ts.SyntaxKind.SpreadAssignment,
    ts.SyntaxKind.ShorthandPropertyAssignment,
    ts.SyntaxKind.ComputedPropertyName,
    ts.SyntaxKind.ForOfStatement,
    ts.SyntaxKind.ObjectBindingPattern,
    ts.SyntaxKind.ArrayBindingPattern,
    ts.SyntaxKind.AwaitExpression,
    ts.SyntaxKind.YieldExpression,
    ts.SyntaxKind.MethodDeclaration,
    ts.SyntaxKind.QuestionDotToken,
    ts.SyntaxKind.QuestionQuestionToken,
    ts.SyntaxKind.AsteriskAsteriskToken,
    ts.SyntaxKind.ImportDeclaration,
    ts.SyntaxKind.ExportDeclaration,
  ]);
  const visit = (node: ts.Node): void => {
    if (NEWER.has(node.kind)) found.push(`${ts.SyntaxKind[node.kind]}@${node.pos}`);
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) !== 0) found.push(`let/const@${node.pos}`);
    if (ts.isParameter(node) && (node.initializer !== undefined || node.dotDotDotToken !== undefined)) found.push(`parameter@${node.pos}`);
    if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) found.push(`async@${node.pos}`);
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (((file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? []).length > 0) found.push('parse error');
  return found;
}
