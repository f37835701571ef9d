// The mounting examples as users run them: each framework, the checked-in root, a route behind.
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { get, listen } from './helpers/http.js';

const examples: Array<[string, () => Promise<Server>]> = [
  // @ts-expect-error: the examples are plain JavaScript.
  ['Express 4', async () => createServer((await import('../examples/mounting/express4.js')).app as RequestListener)],
  // @ts-expect-error: the examples are plain JavaScript.
  ['Connect', async () => createServer((await import('../examples/mounting/connect.js')).app as RequestListener)],
  // @ts-expect-error: the examples are plain JavaScript.
  ['node:http', async () => (await import('../examples/mounting/node-http.js')).server as Server],
];

describe('examples/mounting', () => {
  for (const [name, make] of examples) {
    it(`${name}: the page links the hashed stylesheet, which is served immutable; misses reach the app`, async () => {
      const srv = await listen(await make());
      try {
        const page = await get(srv.port, '/');
        const href = /href="(\/static\/basic\/site\.[0-9a-f]{12}\.css)"/.exec(page.body.toString())?.[1];
        assert.ok(href, page.body.toString());
        const css = await get(srv.port, href, { 'accept-encoding': 'gzip' });
        assert.equal(css.status, 200);
        assert.equal(css.headers['content-encoding'], 'gzip');
        assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal((await get(srv.port, '/static/basic/nope.css')).headers['cache-control'], 'public, max-age=5');
      } finally {
        await srv.close();
      }
    });
  }
});
