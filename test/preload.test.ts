// Early Hints: assets.preload(names) on a page route sends `103 Early Hints` with one Link
// value per file, before the page exists, and the same values on the final response. Seen
// byte for byte over a raw socket, since HTTP clients fold 1xx responses away.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import connect from 'connect';
import express from 'express';
import { collect } from '../src/collect/index.js';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginMiddleware } from '../src/index.js';
import { linkValue, preloadKind } from '../src/serve/preload.js';
import { put, sri, tempDir } from './helpers/fixtures.js';
import { listen, type Listening } from './helpers/http.js';

interface Message {
  status: number;
  /** Header lines in order, names lower-cased; repeated fields stay separate. */
  headers: Array<[string, string]>;
  body: Buffer;
}

/** The values of every `Link` field line, split at the commas between `<…>` values. */
function links(message: Message): string[] {
  return message.headers.filter(([name]) => name === 'link').flatMap(([, value]) => value.split(/,\s*(?=<)/));
}

/** Every response on the connection, 1xx included, parsed from the bytes as they came. */
function parseResponses(all: Buffer): Message[] {
  const messages: Message[] = [];
  let at = 0;
  while (at < all.length) {
    const end = all.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`a truncated head: ${JSON.stringify(all.subarray(at).toString('latin1'))}`);
    const lines = all.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(lines[0])?.[1]);
    assert.ok(status >= 100, `a status line: ${lines[0]}`);
    const headers = lines.slice(1).map((line): [string, string] => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
    at = end + 4;
    const length = headers.find(([name]) => name === 'content-length');
    const size = status < 200 ? 0 : length === undefined ? all.length - at : Number(length[1]);
    messages.push({ status, headers, body: all.subarray(at, at + size) });
    at += size;
  }
  return messages;
}

/**
 * Writes the request exactly as given and reads until the server closes. `onHints` runs once,
 * as soon as the bytes of a `103` have arrived (the page handler waits for it).
 */
function exchange(port: number, request: string, onHints?: () => void): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let hinted = false;
    const timer = setTimeout(() => socket.destroy(new Error(`timeout: ${request.split('\r\n')[0]}`)), 10_000);
    socket.on('connect', () => socket.write(request, 'latin1'));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!hinted && onHints && Buffer.concat(chunks).includes('HTTP/1.1 103 Early Hints\r\n')) {
        hinted = true;
        onHints();
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

const request = (method: string, path: string, version = '1.1', extra = ''): string => `${method} ${path} HTTP/${version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;

/**
 * A page handler that renders only once the client has seen the 103 (or after 2 s, with a
 * 500): so a 200 proves the hints left before the page did, not merely ahead of it in a buffer.
 */
function gatedPage() {
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  return {
    sawHints: () => open(),
    handler(_req: IncomingMessage, res: ServerResponse): void {
      const timer = setTimeout(() => open(), 2_000);
      const started = Date.now();
      gate.then(() => {
        clearTimeout(timer);
        const waited = Date.now() - started;
        res.statusCode = waited >= 2_000 ? 500 : 200;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(waited >= 2_000 ? 'the page was rendered before any 103 arrived' : '<!doctype html><title>page</title>');
      });
    },
  };
}

/** `preload-page/`: a collected root holding one file of each kind a page preloads, and some it cannot. */
async function preloadPage(): Promise<{ root: string; src: string; cleanup(): void }> {
  const tmp = tempDir('preload-page');
  const src = join(tmp.dir, 'src');
  const files: Record<string, string | Buffer> = {
    'app/style.css': 'body { color: rgb(1, 2, 3); }\n',
    'app/main.js': 'export const main = 1;\n',
    'app/worker.mjs': 'export default 2;\n',
    'app/font.woff2': Buffer.from('wOF2 not really a font'),
    'app/logo.png': Buffer.from('89504e470d0a1a0a', 'hex'),
    'app/icon.SVG': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'app/data.json': '{"a":1}',
    'app/notes.txt': 'notes',
    'app/page.html': '<p>hi</p>',
  };
  for (const [rel, content] of Object.entries(files)) put(src, rel, content);
  const root = join(tmp.dir, 'staticfiles');
  await collect({ sources: [src], out: root, onEvent: () => {} });
  return { root, src, cleanup: tmp.cleanup };
}

const NAMES = ['app/style.css', 'app/main.js', 'app/font.woff2'];

/**
 * The hints NAMES give, built from url() and integrity() as a reader of the README would:
 * all three in the 103; the module's is not on the final response (it would race the page's import map).
 */
function expectedLinks(assets: StaticOriginMiddleware): { early: string[]; final: string[] } {
  const style = `<${assets.url('app/style.css')}>; rel=preload; as=style; crossorigin; integrity="${assets.integrity('app/style.css')}"`;
  const module = `<${assets.url('app/main.js')}>; rel=modulepreload; integrity="${assets.integrity('app/main.js')}"`;
  const font = `<${assets.url('app/font.woff2')}>; rel=preload; as=font; crossorigin; integrity="${assets.integrity('app/font.woff2')}"`;
  return { early: [style, module, font], final: [style, font] };
}

describe('preload(): the Link value for each kind of file', () => {
  it('maps extensions to rel, as, crossorigin and integrity', () => {
    const table: Array<[string, string]> = [
      ['a/style.css', 'rel=preload; as=style; crossorigin; integrity="sha384-x"'],
      ['a/main.js', 'rel=modulepreload; integrity="sha384-x"'],
      ['a/worker.MJS', 'rel=modulepreload; integrity="sha384-x"'],
      ['a/f.woff2', 'rel=preload; as=font; crossorigin; integrity="sha384-x"'],
      ['a/f.woff', 'rel=preload; as=font; crossorigin; integrity="sha384-x"'],
      ['a/f.ttf', 'rel=preload; as=font; crossorigin; integrity="sha384-x"'],
      ['a/f.otf', 'rel=preload; as=font; crossorigin; integrity="sha384-x"'],
      ['a/i.png', 'rel=preload; as=image'],
      ['a/i.jpg', 'rel=preload; as=image'],
      ['a/i.JPEG', 'rel=preload; as=image'],
      ['a/i.gif', 'rel=preload; as=image'],
      ['a/i.webp', 'rel=preload; as=image'],
      ['a/i.avif', 'rel=preload; as=image'],
      ['a/i.svg', 'rel=preload; as=image'],
      ['favicon.ico', 'rel=preload; as=image'],
      ['a/d.json', 'rel=preload; as=fetch; crossorigin; integrity="sha384-x"'],
      ['a/style.css?v=2#x', 'rel=preload; as=style; crossorigin; integrity="sha384-x"'],
    ];
    for (const [name, params] of table) {
      assert.equal(linkValue('/s/u', preloadKind(name), 'sha384-x'), `</s/u>; ${params}`, name);
    }
  });

  it('refuses, naming the file, what no browser can use as a preload', () => {
    for (const name of ['a/notes.txt', 'a/page.html', 'a/main.js.map', 'a/style.css.br', 'Makefile', 'a/.css', 'a/x.cjs', 'a/css/']) {
      assert.throws(
        () => preloadKind(name),
        (err: Error) => err instanceof TypeError && err.message.includes(JSON.stringify(name)),
        name,
      );
    }
  });

  it('refuses a URL a Link header cannot carry', () => {
    for (const url of ['/s/a b.css', '/s/a>b.css', '/s/a<b.css', '/s/é.css', '/s/a\r\nX: 1']) {
      assert.throws(() => linkValue(url, preloadKind('a.css'), 'sha384-x'), TypeError, url);
    }
  });
});

describe('assets.preload() on a collected root', () => {
  let page: Awaited<ReturnType<typeof preloadPage>>;
  let assets: StaticOriginMiddleware;

  before(async () => {
    page = await preloadPage();
    assets = staticOrigin({ root: page.root, prefix: '/static/' });
  });
  after(() => page.cleanup());

  it('resolves names when called: an unknown name throws the error url() throws, a file of no preloadable kind a TypeError', () => {
    const fromUrl = (() => {
      try {
        assets.url('app/stlye.css');
      } catch (err) {
        return err as Error & { code: string };
      }
    })();
    assert.ok(fromUrl);
    assert.throws(
      () => assets.preload(['app/stlye.css']),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_STATIC_ORIGIN_UNKNOWN_NAME');
        assert.equal(err.message, fromUrl.message);
        assert.match(err.message, /did you mean "app\/style\.css"/);
        return true;
      },
    );
    assert.throws(
      () => assets.preload(['app/style.css', 'app/notes.txt']),
      (err: Error) => err instanceof TypeError && err.message.includes('"app/notes.txt"'),
    );
    for (const bad of [undefined, [], 'app/style.css', [1], [null]]) {
      assert.throws(() => assets.preload(bad as unknown as string[]), TypeError, String(bad));
    }
  });

  it('sends 103 Early Hints with every Link value before the page is rendered, then the same values on the 200', async () => {
    const gated = gatedPage();
    const hints = assets.preload(NAMES);
    const srv = await listen((req, res) => {
      if (assets.handle(req, res)) return;
      hints(req, res, () => gated.handler(req, res));
    });
    try {
      const [early, final, ...rest] = await exchange(srv.port, request('GET', '/'), gated.sawHints);
      assert.equal(rest.length, 0);
      assert.equal(early.status, 103);
      assert.deepEqual(
        early.headers.map(([name]) => name),
        ['link'],
        'one Link field, nothing else',
      );
      assert.deepEqual(links(early), expectedLinks(assets).early);
      assert.match(links(early)[0], /^<\/static\/app\/style\.[0-9a-f]{12}\.css>; /, 'the hashed URL');
      assert.equal(final.status, 200, final.body.toString());
      assert.deepEqual(links(final), expectedLinks(assets).final);
      assert.equal(final.body.toString(), '<!doctype html><title>page</title>');
      // The hinted URLs are what this middleware serves.
      for (const link of links(early)) {
        const url = /^<([^>]+)>/.exec(link)![1];
        const [file] = await exchange(srv.port, request('GET', url));
        assert.equal(file.status, 200, url);
        assert.equal(sri(file.body), /integrity="([^"]+)"/.exec(link)![1], `${url}: integrity of the bytes served`);
      }
    } finally {
      await srv.close();
    }
  });

  it('keeps a Link header the app set, and adds its values after it', async () => {
    const hints = assets.preload(['app/logo.png']);
    const srv = await listen((req, res) => {
      res.setHeader('Link', '<https://fonts.example.com>; rel=preconnect');
      hints(req, res, () => res.end('page'));
    });
    try {
      const [early, final] = await exchange(srv.port, request('GET', '/'));
      assert.equal(early.status, 103);
      assert.deepEqual(links(early), [`<${assets.url('app/logo.png')}>; rel=preload; as=image`]);
      assert.equal(final.status, 200);
      assert.deepEqual(links(final), ['<https://fonts.example.com>; rel=preconnect', `<${assets.url('app/logo.png')}>; rel=preload; as=image`]);
    } finally {
      await srv.close();
    }
  });

  it("puts module hints in the 103 only: a modulepreload in the page's own Link header races its import map (whatwg/html#9274)", async () => {
    const hints = assets.preload(['app/main.js', 'app/worker.mjs']);
    const srv = await listen((req, res) => hints(req, res, () => res.end('page')));
    try {
      const [early, final] = await exchange(srv.port, request('GET', '/'));
      assert.equal(early.status, 103);
      assert.deepEqual(
        links(early),
        ['app/main.js', 'app/worker.mjs'].map((n) => `<${assets.url(n)}>; rel=modulepreload; integrity="${assets.integrity(n)}"`),
      );
      assert.equal(final.status, 200);
      assert.deepEqual(
        final.headers.filter(([name]) => name === 'link'),
        [],
        'no Link field at all',
      );
    } finally {
      await srv.close();
    }
  });

  it('sends no 103 to an HTTP/1.0 client (RFC 9110 §15.2), nor for HEAD; both still get the Link header', async () => {
    const hints = assets.preload(NAMES);
    const srv = await listen((req, res) =>
      hints(req, res, () => {
        res.setHeader('Content-Length', '4');
        res.end(req.method === 'HEAD' ? undefined : 'page');
      }),
    );
    try {
      for (const [method, version] of [
        ['GET', '1.0'],
        ['HEAD', '1.1'],
      ]) {
        const messages = await exchange(srv.port, request(method, '/', version));
        assert.deepEqual(
          messages.map((m) => m.status),
          [200],
          `${method} HTTP/${version}`,
        );
        assert.deepEqual(links(messages[0]), expectedLinks(assets).final, `${method} HTTP/${version}`);
      }
      // POST renders pages too (a form's answer): hinted.
      const post = await exchange(srv.port, request('POST', '/', '1.1', 'Content-Length: 0\r\n'));
      assert.deepEqual(
        post.map((m) => m.status),
        [103, 200],
      );
    } finally {
      await srv.close();
    }
  });

  it('never throws at request time: headers already sent, a closed middleware', async () => {
    const own = staticOrigin({ root: page.root, prefix: '/static/' });
    const hints = own.preload(NAMES);
    let nexts = 0;
    const srv = await listen((req, res) => {
      if (req.url === '/late') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        hints(req, res, () => {
          nexts++;
          res.end('late');
        });
      } else {
        hints(req, res, () => {
          nexts++;
          res.end('page');
        });
      }
    });
    try {
      const late = await exchange(srv.port, request('GET', '/late'));
      assert.deepEqual(
        late.map((m) => m.status),
        [200],
      );
      assert.deepEqual(links(late[0]), []);
      own.close();
      const closed = await exchange(srv.port, request('GET', '/'));
      assert.deepEqual(
        closed.map((m) => m.status),
        [200],
        'nothing is served, so nothing is hinted',
      );
      assert.deepEqual(links(closed[0]), []);
      assert.equal(nexts, 2);
    } finally {
      await srv.close();
    }
  });

  it('after refresh() hints the new hashed names, and leaves out (with a warning) a name the new root lost', async () => {
    const copy = await preloadPage();
    try {
      const own = staticOrigin({ root: copy.root, prefix: '/static/' });
      const hints = own.preload(['app/style.css', 'app/logo.png']);
      const srv = await listen((req, res) => hints(req, res, () => res.end('page')));
      const warnings: string[] = [];
      const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
      process.on('warning', onWarning);
      try {
        const oldCss = own.url('app/style.css');
        assert.equal(links((await exchange(srv.port, request('GET', '/')))[1]).length, 2);
        // A new deploy: the stylesheet changed, the logo is gone.
        writeFileSync(join(copy.src, 'app/style.css'), 'body { color: rgb(9, 9, 9); }\n');
        rmSync(join(copy.src, 'app/logo.png'));
        await collect({ sources: [copy.src], out: copy.root, clear: true, onEvent: () => {} });
        own.refresh();
        const newCss = own.url('app/style.css');
        assert.notEqual(newCss, oldCss);
        const [early, final] = await exchange(srv.port, request('GET', '/'));
        assert.deepEqual(links(early), [`<${newCss}>; rel=preload; as=style; crossorigin; integrity="${own.integrity('app/style.css')}"`]);
        assert.deepEqual(links(final), links(early));
        await new Promise((r) => setImmediate(r));
        assert.equal(warnings.filter((w) => w.startsWith('STATIC_ORIGIN_PRELOAD: ') && w.includes('"app/logo.png"')).length, 1, warnings.join('\n'));
      } finally {
        process.off('warning', onWarning);
        await srv.close();
      }
    } finally {
      copy.cleanup();
    }
  });

  it('with a CDN baseUrl, hints the CDN URL, with crossorigin as on the same origin (one rule for both)', async () => {
    const cdn = staticOrigin({ root: page.root, prefix: '/static/', baseUrl: 'https://cdn.example.com/static/' });
    const hints = cdn.preload(['app/style.css', 'app/logo.png']);
    const srv = await listen((req, res) => hints(req, res, () => res.end('page')));
    try {
      const [early, final] = await exchange(srv.port, request('GET', '/'));
      const path = assets.url('app/style.css').slice('/static/'.length);
      const expected = [
        `<https://cdn.example.com/static/${path}>; rel=preload; as=style; crossorigin; integrity="${assets.integrity('app/style.css')}"`,
        `<https://cdn.example.com/static/${assets.url('app/logo.png').slice('/static/'.length)}>; rel=preload; as=image`,
      ];
      assert.deepEqual(links(early), expected);
      assert.deepEqual(links(final), expected);
    } finally {
      await srv.close();
    }
  });
});

describe('assets.preload() as route middleware', () => {
  let page: Awaited<ReturnType<typeof preloadPage>>;
  let assets: StaticOriginMiddleware;

  before(async () => {
    page = await preloadPage();
    assets = staticOrigin({ root: page.root, prefix: '/static/' });
  });
  after(() => page.cleanup());

  async function check(srv: Listening, gated: ReturnType<typeof gatedPage>): Promise<void> {
    try {
      const [early, final] = await exchange(srv.port, request('GET', '/'), gated.sawHints);
      assert.equal(early.status, 103);
      assert.deepEqual(links(early), expectedLinks(assets).early);
      assert.equal(final.status, 200, final.body.toString());
      assert.deepEqual(links(final), expectedLinks(assets).final);
      // Static files are answered by the static middleware, with no hints of their own.
      const css = await exchange(srv.port, request('GET', assets.url('app/style.css')));
      assert.deepEqual(
        css.map((m) => m.status),
        [200],
      );
      assert.deepEqual(links(css[0]), []);
    } finally {
      await srv.close();
    }
  }

  it('Express 5: app.get("/", assets.preload([...]), handler)', async () => {
    const gated = gatedPage();
    const app = express();
    app.use(assets);
    app.get('/', assets.preload(NAMES), (req, res) => gated.handler(req, res));
    await check(await listen(createServer(app)), gated);
  });

  it('Connect: app.use("/", assets.preload([...])) ahead of the page', async () => {
    const gated = gatedPage();
    const app = connect();
    app.use(assets);
    app.use('/', assets.preload(NAMES));
    app.use((req: IncomingMessage, res: ServerResponse) => gated.handler(req, res));
    await check(await listen(createServer(app)), gated);
  });
});

describe('assets.preload() in development mode', () => {
  it('resolves on every request: an edited file gets its new integrity, a deleted one is left out', async () => {
    const tmp = tempDir('preload-dev');
    try {
      put(tmp.dir, 'app/style.css', 'body { color: red; }\n');
      put(tmp.dir, 'app/main.js', 'export const a = 1;\n');
      const assets = staticOrigin({ dev: true, sources: [tmp.dir] });
      const hints = assets.preload(['app/style.css', 'app/main.js']);
      const srv = await listen((req, res) => hints(req, res, () => res.end('page')));
      try {
        const first = links((await exchange(srv.port, request('GET', '/')))[0]);
        assert.deepEqual(
          first,
          [
            `</static/app/style.css>; rel=preload; as=style; crossorigin; integrity="${sri('body { color: red; }\n')}"`,
            `</static/app/main.js>; rel=modulepreload; integrity="${sri('export const a = 1;\n')}"`,
          ],
          'the 103',
        );
        // Same size, a later mtime: a stale integrity would make the browser block the file.
        put(tmp.dir, 'app/style.css', 'body { color: tan; }\n', new Date(Date.UTC(2026, 3, 1)));
        rmSync(join(tmp.dir, 'app/main.js'));
        const [early, final] = await exchange(srv.port, request('GET', '/'));
        const expected = [`</static/app/style.css>; rel=preload; as=style; crossorigin; integrity="${sri('body { color: tan; }\n')}"`];
        assert.deepEqual(links(early), expected);
        assert.deepEqual(links(final), expected);
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
