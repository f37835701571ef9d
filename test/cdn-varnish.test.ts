// Behind a real CDN-style cache (Varnish): variants are cached per Accept-Encoding,
// immutable files are answered from the cache, and revalidation uses our 304s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { staticOrigin } from '../src/index.js';
import { hashedAndPrecompressed, type HashedRoot } from './helpers/fixtures.js';
import { get, listen, type Listening } from './helpers/http.js';
import { startVarnish, type Varnish } from './helpers/varnish.js';

interface Seen {
  url: string;
  ae: string | undefined;
  inm: string | undefined;
  status: number;
}

describe('behind Varnish', () => {
  let fx: HashedRoot;
  let origin: Listening;
  let cdn: Varnish;
  const seen: Seen[] = [];
  let refresh: () => void = () => {};

  before(async () => {
    fx = hashedAndPrecompressed();
    const assets = staticOrigin({ root: fx.root, maxAge: 1, missMaxAge: 1 });
    refresh = () => assets.refresh();
    origin = await listen((req, res) => {
      res.on('finish', () => seen.push({ url: req.url as string, ae: req.headers['accept-encoding'], inm: req.headers['if-none-match'] as string | undefined, status: res.statusCode }));
      assets(req, res, () => {
        res.statusCode = 404;
        res.end();
      });
    });
    // Keep expired objects so Varnish revalidates them with If-None-Match.
    cdn = await startVarnish(origin.port, 'sub vcl_backend_response { set beresp.grace = 0s; set beresp.keep = 60s; }');
  });
  after(async () => {
    await cdn?.stop();
    await origin?.close();
    fx?.cleanup();
  });

  const hits = (url: string) => seen.filter((s) => s.url === url);

  it('caches one copy per Accept-Encoding and serves each client the coding it accepts', async () => {
    const url = `/static/${fx.cssName}`;
    const br = await get(cdn.port, url, { 'accept-encoding': 'br' });
    const gz = await get(cdn.port, url, { 'accept-encoding': 'gzip' });
    const id = await get(cdn.port, url);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), fx.css);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), fx.css);
    assert.equal(id.headers['content-encoding'], undefined);
    assert.equal(id.body.toString(), fx.css);
    const again = await get(cdn.port, url, { 'accept-encoding': 'br' });
    assert.equal(again.headers['content-encoding'], 'br');
    assert.equal(hits(url).length, 3, 'three variants fetched once each, the repeat is a cache hit');
    assert.ok(Number(again.headers.age ?? 0) >= 0 && String(again.headers['x-varnish']).includes(' '), 'served from cache');
  });

  it('answers an immutable file from the cache on repeat', async () => {
    const url = `/static/${fx.cssName}`;
    const before = hits(url).length;
    for (let i = 0; i < 5; i++) assert.equal((await get(cdn.port, url, { 'accept-encoding': 'gzip' })).status, 200);
    assert.equal(hits(url).length, before);
  });

  it('revalidates an expired file with If-None-Match and gets our 304', async () => {
    const url = '/static/css/app.css';
    const first = await get(cdn.port, url, { 'accept-encoding': 'br' });
    assert.equal(first.headers['cache-control'], 'public, max-age=1');
    await new Promise((r) => setTimeout(r, 2200));
    const second = await get(cdn.port, url, { 'accept-encoding': 'br' });
    assert.equal(second.status, 200);
    assert.equal(brotliDecompressSync(second.body).toString(), fx.css);
    const revalidation = hits(url).find((s) => s.inm !== undefined);
    assert.ok(revalidation, `no conditional fetch in ${JSON.stringify(hits(url))}`);
    assert.equal(revalidation.inm, first.headers.etag);
    assert.equal(revalidation.status, 304);
  });

  it('serves ranges through the cache with the right bytes', async () => {
    const url = `/static/${fx.cssName}`;
    const r = await get(cdn.port, url, { range: 'bytes=100-199' });
    assert.equal(r.status, 206);
    assert.equal(r.body.toString(), fx.css.slice(100, 200));
  });

  it('does not fragment the cache for files without variants', async () => {
    const url = '/static/img/logo.png';
    await get(cdn.port, url, { 'accept-encoding': 'br' });
    await get(cdn.port, url, { 'accept-encoding': 'gzip' });
    await get(cdn.port, url);
    const r = await get(cdn.port, url, { 'accept-encoding': 'deflate' });
    assert.equal(r.headers.vary, undefined);
    assert.equal(hits(url).length, 1, 'one cached copy for every client');
  });

  it('does not pin a miss under the prefix: a file a newer deploy adds is served within missMaxAge', async () => {
    const url = '/static/css/added-later.css';
    const miss = await get(cdn.port, url);
    assert.equal(miss.status, 404);
    assert.equal(miss.headers['cache-control'], 'public, max-age=1', "the app's 404 under the prefix carries the short lifetime");
    assert.equal((await get(cdn.port, url)).status, 404);
    assert.equal(hits(url).length, 1, 'the miss is cached, briefly');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${fx.root}/css/added-later.css`, 'p{}');
    refresh();
    await new Promise((r) => setTimeout(r, 2200));
    const found = await get(cdn.port, url);
    assert.equal(found.status, 200, 'not pinned: Varnish asked again');
    assert.equal(found.body.toString(), 'p{}');
  });

  it('leaves app routes outside the prefix alone', async () => {
    const r = await get(origin.port, '/api/ping');
    assert.equal(r.headers['cache-control'], undefined);
  });
});
