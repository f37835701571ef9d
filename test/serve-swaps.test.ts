// Trust is not widened after startup: a directory or file inside the root swapped for a
// symlink that leaves it is refused on the next request, before and after refresh(). Each
// case plants a canary outside the root, the same size and mtime as the file it stands in
// for, whose bytes must never appear in any answer.
import assert from 'node:assert/strict';
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginOptions } from '../src/index.js';
import { css, gzip, put, tempDir } from './helpers/fixtures.js';
import { listen, raw, type Reply } from './helpers/http.js';

const INSIDE = 'inside-bytes-0123456789';
const CANARY = 'CANARY-OUTSIDE-ROOT-XYZ';

function assertNoCanary(r: Reply, canary: Buffer | string = CANARY): void {
  assert.ok(!r.body.includes(canary), `canary bytes served (status ${r.status})`);
}

async function scenario(
  options: Partial<StaticOriginOptions>,
  build: (root: string, outside: string) => void,
  swap: (root: string, outside: string) => void,
  check: (port: number) => Promise<void>,
  warmUp?: (port: number) => Promise<void>,
): Promise<void> {
  const tmp = tempDir('swaps');
  const root = join(tmp.dir, 'root');
  const outside = join(tmp.dir, 'outside');
  try {
    build(root, outside);
    const assets = staticOrigin({ root, ...options });
    const srv = await listen((req, res) =>
      assets(req, res, () => {
        res.statusCode = 404;
        res.end('app');
      }),
    );
    try {
      await warmUp?.(srv.port);
      swap(root, outside);
      await check(srv.port);
      assets.refresh();
      await check(srv.port);
    } finally {
      await srv.close();
    }
  } finally {
    tmp.cleanup();
  }
}

for (const options of [{ memoryCache: false as const }, {}]) {
  const label = options.memoryCache === false ? 'memoryCache: false' : 'default cache';
  describe(`swaps after startup (${label})`, () => {
    const withFile = (root: string, outside: string): void => {
      put(root, 'sub/page.txt', INSIDE);
      put(outside, 'sub/page.txt', CANARY);
      put(root, 'a.txt', INSIDE);
      put(outside, 'a.txt', CANARY);
    };
    const swapDir = (root: string, outside: string): void => {
      renameSync(join(root, 'sub'), join(root, 'sub-old'));
      symlinkSync(join(outside, 'sub'), join(root, 'sub'));
    };
    const swapFile = (root: string, outside: string): void => {
      rmSync(join(root, 'a.txt'));
      symlinkSync(join(outside, 'a.txt'), join(root, 'a.txt'));
    };

    it('a directory replaced by a symlink to one outside the root is not served through', () =>
      scenario(options, withFile, swapDir, async (port) => {
        const r = await raw(port, '/static/sub/page.txt');
        assertNoCanary(r);
        assert.equal(r.status, 404);
        assertNoCanary(await raw(port, '/static/sub/page.txt', { range: 'bytes=0-5' }));
      }));

    it('a directory swapped after its file was served once is not served through either', () =>
      scenario(
        options,
        withFile,
        swapDir,
        async (port) => {
          assertNoCanary(await raw(port, '/static/sub/page.txt'));
          assertNoCanary(await raw(port, '/static/sub/page.txt', { range: 'bytes=0-5' }));
        },
        async (port) => {
          assert.equal((await raw(port, '/static/sub/page.txt')).body.toString(), INSIDE);
        },
      ));

    it('a file replaced by a symlink to an outside file of the same size and mtime is re-checked on open', () =>
      scenario(options, withFile, swapFile, async (port) => {
        const r = await raw(port, '/static/a.txt');
        assertNoCanary(r);
        assert.equal(r.status, 404);
        assertNoCanary(await raw(port, '/static/a.txt', { range: 'bytes=1-5,7-9' }));
      }));

    it('a precompressed sibling swapped for an outside file is never sent', () => {
      const body = css(3000);
      const canaryGz = gzip(`${CANARY}${css(2990, 'z')}`);
      return scenario(
        options,
        (root, outside) => {
          put(root, 'style.css', body);
          put(root, 'style.css.gz', gzip(body));
          put(outside, 'style.css.gz', canaryGz);
        },
        (root, outside) => {
          rmSync(join(root, 'style.css.gz'));
          symlinkSync(join(outside, 'style.css.gz'), join(root, 'style.css.gz'));
        },
        async (port) => {
          const r = await raw(port, '/static/style.css', { 'accept-encoding': 'gzip' });
          assertNoCanary(r, canaryGz);
          assert.equal(r.status, 200);
          assert.equal(r.headers['content-encoding'], undefined);
          assert.equal(r.body.toString(), body);
        },
      );
    });
  });
}
