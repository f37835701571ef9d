// Every row of the SPEC's serving behaviour, over real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginMiddleware, StaticOriginOptions } from '../src/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashedAndPrecompressed, put, sha256, sri, MTIME, type HashedRoot } from './helpers/fixtures.js';
import { get, listen, type Listening } from './helpers/http.js';

/** The middleware ahead of an "app" that answers 418, as a Connect stack would. */
async function serveWith(options: StaticOriginOptions): Promise<Listening & { assets: StaticOriginMiddleware }> {
  const assets = staticOrigin(options);
  const server = await listen((req, res) =>
    assets(req, res, (err?: unknown) => {
      res.statusCode = err ? (err as { status: number }).status : 418;
      res.end(err ? 'error' : 'app');
    }),
  );
  return Object.assign(server, { assets });
}

describe('serving a collected root', () => {
  let fx: HashedRoot;
  let srv: Listening & { assets: StaticOriginMiddleware };
  let tag: string;
  before(async () => {
    fx = hashedAndPrecompressed();
    srv = await serveWith({ root: fx.root });
    tag = fx.hash.slice(0, 32);
  });
  after(async () => {
    await srv.close();
    fx.cleanup();
  });
  const url = () => `/static/${fx.cssName}`;

  it('serves brotli to a client that accepts it, with every prebuilt header', async () => {
    const r = await get(srv.port, url(), { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(r.headers['content-encoding'], 'br');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.headers.etag, `"${tag}-br"`);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['last-modified'], MTIME.toUTCString());
    assert.equal(Number(r.headers['content-length']), r.body.length);
    assert.equal(brotliDecompressSync(r.body).toString(), fx.css);
  });

  it('serves gzip to a gzip-only client, identity with Vary to a client without Accept-Encoding', async () => {
    const gz = await get(srv.port, url(), { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.etag, `"${tag}-gz"`);
    assert.equal(gunzipSync(gz.body).toString(), fx.css);
    const id = await get(srv.port, url());
    assert.equal(id.headers['content-encoding'], undefined);
    assert.equal(id.headers.etag, `"${tag}"`);
    assert.equal(id.headers.vary, 'Accept-Encoding');
    assert.equal(id.body.toString(), fx.css);
  });

  it('honours q-values: br;q=0 refuses brotli, identity can win on q', async () => {
    assert.equal((await get(srv.port, url(), { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding'], 'gzip');
    assert.equal((await get(srv.port, url(), { 'accept-encoding': 'gzip;q=0.5, br;q=0.9' })).headers['content-encoding'], 'br');
    assert.equal((await get(srv.port, url(), { 'accept-encoding': 'identity;q=1, br;q=0.5' })).headers['content-encoding'], undefined);
    assert.equal((await get(srv.port, url(), { 'accept-encoding': 'BR' })).headers['content-encoding'], 'br');
  });

  it('puts Vary only on URLs that have variants', async () => {
    const png = await get(srv.port, '/static/img/logo.png', { 'accept-encoding': 'br, gzip' });
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(png.headers.vary, undefined);
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.headers['cache-control'], 'public, max-age=60');
  });

  it('gives unhashed originals a short max-age and the same content ETag', async () => {
    const r = await get(srv.port, '/static/css/app.css');
    assert.equal(r.headers['cache-control'], 'public, max-age=60');
    assert.equal(r.headers.etag, `"${tag}"`);
  });

  it("answers HEAD with GET's headers and no body", async () => {
    const g = await get(srv.port, url(), { 'accept-encoding': 'br' });
    const h = await get(srv.port, url(), { 'accept-encoding': 'br' }, 'HEAD');
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'vary', 'cache-control', 'last-modified']) {
      assert.equal(h.headers[name], g.headers[name], name);
    }
  });

  it('answers a matching If-None-Match with a 304 that keeps the cache headers and drops body headers', async () => {
    const r = await get(srv.port, url(), { 'accept-encoding': 'br', 'if-none-match': `"${tag}-br"` });
    assert.equal(r.status, 304);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.etag, `"${tag}-br"`);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.headers['last-modified'], MTIME.toUTCString());
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers['content-length'], undefined);
  });

  it('compares If-None-Match weakly, with lists and *', async () => {
    assert.equal((await get(srv.port, url(), { 'if-none-match': `W/"${tag}"` })).status, 304);
    assert.equal((await get(srv.port, url(), { 'if-none-match': `"x", "${tag}"` })).status, 304);
    assert.equal((await get(srv.port, url(), { 'if-none-match': '*' })).status, 304);
    // The brotli tag does not validate the identity representation.
    assert.equal((await get(srv.port, url(), { 'if-none-match': `"${tag}-br"` })).status, 200);
  });

  it('lets If-None-Match override If-Modified-Since', async () => {
    const future = new Date(Date.now() + 86400_000).toUTCString();
    assert.equal((await get(srv.port, url(), { 'if-modified-since': future })).status, 304);
    assert.equal((await get(srv.port, url(), { 'if-none-match': '"other"', 'if-modified-since': future })).status, 200);
    assert.equal((await get(srv.port, url(), { 'if-modified-since': new Date(MTIME.getTime() - 1000).toUTCString() })).status, 200);
  });

  it('fails If-Match and If-Unmodified-Since with 412', async () => {
    assert.equal((await get(srv.port, url(), { 'if-match': '"nope"' })).status, 412);
    assert.equal((await get(srv.port, url(), { 'if-match': `"${tag}"` })).status, 200);
    assert.equal((await get(srv.port, url(), { 'if-match': `W/"${tag}"` })).status, 412);
    assert.equal((await get(srv.port, url(), { 'if-unmodified-since': new Date(MTIME.getTime() - 1000).toUTCString() })).status, 412);
    assert.equal((await get(srv.port, url(), { 'if-unmodified-since': MTIME.toUTCString() })).status, 200);
  });

  it('answers single ranges from the identity bytes', async () => {
    const r = await get(srv.port, url(), { 'accept-encoding': 'br', range: 'bytes=10-19' });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers['content-range'], `bytes 10-19/${fx.css.length}`);
    assert.equal(r.headers['content-length'], '10');
    assert.equal(r.headers.etag, `"${tag}"`);
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.body.toString(), fx.css.slice(10, 20));
    const one = await get(srv.port, url(), { range: 'bytes=0-0' });
    assert.equal(one.status, 206);
    assert.equal(one.body.toString(), fx.css[0]);
    const last = await get(srv.port, url(), { range: 'bytes=-1' });
    assert.equal(last.body.toString(), fx.css.slice(-1));
    const open = await get(srv.port, url(), { range: 'bytes=4000-' });
    assert.equal(open.body.toString(), fx.css.slice(4000));
  });

  it('answers an unsatisfiable range with 416, bytes */size and the cache and CORS headers', async () => {
    const r = await get(srv.port, url(), { range: `bytes=${fx.css.length}-` });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], `bytes */${fx.css.length}`);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['access-control-allow-origin'], '*');
  });

  it('ignores a syntactically invalid Range', async () => {
    for (const range of ['bytes=5-3', 'bytes=abc', 'items=0-1']) {
      const r = await get(srv.port, url(), { range });
      assert.equal(r.status, 200, range);
      assert.equal(r.body.toString(), fx.css);
    }
  });

  it('answers several ranges with multipart/byteranges', async () => {
    const r = await get(srv.port, url(), { range: 'bytes=0-4,100-109' });
    assert.equal(r.status, 206);
    const type = r.headers['content-type'] as string;
    const boundary = /^multipart\/byteranges; boundary=(.+)$/.exec(type)?.[1];
    assert.ok(boundary, type);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const text = r.body.toString();
    assert.ok(text.includes(`Content-Range: bytes 0-4/${fx.css.length}\r\n\r\n${fx.css.slice(0, 5)}\r\n`));
    assert.ok(text.includes(`Content-Range: bytes 100-109/${fx.css.length}\r\n\r\n${fx.css.slice(100, 110)}\r\n`));
    assert.ok(text.endsWith(`--${boundary}--\r\n`));
    assert.ok(text.includes('Content-Type: text/css; charset=utf-8'));
  });

  it('sends the whole file when ranges overlap or are too many', async () => {
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-10,5-20' })).status, 200);
    const many = Array.from({ length: 40 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
    assert.equal((await get(srv.port, url(), { range: `bytes=${many}` })).status, 200);
  });

  it('honours If-Range: a strong ETag match gives 206, anything else the whole file', async () => {
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-1', 'if-range': `"${tag}"` })).status, 206);
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-1', 'if-range': '"stale"' })).status, 200);
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-1', 'if-range': `W/"${tag}"` })).status, 200);
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-1', 'if-range': MTIME.toUTCString() })).status, 206);
  });

  it('lets 304 win over Range', async () => {
    assert.equal((await get(srv.port, url(), { range: 'bytes=0-1', 'if-none-match': `"${tag}"` })).status, 304);
  });

  it('answers other methods on an indexed URL with 405 and OPTIONS with 204', async () => {
    const post = await get(srv.port, url(), {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
    const opt = await get(srv.port, url(), { origin: 'https://app.example' }, 'OPTIONS');
    assert.equal(opt.status, 204);
    assert.equal(opt.headers.allow, 'GET, HEAD, OPTIONS');
    assert.equal(opt.headers['access-control-allow-origin'], '*');
    assert.match(opt.headers['access-control-allow-methods'] as string, /GET/);
  });

  it('lets misses fall through whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const r = await get(srv.port, '/static/nope.css', {}, method);
      assert.equal(r.status, 418, method);
      assert.equal(r.body.toString(), 'app');
    }
    assert.equal((await get(srv.port, '/api/users')).status, 418);
  });

  it('serves index.html for dir/, redirects dir to dir/ keeping the query', async () => {
    const home = await get(srv.port, '/static/');
    assert.equal(home.status, 200);
    assert.equal(home.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(home.headers['cache-control'], 'no-cache');
    assert.equal((await get(srv.port, '/static/docs/')).status, 200);
    const r = await get(srv.port, '/static/docs?lang=en');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/static/docs/?lang=en');
    assert.equal(r.body.length, 0);
    const top = await get(srv.port, '/static');
    assert.equal(top.status, 301);
    assert.equal(top.headers.location, '/static/');
  });

  it('serves an empty file as a 200 with Content-Length 0', async () => {
    const r = await get(srv.port, '/static/empty.txt');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.body.length, 0);
  });

  it('never serves the manifest or a precompressed sibling as a URL of its own', async () => {
    assert.equal((await get(srv.port, '/static/staticfiles.json')).status, 418);
    assert.equal((await get(srv.port, `/static/${fx.cssName}.br`)).status, 418);
    assert.equal((await get(srv.port, `/static/${fx.cssName}.gz`)).status, 418);
  });
});

describe('options that shape answers', () => {
  let fx: HashedRoot;
  before(() => {
    fx = hashedAndPrecompressed();
  });
  after(() => fx.cleanup());

  it('fallthrough: false passes a 404 error to next()', async () => {
    const srv = await serveWith({ root: fx.root, fallthrough: false });
    try {
      const r = await get(srv.port, '/static/missing.js');
      assert.equal(r.status, 404);
      assert.equal(r.body.toString(), 'error');
    } finally {
      await srv.close();
    }
  });

  it('maxAge, cors: false, index: false, encodings and immutable apply', async () => {
    const srv = await serveWith({ root: fx.root, maxAge: 600, cors: false, index: false, encodings: ['gzip'], immutable: /^img\// });
    try {
      const css = await get(srv.port, '/static/css/app.css', { 'accept-encoding': 'br, gzip' });
      assert.equal(css.headers['cache-control'], 'public, max-age=600');
      assert.equal(css.headers['access-control-allow-origin'], undefined);
      assert.equal(css.headers['content-encoding'], 'gzip');
      assert.equal((await get(srv.port, '/static/img/logo.png')).headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal((await get(srv.port, '/static/')).status, 418);
      assert.equal((await get(srv.port, '/static/docs')).status, 418);
    } finally {
      await srv.close();
    }
  });

  it('runs the headers hook once per file at scan time', async () => {
    const seen: string[] = [];
    const srv = await serveWith({
      root: fx.root,
      headers: (headers, file) => {
        seen.push(file.path);
        if (file.path.endsWith('.png')) headers['x-frame-options'] = 'DENY';
        if (file.contentType.startsWith('text/html')) delete headers['access-control-allow-origin'];
      },
    });
    try {
      const count = seen.length;
      assert.ok(seen.includes('img/logo.png'));
      assert.ok(!seen.some((p) => p.endsWith('.br') || p === 'staticfiles.json'));
      assert.equal((await get(srv.port, '/static/img/logo.png')).headers['x-frame-options'], 'DENY');
      assert.equal((await get(srv.port, '/static/')).headers['access-control-allow-origin'], undefined);
      assert.equal(seen.length, count, 'not called per request');
    } finally {
      await srv.close();
    }
  });

  it('mimeTypes overrides the type, with or without a leading dot', async () => {
    put(fx.root, 'data/x.webmanifest', '{}');
    const srv = await serveWith({ root: fx.root, mimeTypes: { '.webmanifest': 'application/manifest+json', png: 'image/x-test' } });
    try {
      assert.equal((await get(srv.port, '/static/data/x.webmanifest')).headers['content-type'], 'application/manifest+json; charset=utf-8');
      assert.equal((await get(srv.port, '/static/img/logo.png')).headers['content-type'], 'image/x-test');
    } finally {
      await srv.close();
    }
  });

  it('keeps hashed files of earlier collects immutable, but not names that only look hashed', async () => {
    const old = 'body { color: red }\n';
    const oldName = `css/app.${sha256(old).slice(0, 12)}.css`;
    put(fx.root, oldName, old);
    put(fx.root, 'img/fake.deadbeefdead.png', 'png');
    const manifestFile = join(fx.root, 'staticfiles.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.files[oldName] = { size: old.length, hash: sha256(old), integrity: sri(old), encodings: {} };
    manifest.files['img/fake.deadbeefdead.png'] = { size: 3, hash: sha256('other'), integrity: sri('png'), encodings: {} };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const srv = await serveWith({ root: fx.root });
    try {
      assert.equal((await get(srv.port, `/static/${oldName}`)).headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal((await get(srv.port, '/static/img/fake.deadbeefdead.png')).headers['cache-control'], 'public, max-age=60');
    } finally {
      await srv.close();
    }
  });

  it('gives the same ETags on two replicas of the same root', async () => {
    const a = staticOrigin({ root: fx.root });
    const other = hashedAndPrecompressed();
    try {
      const b = staticOrigin({ root: other.root });
      const one = await listen((req, res) => a.handle(req, res));
      const two = await listen((req, res) => b.handle(req, res));
      try {
        for (const path of ['/static/css/app.css', '/static/index.html', '/static/img/logo.png']) {
          const [x, y] = [await get(one.port, path), await get(two.port, path)];
          assert.equal(x.headers.etag, y.headers.etag, path);
        }
      } finally {
        await one.close();
        await two.close();
      }
    } finally {
      other.cleanup();
    }
  });
});
