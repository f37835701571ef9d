// The memory cache keeps to its byte budget: bytes are reserved before a read, so
// concurrent cold requests cannot all pass the check, and bodies dropped by a re-index
// give their bytes back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import { indexOf } from '../src/serve/middleware.js';
import type { StaticOriginMiddleware } from '../src/index.js';
import { css, gzip, put, tempDir } from './helpers/fixtures.js';
import { get, listen } from './helpers/http.js';

const FILE = 10_000;
const MAX = 10 * FILE;

/** What the index holds: the sum of every body kept on a variant, and what the cache counts. */
function held(assets: StaticOriginMiddleware): { bytes: number; used: number } {
  const cache = indexOf(assets)!.cache;
  let bytes = 0;
  for (const variant of cache.held) bytes += variant.body?.length ?? 0;
  return { bytes, used: cache.used };
}

describe('memory cache budget', () => {
  it('50 concurrent cold requests for distinct files keep at most maxBytes in memory (used counted after the read)', async () => {
    const tmp = tempDir('memory');
    try {
      for (let i = 0; i < 50; i++) put(tmp.dir, `f${i}.txt`, String(i % 10).repeat(FILE));
      const assets = staticOrigin({ root: tmp.dir, memoryCache: { maxBytes: MAX, maxFileBytes: FILE } });
      const srv = await listen((req, res) =>
        assets(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
      try {
        for (let round = 0; round < 3; round++) {
          const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => get(srv.port, `/static/f${i}.txt`)));
          for (const [i, r] of replies.entries()) assert.equal(r.body.toString(), String(i % 10).repeat(FILE));
          const now = held(assets);
          assert.ok(now.bytes <= MAX, `round ${round}: ${now.bytes} bytes held, budget ${MAX}`);
          assert.equal(now.used, now.bytes, 'the count is what is held');
        }
        assert.equal(held(assets).bytes, MAX, 'the budget is used');

        assets.refresh();
        assert.deepEqual(held(assets), { bytes: 0, used: 0 });
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('a re-indexed file gives its cached body back to the budget', async () => {
    const tmp = tempDir('memory-reindex');
    try {
      const body = css(FILE);
      put(tmp.dir, 'a.css', body);
      put(tmp.dir, 'a.css.gz', gzip(body));
      const assets = staticOrigin({ root: tmp.dir, memoryCache: { maxBytes: MAX, maxFileBytes: FILE } });
      const srv = await listen((req, res) =>
        assets(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
      try {
        assert.equal((await get(srv.port, '/static/a.css')).body.toString(), body);
        assert.deepEqual(held(assets), { bytes: FILE, used: FILE });
        // The file and its sibling are rewritten; the gzip answer opens the sibling, finds it
        // changed and re-indexes the file: the old identity body leaves with its entry.
        const next = css(FILE / 2, 'b');
        put(tmp.dir, 'a.css', next, new Date('2026-05-06T07:08:09Z'));
        put(tmp.dir, 'a.css.gz', gzip(next), new Date('2026-05-06T07:08:09Z'));
        const r = await get(srv.port, '/static/a.css', { 'accept-encoding': 'gzip' });
        assert.equal(r.headers['content-encoding'], 'gzip');
        const now = held(assets);
        assert.equal(now.used, now.bytes);
        assert.equal(now.bytes, gzip(next).length, 'only the new gzip body is held');
        assert.equal((await get(srv.port, '/static/a.css')).body.toString(), next);
        assert.deepEqual(held(assets), { bytes: gzip(next).length + FILE / 2, used: gzip(next).length + FILE / 2 });
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
