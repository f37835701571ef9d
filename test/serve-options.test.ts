// Options and bad input: every mistake is a clear error at construction, never a request-time crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { staticOrigin, type StaticOriginError } from '../src/index.js';
import { hashedAndPrecompressed, put, sri, tempDir, type HashedRoot } from './helpers/fixtures.js';
import { get, listen } from './helpers/http.js';

let fx: HashedRoot;
before(() => {
  fx = hashedAndPrecompressed();
});
after(() => fx.cleanup());

describe('construction errors', () => {
  it('names a missing root', () => {
    assert.throws(
      () => staticOrigin({ root: '/nonexistent/staticfiles' }),
      (err: StaticOriginError) => {
        assert.equal(err.code, 'ERR_STATIC_ORIGIN_ROOT');
        assert.match(err.message, /\/nonexistent\/staticfiles/);
        return true;
      },
    );
  });

  it('names a root that is not a directory', () => {
    assert.throws(() => staticOrigin({ root: join(fx.root, 'index.html') }), /is not a directory/);
  });

  it('names a malformed manifest', () => {
    const tmp = tempDir('bad-manifest');
    try {
      put(tmp.dir, 'staticfiles.json', '{ "version": 1, "paths": ');
      assert.throws(
        () => staticOrigin({ root: tmp.dir }),
        (err: StaticOriginError) => err.code === 'ERR_STATIC_ORIGIN_MANIFEST' && err.message.includes('staticfiles.json'),
      );
      put(tmp.dir, 'staticfiles.json', JSON.stringify({ version: 2, paths: {}, files: {} }));
      assert.throws(() => staticOrigin({ root: tmp.dir }), /"version" must be 1/);
      put(tmp.dir, 'staticfiles.json', JSON.stringify({ version: 1, paths: { '../x': 'y' }, files: {} }));
      assert.throws(() => staticOrigin({ root: tmp.dir }), /paths\["\.\.\/x"\]/);
    } finally {
      tmp.cleanup();
    }
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['root', { root: 42 }],
    ['root', { root: '' }],
    ['prefix', { prefix: 5 }],
    ['prefix', { prefix: 'https://cdn.example.com/static/' }],
    ['prefix', { prefix: '/static/../admin/' }],
    ['baseUrl', { baseUrl: 7 }],
    ['maxAge', { maxAge: -1 }],
    ['maxAge', { maxAge: '60' }],
    ['maxAge', { maxAge: 1.5 }],
    ['immutable', { immutable: 'hashed' }],
    ['index', { index: 'a/b.html' }],
    ['encodings', { encodings: ['br', 'deflate'] }],
    ['encodings', { encodings: 'br' }],
    ['encodings', { encodings: ['br', 'br'] }],
    ['cors', { cors: 'yes' }],
    ['headers', { headers: {} }],
    ['mimeTypes', { mimeTypes: [] }],
    ['mimeTypes.txt', { mimeTypes: { txt: 'not a type' } }],
    ['fallthrough', { fallthrough: 0 }],
    ['memoryCache', { memoryCache: 1 }],
    ['memoryCache.maxBytes', { memoryCache: { maxBytes: -5 } }],
    ['memoryCache.size', { memoryCache: { size: 5 } }],
    ['maxage', { maxage: 60 }],
  ];
  for (const [option, given] of bad) {
    it(`throws a TypeError naming "${option}" for ${JSON.stringify(given)}`, () => {
      assert.throws(
        () => staticOrigin({ root: fx.root, ...given } as never),
        (err: TypeError & { code: string }) => {
          assert.ok(err instanceof TypeError);
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION');
          assert.ok(err.message.includes(`"${option}"`), err.message);
          return true;
        },
      );
    });
  }

  it("never mutates the caller's options", () => {
    const options = Object.freeze({ root: fx.root, prefix: 'assets', encodings: Object.freeze(['gzip']) as never, memoryCache: Object.freeze({ maxBytes: 10 }) });
    const copy = JSON.stringify(options);
    staticOrigin(options);
    assert.equal(JSON.stringify(options), copy);
  });

  it('names a header the hook set that cannot be sent', () => {
    assert.throws(
      () =>
        staticOrigin({
          root: fx.root,
          headers: (h) => {
            h['x-bad'] = 'a\r\nb';
          },
        }),
      /invalid header "x-bad" for/,
    );
  });

  it('skips an unreadable file on its first request, naming it (checked as an unprivileged user)', () => {
    const tmp = tempDir('unreadable');
    try {
      chmodSync(tmp.dir, 0o755);
      put(tmp.dir, 'ok.css', 'a{}');
      const locked = put(tmp.dir, 'locked.css', 'b{}');
      chmodSync(locked, 0o000);
      const entry = fileURLToPath(new URL('../dist/esm/index.js', import.meta.url));
      // Startup reads directories only, so the file is noticed when first asked for: a miss and a warning, never a crash.
      const script = `
        const http = require('node:http');
        process.on('warning', (w) => console.log('warning ' + w.code + ' ' + w.message));
        import(${JSON.stringify(entry)}).then(({ staticOrigin }) => {
          const assets = staticOrigin({ root: ${JSON.stringify(tmp.dir)} });
          const server = http.createServer((req, res) => { if (!assets.handle(req, res)) { res.statusCode = 404; res.end(); } });
          server.listen(0, '127.0.0.1', async () => {
            const get = (p) => new Promise((resolve) => http.get({ host: '127.0.0.1', port: server.address().port, path: p }, (r) => { r.resume(); resolve(r.statusCode); }));
            console.log('locked ' + await get('/static/locked.css'));
            console.log('ok ' + await get('/static/ok.css'));
            setTimeout(() => server.close(), 50);
          });
        });`;
      const asRoot = process.getuid?.() === 0;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}), timeout: 20_000 });
      assert.match(child.stdout, /^locked 404$/m, child.stderr);
      assert.match(child.stdout, /^ok 200$/m, child.stderr);
      assert.match(child.stdout, /warning STATIC_ORIGIN_SKIPPED static-origin: skipped locked\.css: cannot read it \(mode 0\)/, child.stdout + child.stderr);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('url() and integrity()', () => {
  it('returns hashed names from the manifest, keeping ?query and #fragment', () => {
    const assets = staticOrigin({ root: fx.root });
    assert.equal(assets.url('css/app.css'), `/static/${fx.cssName}`);
    assert.equal(assets.url('/css/app.css'), `/static/${fx.cssName}`);
    assert.equal(assets.url('css/app.css?v=2#top'), `/static/${fx.cssName}?v=2#top`);
    assert.equal(assets.url('img/logo.png'), '/static/img/logo.png');
  });

  it('puts baseUrl in front, for a CDN host', () => {
    const assets = staticOrigin({ root: fx.root, baseUrl: 'https://cdn.example.com/static' });
    assert.equal(assets.url('css/app.css'), `https://cdn.example.com/static/${fx.cssName}`);
  });

  it('throws for an unknown name, naming the closest known ones', () => {
    const assets = staticOrigin({ root: fx.root });
    assert.throws(
      () => assets.url('css/ap.css'),
      (err: StaticOriginError) => {
        assert.equal(err.code, 'ERR_STATIC_ORIGIN_UNKNOWN_NAME');
        assert.match(err.message, /"css\/ap\.css".*did you mean "css\/app\.css"/);
        return true;
      },
    );
  });

  it('returns SRI values from the manifest, or computed for files it does not list', () => {
    const assets = staticOrigin({ root: fx.root });
    assert.equal(assets.integrity('css/app.css'), sri(fx.css));
    const tmp = tempDir('no-manifest');
    try {
      put(tmp.dir, 'a.js', 'console.log(1)');
      assert.equal(staticOrigin({ root: tmp.dir }).integrity('a.js'), sri('console.log(1)'));
    } finally {
      tmp.cleanup();
    }
  });
});

describe('refresh() and close()', () => {
  it('refresh() picks up new files; close() makes every request fall through', async () => {
    const tmp = tempDir('refresh');
    try {
      put(tmp.dir, 'a.txt', 'a');
      const assets = staticOrigin({ root: tmp.dir });
      const srv = await listen((req, res) =>
        assets(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
      try {
        assert.equal((await get(srv.port, '/static/b.txt')).status, 404);
        writeFileSync(join(tmp.dir, 'b.txt'), 'b');
        assets.refresh();
        assert.equal((await get(srv.port, '/static/b.txt')).body.toString(), 'b');
        assets.close();
        assert.equal((await get(srv.port, '/static/a.txt')).status, 404);
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});

describe('missMaxAge', () => {
  it("a miss under the prefix is short-lived for caches: our own 404, and the app's after fallthrough", async () => {
    const tmp = tempDir('miss');
    try {
      put(tmp.dir, 'a.css', 'a{}');
      assert.throws(() => staticOrigin({ root: tmp.dir, missMaxAge: -1 }), /option "missMaxAge"/);
      assert.throws(() => staticOrigin({ root: tmp.dir, missMaxAge: 1.5 }), /option "missMaxAge"/);
      const own = staticOrigin({ root: tmp.dir, fallthrough: false });
      const through = staticOrigin({ root: tmp.dir, missMaxAge: 30 });
      const srv = await listen((req, res) => {
        if (req.url!.startsWith('/own')) {
          req.url = req.url!.slice(4);
          if (!own.handle(req, res)) res.end('never');
          return;
        }
        through(req, res, () => {
          res.statusCode = 404;
          res.end('app');
        });
      });
      try {
        const a = await get(srv.port, '/own/static/gone.css');
        assert.equal(a.status, 404);
        assert.equal(a.headers['cache-control'], 'public, max-age=5', 'the default');
        const b = await get(srv.port, '/static/gone.css');
        assert.equal(b.body.toString(), 'app');
        assert.equal(b.headers['cache-control'], 'public, max-age=30');
        assert.equal((await get(srv.port, '/static/../x')).headers['cache-control'], 'public, max-age=30', 'a refused path under the prefix too');
        assert.equal((await get(srv.port, '/other/x')).headers['cache-control'], undefined, 'not under the prefix: untouched');
        assert.equal((await get(srv.port, '/static/a.css')).headers['cache-control'], 'public, max-age=60');
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
