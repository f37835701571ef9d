// Development mode: served live from the sources (or a root) with collect's rules; every
// answer, 304s included, describes the file as it is on disk now.
import assert from 'node:assert/strict';
import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginMiddleware } from '../src/index.js';
import { brotli, css, put, sri, tempDir } from './helpers/fixtures.js';
import { get, listen, raw, type Listening } from './helpers/http.js';

const later = (s: number): Date => new Date(Date.UTC(2026, 3, 1, 0, 0, s));

describe('development mode from sources', () => {
  let tmp: { dir: string; cleanup(): void };
  let srv: Listening;
  let assets: StaticOriginMiddleware;
  let app: string;
  let vendor: string;
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);

  before(async () => {
    tmp = tempDir('dev');
    app = join(tmp.dir, 'myapp/static');
    vendor = join(tmp.dir, 'vendor');
    put(app, 'myapp/style.css', 'h1 { color: red; }\n');
    put(app, 'myapp/app.js', 'export const x = 1;\n');
    put(app, 'shared.txt', 'from app');
    put(vendor, 'shared.txt', 'from vendor (shadowed)');
    put(vendor, 'lib/v.js', 'export default 2;\n');
    put(app, '.env', 'SECRET');
    put(app, 'notes.txt~', 'backup');
    put(app, 'drafts/x.psd', 'psd');
    put(app, 'staticfiles.json', '{}');
    process.on('warning', onWarning);
    assets = staticOrigin({ dev: true, sources: [app, { dir: vendor, prefix: 'vendor' }, vendor], ignore: ['*.psd'] });
    srv = await listen((req, res) =>
      assets(req, res, () => {
        res.statusCode = 418;
        res.end('app');
      }),
    );
  });
  after(async () => {
    process.off('warning', onWarning);
    await srv.close();
    tmp.cleanup();
  });

  it('serves each source under its prefix, the first source winning, with no collect step', async () => {
    assert.equal((await get(srv.port, '/static/myapp/style.css')).body.toString(), 'h1 { color: red; }\n');
    assert.equal((await get(srv.port, '/static/vendor/lib/v.js')).body.toString(), 'export default 2;\n');
    assert.equal((await get(srv.port, '/static/lib/v.js')).body.toString(), 'export default 2;\n', 'the third source, unprefixed');
    assert.equal((await get(srv.port, '/static/shared.txt')).body.toString(), 'from app');
  });

  it("applies collect's ignores and the path rules: dotfiles, backups, custom globs", async () => {
    for (const target of ['/static/.env', '/static/notes.txt~', '/static/drafts/x.psd', '/static/%2eenv', '/static/myapp/../.env']) {
      assert.equal((await raw(srv.port, target)).status, 418, target);
    }
  });

  it('answers no-cache with a strong content ETag, so a reload is a 304, and a change a 200', async () => {
    const first = await get(srv.port, '/static/myapp/app.js');
    assert.equal(first.headers['cache-control'], 'no-cache');
    assert.match(first.headers.etag as string, /^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    const again = await get(srv.port, '/static/myapp/app.js', { 'if-none-match': first.headers.etag as string });
    assert.equal(again.status, 304);
    // A same-size edit within the same second: still seen.
    writeFileSync(join(app, 'myapp/app.js'), 'export const x = 2;\n');
    const changed = await get(srv.port, '/static/myapp/app.js', { 'if-none-match': first.headers.etag as string });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.toString(), 'export const x = 2;\n');
    assert.notEqual(changed.headers.etag, first.headers.etag);
  });

  it('sees files added, renamed and deleted on the next request', async () => {
    assert.equal((await get(srv.port, '/static/myapp/new.css')).status, 418);
    put(app, 'myapp/new.css', 'p{}');
    assert.equal((await get(srv.port, '/static/myapp/new.css')).body.toString(), 'p{}');
    renameSync(join(app, 'myapp/new.css'), join(app, 'myapp/renamed.css'));
    assert.equal((await get(srv.port, '/static/myapp/new.css')).status, 418);
    assert.equal((await get(srv.port, '/static/myapp/renamed.css')).body.toString(), 'p{}');
    rmSync(join(app, 'myapp/renamed.css'));
    assert.equal((await get(srv.port, '/static/myapp/renamed.css')).status, 418);
    // A shadowing file that goes away uncovers the next source's.
    rmSync(join(app, 'shared.txt'));
    assert.equal((await get(srv.port, '/static/shared.txt')).body.toString(), 'from vendor (shadowed)');
  });

  it('answers ranges and preconditions as production does', async () => {
    const r = await get(srv.port, '/static/myapp/style.css', { range: 'bytes=0-1' });
    assert.equal(r.status, 206);
    assert.equal(r.body.toString(), 'h1');
    assert.equal((await get(srv.port, '/static/myapp/style.css', { 'if-match': '"nope"' })).status, 412);
    assert.equal((await get(srv.port, '/static/myapp/style.css', {}, 'POST')).status, 405);
  });

  it('uses a precompressed sibling only while it is current', async () => {
    const body = css(3000);
    put(app, 'big.css', body, later(1));
    put(app, 'big.css.br', brotli(body), later(1));
    const br = await get(srv.port, '/static/big.css', { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), body);
    put(app, 'big.css', css(3000, 'q'), later(2));
    const stale = await get(srv.port, '/static/big.css', { 'accept-encoding': 'br' });
    assert.equal(stale.headers['content-encoding'], undefined);
    assert.equal(stale.body.toString(), css(3000, 'q'));
    assert.equal(stale.headers.vary, undefined);
    assert.equal((await get(srv.port, '/static/big.css.br')).status, 418, 'a sibling is never a URL');
  });

  it('never sends a sibling written for the next version beside the file it does not hold (siblings written first)', async () => {
    const v1 = css(3000, 'a');
    const v2 = css(3000, 'b');
    put(app, 'order.css', v1, later(1));
    put(app, 'order.css.br', brotli(v1), later(1));
    assert.equal((await get(srv.port, '/static/order.css', { 'accept-encoding': 'br' })).headers['content-encoding'], 'br');
    // A deploy writes the new sibling first: newer than the file, of a plausible size, and not its bytes.
    put(app, 'order.css.br', brotli(v2), later(2));
    const between = await get(srv.port, '/static/order.css', { 'accept-encoding': 'br' });
    assert.equal(between.headers['content-encoding'], undefined, 'the old file alone, not the new sibling under its tag');
    assert.equal(between.body.toString(), v1);
    put(app, 'order.css', v2, later(2));
    // Written before its file, the sibling waits to be written again (the sibling rule of a changed file).
    const after = await get(srv.port, '/static/order.css', { 'accept-encoding': 'br' });
    assert.equal(after.headers['content-encoding'], undefined);
    assert.equal(after.body.toString(), v2);
    put(app, 'order.css.br', brotli(v2), later(2));
    const done = await get(srv.port, '/static/order.css', { 'accept-encoding': 'br' });
    assert.equal(done.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(done.body).toString(), v2);
    assert.notEqual(done.headers.etag, between.headers.etag);
  });

  it("url() gives unhashed names, integrity() the live file's SRI", () => {
    assert.equal(assets.url('myapp/style.css?v=1'), '/static/myapp/style.css?v=1');
    assert.equal(assets.url('vendor/lib/v.js'), '/static/vendor/lib/v.js');
    assert.throws(() => assets.url('myapp/styles.css'), /unknown static file "myapp\/styles\.css"; did you mean "myapp\/style\.css"/);
    put(app, 'myapp/sri.js', 'one');
    assert.equal(assets.integrity('myapp/sri.js'), sri('one'));
    put(app, 'myapp/sri.js', 'two!', later(3));
    assert.equal(assets.integrity('myapp/sri.js'), sri('two!'));
  });

  it('warns once per change, naming file:line:column, about a reference collect would refuse', async () => {
    put(app, 'myapp/broken.css', 'body {\n  background: url("missing.png");\n}\n');
    const count = () => warnings.filter((w) => w.includes('myapp/broken.css:2:')).length;
    await get(srv.port, '/static/myapp/broken.css');
    for (let i = 0; i < 50 && count() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(count(), 1);
    assert.match(warnings.find((w) => w.includes('broken.css'))!, /^STATIC_ORIGIN_REFERENCE: .*myapp\/broken\.css:2:\d+: .*missing\.png/);
    await get(srv.port, '/static/myapp/broken.css');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(), 1, 'not again for the same file');
    put(app, 'myapp/broken.css', 'body {\n  background: url("missing.png");\n  color: red;\n}\n', later(4));
    await get(srv.port, '/static/myapp/broken.css');
    for (let i = 0; i < 50 && count() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(count(), 2, 'again after a change');
  });

  it('refuses a symlink that leaves its source, and a directory swapped for one', async () => {
    const outside = join(tmp.dir, 'outside');
    put(outside, 'secret.css', 'SECRET');
    symlinkSync(join(outside, 'secret.css'), join(app, 'myapp/link.css'));
    assert.equal((await raw(srv.port, '/static/myapp/link.css')).status, 418);
    put(app, 'swap/page.css', 'inside');
    assert.equal((await raw(srv.port, '/static/swap/page.css')).body.toString(), 'inside');
    renameSync(join(app, 'swap'), join(app, 'swap-old'));
    put(outside, 'swap/page.css', 'SECRET');
    symlinkSync(join(outside, 'swap'), join(app, 'swap'));
    const r = await raw(srv.port, '/static/swap/page.css');
    assert.ok(!r.body.includes('SECRET'));
    assert.equal(r.status, 418);
  });

  it("does not serve the manifest's name, nor anything once closed; liveReloadTag() is empty without liveReload", async () => {
    assert.equal((await get(srv.port, '/static/staticfiles.json')).status, 418);
    assert.equal(assets.liveReloadTag(), '');
    assert.equal(staticOrigin({ root: vendor, liveReload: true }).liveReloadTag(), '', 'production ignores liveReload');
    const closing = staticOrigin({ dev: true, sources: [app] });
    closing.close();
    const s2 = await listen((req, res) =>
      closing(req, res, () => {
        res.statusCode = 418;
        res.end();
      }),
    );
    try {
      assert.equal((await get(s2.port, '/static/myapp/style.css')).status, 418);
    } finally {
      await s2.close();
    }
  });
});

describe('development mode on a root', () => {
  it("serves the root live with the scan's rules (.well-known yes, manifest and dotfiles no), index files and redirects", async () => {
    const tmp = tempDir('dev-root');
    try {
      put(tmp.dir, 'index.html', '<p>home');
      put(tmp.dir, 'docs/index.html', '<p>docs');
      put(tmp.dir, '.well-known/security.txt', 'Contact: x');
      put(tmp.dir, 'staticfiles.json', '{"version":1,"paths":{},"files":{}}');
      put(tmp.dir, 'sub/.hidden', 'SECRET');
      const assets = staticOrigin({ root: tmp.dir, dev: true, prefix: '/' });
      const srv = await listen((req, res) =>
        assets(req, res, () => {
          res.statusCode = 418;
          res.end('app');
        }),
      );
      try {
        assert.equal((await get(srv.port, '/')).body.toString(), '<p>home');
        assert.equal((await get(srv.port, '/docs/')).body.toString(), '<p>docs');
        const moved = await raw(srv.port, '/docs?x=1');
        assert.equal(moved.status, 301);
        assert.equal(moved.headers.location, '/docs/?x=1');
        assert.equal((await get(srv.port, '/.well-known/security.txt')).status, 200);
        assert.equal((await get(srv.port, '/staticfiles.json')).status, 418);
        assert.equal((await get(srv.port, '/sub/.hidden')).status, 418);
        put(tmp.dir, 'docs/index.html', '<p>docs, edited', later(5));
        assert.equal((await get(srv.port, '/docs/')).body.toString(), '<p>docs, edited');
      } finally {
        await srv.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('a missing source directory is an error naming it', () => {
    assert.throws(() => staticOrigin({ dev: true, sources: ['/nonexistent/static-origin-src'] }), /nonexistent\/static-origin-src/);
    assert.throws(() => staticOrigin({ dev: true }), /"root"/);
  });
});
