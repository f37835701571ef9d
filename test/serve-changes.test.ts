// Files that change or vanish after startup are answered correctly: never a 500, a crash,
// or a body whose length differs from Content-Length.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginMiddleware, StaticOriginOptions } from '../src/index.js';
import { brotliDecompressSync } from 'node:zlib';
import { brotli, css, gzip, put, sha256, sri, tempDir } from './helpers/fixtures.js';
import { get, listen, raw } from './helpers/http.js';

let current: StaticOriginMiddleware | undefined;
const assets = (): StaticOriginMiddleware => current!;

async function withServer(options: Partial<StaticOriginOptions>, build: (root: string) => void, run: (port: number, root: string) => Promise<void>): Promise<void> {
  const tmp = tempDir('changes');
  try {
    build(tmp.dir);
    const assets = staticOrigin({ root: tmp.dir, ...options });
    current = assets;
    const srv = await listen((req, res) =>
      assets(req, res, () => {
        res.statusCode = 404;
        res.end('app');
      }),
    );
    try {
      await run(srv.port, tmp.dir);
    } finally {
      await srv.close();
    }
  } finally {
    tmp.cleanup();
  }
}

const later = new Date('2026-03-04T05:06:07Z');

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

describe('files that change after startup', () => {
  it('a file that grew is re-indexed and sent whole, with a new ETag (sirv#151, whitenoise §1.10)', () =>
    withServer(
      {},
      (root) => put(root, 'app.js', 'a'.repeat(20)),
      async (port, root) => {
        const before = await get(port, '/static/app.js', {}, 'HEAD');
        put(root, 'app.js', 'b'.repeat(27), later);
        const r = await get(port, '/static/app.js');
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-length'], '27');
        assert.equal(r.body.toString(), 'b'.repeat(27));
        assert.notEqual(r.headers.etag, before.headers.etag);
        assert.equal(r.headers['last-modified'], later.toUTCString());
      },
    ));

  it('a file that vanished falls through to the app instead of a 500', () =>
    withServer(
      {},
      (root) => put(root, 'gone.css', 'x{}'),
      async (port, root) => {
        rmSync(join(root, 'gone.css'));
        assert.equal((await get(port, '/static/gone.css')).status, 404);
        assert.equal((await get(port, '/static/gone.css')).body.toString(), 'app');
      },
    ));

  it('a precompressed variant that vanished is dropped and identity is served', () =>
    withServer(
      {},
      (root) => {
        const body = css(3000);
        put(root, 'a.css', body);
        put(root, 'a.css.gz', gzip(body));
      },
      async (port, root) => {
        rmSync(join(root, 'a.css.gz'));
        const r = await get(port, '/static/a.css', { 'accept-encoding': 'gzip' });
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-encoding'], undefined);
        assert.equal(r.body.toString(), css(3000));
        assert.equal(r.headers.vary, undefined, 'no variants left');
      },
    ));

  it('a sibling that inflates far past its file is refused without inflating it whole, and its descriptors are closed', () =>
    withServer(
      {},
      (root) => {
        put(root, 'bomb.css', css(3000));
        // 64 MiB of zeros in a few kB, newer than its file and smaller than it.
        put(root, 'bomb.css.gz', gzip(Buffer.alloc(64 * 1024 * 1024)), later);
      },
      async (port) => {
        const answers = await Promise.all(Array.from({ length: 8 }, () => get(port, '/static/bomb.css', { 'accept-encoding': 'gzip' })));
        for (const r of answers) {
          assert.equal(r.headers['content-encoding'], undefined);
          assert.equal(r.body.toString(), css(3000));
        }
        // Closing a destroyed stream's descriptor is asynchronous: give it a moment.
        const open = (): number => readdirSync('/proc/self/fd').filter((fd) => readlinkOr(`/proc/self/fd/${fd}`).endsWith('bomb.css.gz')).length;
        for (let i = 0; i < 50 && open() > 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(open(), 0, 'no descriptor of the sibling left open');
      },
    ));

  it('a sibling written for the next version before its file is never sent under the old file (no manifest)', () =>
    withServer(
      {},
      (root) => {
        put(root, 'b.css', css(3000, 'a'));
        put(root, 'b.css.br', brotli(css(3000, 'a')));
        put(root, 'c.css', css(3000, 'a'));
      },
      async (port, root) => {
        // After startup and before either is first asked for: the new siblings first, newer than their files.
        put(root, 'b.css.br', brotli(css(3000, 'b')), later);
        put(root, 'c.css.br', brotli(css(3000, 'b')), later);
        for (const name of ['b.css', 'c.css']) {
          const r = await get(port, `/static/${name}`, { 'accept-encoding': 'br' });
          assert.equal(r.status, 200);
          assert.equal(r.headers['content-encoding'], undefined, name);
          assert.equal(r.body.toString(), css(3000, 'a'));
        }
        // Its file rewritten after it and the sibling again after that: sent.
        put(root, 'b.css', css(3000, 'b'), later);
        put(root, 'b.css.br', brotli(css(3000, 'b')), later);
        assets().refresh();
        const r = await get(port, '/static/b.css', { 'accept-encoding': 'br' });
        assert.equal(r.headers['content-encoding'], 'br');
        assert.equal(brotliDecompressSync(r.body).toString(), css(3000, 'b'));
      },
    ));

  it('a large streamed file that changed is re-indexed before any byte is sent', () =>
    withServer(
      { memoryCache: { maxFileBytes: 1024 } },
      (root) => put(root, 'big.bin', Buffer.alloc(500_000, 1)),
      async (port, root) => {
        const replacement = Buffer.alloc(300_000, 2);
        put(root, 'big.bin', replacement, later);
        const r = await get(port, '/static/big.bin');
        assert.equal(r.status, 200);
        assert.equal(Number(r.headers['content-length']), r.body.length);
        assert.ok(r.body.equals(replacement));
      },
    ));

  it('cached bodies stay consistent with their headers', () =>
    withServer(
      {},
      (root) => put(root, 'small.txt', 'first'),
      async (port, root) => {
        assert.equal((await get(port, '/static/small.txt')).body.toString(), 'first');
        writeFileSync(join(root, 'small.txt'), 'second, longer');
        const r = await get(port, '/static/small.txt');
        assert.equal(Number(r.headers['content-length']), r.body.length);
      },
    ));
});

describe('bodies', () => {
  it('a file truncated while it streams aborts the connection instead of sending a short body', () =>
    withServer(
      {},
      (root) => put(root, 'big.bin', Buffer.alloc(16 * 1024 * 1024, 7)),
      async (port, root) => {
        const { connect } = await import('node:net');
        const { truncateSync } = await import('node:fs');
        const result = await new Promise<{ declared: number; received: number }>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => s.write('GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
          let head = '';
          let received = 0;
          let declared = -1;
          let truncated = false;
          s.on('data', (chunk: Buffer) => {
            if (declared < 0) {
              head += chunk.toString('latin1');
              const end = head.indexOf('\r\n\r\n');
              if (end < 0) return;
              declared = Number(/content-length: (\d+)/i.exec(head)?.[1]);
              received = Buffer.byteLength(head.slice(end + 4), 'latin1');
            } else {
              received += chunk.length;
            }
            if (!truncated) {
              truncated = true;
              s.pause();
              truncateSync(join(root, 'big.bin'), 100);
              setTimeout(() => s.resume(), 100);
            }
          });
          s.on('close', () => resolve({ declared, received }));
          s.on('error', reject);
          // Well before the server's 5 s keep-alive timeout would close an idle connection.
          setTimeout(() => {
            s.destroy();
            reject(new Error('the connection was left open'));
          }, 3_000);
        });
        assert.equal(result.declared, 16 * 1024 * 1024);
        assert.ok(result.received < result.declared, `received ${result.received}`);
      },
    ));

  it('streams files above maxFileBytes with exact bytes, ranges included', () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    return withServer(
      {},
      (root) => put(root, 'video.mp4', big),
      async (port) => {
        const r = await get(port, '/static/video.mp4');
        assert.equal(r.status, 200);
        assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(big).digest('hex'));
        const part = await get(port, '/static/video.mp4', { range: 'bytes=1000000-1999999' });
        assert.equal(part.status, 206);
        assert.ok(part.body.equals(big.subarray(1000000, 2000000)));
        const multi = await get(port, '/static/video.mp4', { range: 'bytes=0-9,2000000-2000009' });
        assert.equal(multi.status, 206);
        assert.equal(Number(multi.headers['content-length']), multi.body.length);
        assert.ok(multi.body.includes(big.subarray(2000000, 2000010)));
      },
    );
  });

  it('releases the file when the client aborts mid-stream, and keeps serving', () =>
    withServer(
      {},
      (root) => put(root, 'big.bin', Buffer.alloc(8 * 1024 * 1024, 3)),
      async (port) => {
        const openFiles = () => readdirSync('/proc/self/fd').length;
        const before = openFiles();
        for (let i = 0; i < 20; i++) {
          await new Promise<void>((resolve) => {
            import('node:net').then(({ connect }) => {
              const s = connect(port, '127.0.0.1', () => s.write('GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
              s.once('data', () => {
                s.destroy();
                resolve();
              });
            });
          });
        }
        // Every aborted stream gives its descriptor back (allow a moment for the close events).
        for (let i = 0; i < 50 && openFiles() > before + 2; i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(openFiles() <= before + 2, `descriptors before ${before}, after ${openFiles()}`);
        const r = await raw(port, '/static/big.bin', {}, 'HEAD');
        assert.equal(r.status, 200);
        const full = await get(port, '/static/big.bin');
        assert.equal(full.body.length, 8 * 1024 * 1024);
      },
    ));
});

describe('files that change under a running server (production)', () => {
  it('a file rewritten after startup whose siblings were not is served as identity, before and after refresh() (stale variants under a new ETag)', () => {
    const before = css(4000, 'old');
    const after = css(4000, 'new');
    return withServer(
      {},
      (root) => {
        put(root, 'a.css', before);
        put(root, 'a.css.br', brotli(before));
        put(root, 'a.css.gz', gzip(before));
      },
      async (port, root) => {
        const old = await get(port, '/static/a.css', { 'accept-encoding': 'br' }, 'HEAD');
        put(root, 'a.css', after, later);
        // The identity answer finds the file changed and re-indexes it, siblings included.
        assert.equal((await get(port, '/static/a.css')).body.toString(), after);
        for (const step of ['before refresh', 'after refresh']) {
          for (const coding of ['br', 'gzip']) {
            const r = await get(port, '/static/a.css', { 'accept-encoding': coding });
            assert.equal(r.headers['content-encoding'], undefined, `${step}, ${coding}: no outdated variant`);
            assert.equal(r.body.toString(), after, step);
            assert.notEqual(r.headers.etag, old.headers.etag);
          }
          if (step === 'before refresh') assets().refresh();
        }
        // Siblings written again, newer than the file: they describe it, and are served once seen.
        put(root, 'a.css.br', brotli(after), new Date(later.getTime() + 1000));
        assets().refresh();
        const br = await get(port, '/static/a.css', { 'accept-encoding': 'br' });
        assert.equal(br.headers['content-encoding'], 'br');
        assert.equal(brotliDecompressSync(br.body).toString(), after);
      },
    );
  });

  it("a same-size edit made after collect wrote the manifest does not take the manifest's hash as its ETag", async () => {
    const tmp = tempDir('same-size');
    try {
      const original = css(3000, 'x');
      const edited = css(3000, 'y');
      assert.equal(original.length, edited.length);
      const hash = sha256(original);
      put(tmp.dir, 'app.css', original);
      put(
        tmp.dir,
        'staticfiles.json',
        JSON.stringify({
          version: 1,
          paths: {},
          files: { 'app.css': { size: original.length, hash, integrity: sri(original), encodings: {} } },
        }),
      );
      put(tmp.dir, 'app.css', edited, later); // after the manifest was written
      const served = staticOrigin({ root: tmp.dir });
      const srv = await listen((req, res) =>
        served(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
      try {
        const r = await get(srv.port, '/static/app.css');
        assert.equal(r.body.toString(), edited);
        assert.notEqual(r.headers.etag, `"${hash.slice(0, 32)}"`, 'the manifest hash stands for other bytes');
        const revalidated = await get(srv.port, '/static/app.css', { 'if-none-match': `"${hash.slice(0, 32)}"` });
        assert.equal(revalidated.status, 200, 'a client holding the old bytes gets the new ones');
        assert.equal(served.integrity('app.css'), sri(edited));
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('re-indexing a changed file never blocks on a whole-file read (no readFileSync on the request path)', () =>
    withServer(
      { memoryCache: false },
      (root) => put(root, 'data.bin', Buffer.alloc(200_000, 1)),
      async (port, root) => {
        const replacement = Buffer.alloc(300_000, 2);
        put(root, 'data.bin', replacement, later);
        const fs = await import('node:fs');
        const { syncBuiltinESMExports } = await import('node:module');
        const original = fs.default.readFileSync;
        let wholeReads = 0;
        fs.default.readFileSync = ((...args: Parameters<typeof original>) => {
          wholeReads++;
          return original(...args);
        }) as typeof original;
        syncBuiltinESMExports();
        try {
          const r = await get(port, '/static/data.bin');
          assert.ok(r.body.equals(replacement));
          assert.notEqual(r.headers.etag, undefined);
        } finally {
          fs.default.readFileSync = original;
          syncBuiltinESMExports();
        }
        assert.equal(wholeReads, 0);
      },
    ));

  it('url() and integrity() keep the query and fragment, and answer every form of a name alike', () =>
    withServer(
      {},
      (root) => put(root, 'a.css', 'x{}'),
      async () => {
        const assets = current!;
        for (let i = 0; i < 100; i++) assert.equal(assets.url(`a.css?v=${i}#f`), `/static/a.css?v=${i}#f`);
        assert.equal(assets.url('/a.css'), '/static/a.css');
        assert.equal(assets.integrity('a.css?v=1'), sri('x{}'));
        assert.throws(() => assets.url('b.css'), /unknown static file "b\.css"; did you mean "a\.css"/);
      },
    ));
});
