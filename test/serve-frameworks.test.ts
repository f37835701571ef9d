// The same middleware under Express 5, Express 4, Connect and plain node:http.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import connect from 'connect';
import express5 from 'express';
// @ts-expect-error: the Express 4 alias shares Express 5's types.
import express4 from 'express4';
import { staticOrigin } from '../src/index.js';
import { hashedAndPrecompressed, type HashedRoot } from './helpers/fixtures.js';
import { get, listen, type Listening } from './helpers/http.js';

let fx: HashedRoot;
before(() => {
  fx = hashedAndPrecompressed();
});
after(() => fx.cleanup());

async function checkStack(srv: Listening, base: string): Promise<void> {
  try {
    const css = await get(srv.port, `${base}/${fx.cssName}`, { 'accept-encoding': 'br' });
    assert.equal(css.status, 200);
    assert.equal(css.headers['content-encoding'], 'br');
    assert.equal(css.headers.etag, `"${fx.hash.slice(0, 32)}-br"`);
    const cond = await get(srv.port, `${base}/${fx.cssName}`, { 'accept-encoding': 'br', 'if-none-match': css.headers.etag as string });
    assert.equal(cond.status, 304);
    const redirect = await get(srv.port, `${base}/docs?x=1`);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `${base}/docs/?x=1`);
    const route = await get(srv.port, '/hello');
    assert.equal(route.status, 200);
    assert.equal(route.body.toString(), 'route');
    const miss = await get(srv.port, `${base}/missing.css`);
    assert.equal(miss.status, 404);
  } finally {
    await srv.close();
  }
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describe(name, () => {
    it('serves with a prefix, ahead of the routes', async () => {
      const app = express();
      app.use(staticOrigin({ root: fx.root, prefix: '/static/' }));
      app.get('/hello', (_req: unknown, res: { send(b: string): void }) => res.send('route'));
      await checkStack(await listen(createServer(app)), '/static');
    });

    it('serves under app.use("/static", …) with prefix "/", redirects built from originalUrl', async () => {
      const app = express();
      app.use('/static', staticOrigin({ root: fx.root, prefix: '/' }));
      app.get('/hello', (_req: unknown, res: { send(b: string): void }) => res.send('route'));
      await checkStack(await listen(createServer(app)), '/static');
    });

    it('exposes url() to templates through app.locals', () => {
      const app = express();
      const assets = staticOrigin({ root: fx.root });
      app.locals.static = assets.url;
      assert.equal(app.locals.static('css/app.css'), `/static/${fx.cssName}`);
    });
  });
}

describe('Connect', () => {
  it('serves with a prefix and under a mount', async () => {
    for (const mounted of [false, true]) {
      const app = connect();
      if (mounted) app.use('/static', staticOrigin({ root: fx.root, prefix: '/' }));
      else app.use(staticOrigin({ root: fx.root }));
      app.use('/hello', (_req, res) => res.end('route'));
      await checkStack(await listen(createServer(app)), '/static');
    }
  });
});

describe('node:http with handle()', () => {
  it('answers and returns true on a hit, returns false on a miss', async () => {
    const assets = staticOrigin({ root: fx.root });
    const results: boolean[] = [];
    const srv = await listen((req, res) => {
      const answered = assets.handle(req, res);
      results.push(answered);
      if (answered) return;
      if (req.url === '/hello') res.end('route');
      else {
        res.statusCode = 404;
        res.end('nope');
      }
    });
    await checkStack(srv, '/static');
    assert.deepEqual(results, [true, true, true, false, false]);
  });

  it('answers misses itself with 404 when fallthrough is false', async () => {
    const assets = staticOrigin({ root: fx.root, fallthrough: false });
    const srv = await listen((req, res) => {
      if (!assets.handle(req, res)) res.end('unreachable for /static/');
    });
    try {
      const r = await get(srv.port, '/static/missing.css');
      assert.equal(r.status, 404);
      assert.equal(r.body.toString(), 'Not Found');
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    } finally {
      await srv.close();
    }
  });
});
