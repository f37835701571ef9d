// The basic example as its users run it: Express, the checked-in root, a route behind.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { get, listen } from './helpers/http.js';

describe('examples/basic', () => {
  it('renders the page with hashed URLs and serves them precompressed and immutable', async () => {
    // @ts-expect-error: the example is plain JavaScript.
    const { app } = await import('../examples/basic/server.js');
    const srv = await listen(createServer(app));
    try {
      const page = await get(srv.port, '/');
      assert.equal(page.status, 200);
      const href = /href="(\/static\/basic\/site\.[0-9a-f]{12}\.css)"/.exec(page.body.toString())?.[1];
      assert.ok(href, page.body.toString());
      const css = await get(srv.port, href, { 'accept-encoding': 'br, gzip' });
      assert.equal(css.status, 200);
      assert.equal(css.headers['content-encoding'], 'br');
      assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
      const text = brotliDecompressSync(css.body).toString();
      assert.match(text, /url\("logo\.[0-9a-f]{12}\.svg"\)/, 'the reference was rewritten to the hashed name');
      const logo = /url\("(logo\.[0-9a-f]{12}\.svg)"\)/.exec(text)?.[1];
      assert.equal((await get(srv.port, `/static/basic/${logo}`)).headers['content-type'], 'image/svg+xml');
      assert.equal((await get(srv.port, '/nope')).status, 404);
    } finally {
      await srv.close();
    }
  });
});
