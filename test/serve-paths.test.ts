// Path rules, each attacked with a raw client that sends the request line as written.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import { put, tempDir } from './helpers/fixtures.js';
import { listen, raw, type Listening } from './helpers/http.js';

const SECRET = 'SECRET-DO-NOT-SERVE';

// Every rule holds in production (the startup index) and in development mode (each request
// looked up on the live file system).
for (const dev of [false, true]) {
  const mode = dev ? 'development' : 'production';

  describe(`path rules (raw client, ${mode})`, () => {
    let tmp: { dir: string; cleanup(): void };
    let srv: Listening;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);

    before(async () => {
      tmp = tempDir('paths');
      const root = join(tmp.dir, 'root');
      put(tmp.dir, 'outside/secret.txt', SECRET);
      put(tmp.dir, 'root-private/secret.txt', SECRET); // shares the root's name as a prefix
      put(root, 'sub/file.txt', 'inside');
      put(root, '.env', SECRET);
      put(root, 'sub/.hidden', SECRET);
      put(root, '.well-known/security.txt', 'Contact: mailto:security@example.com');
      put(root, 'unicode names/café.css', 'body{}');
      put(root, '50%.png', 'png');
      put(root, 'staticfiles.json', JSON.stringify({ version: 1, paths: {}, files: {} }));
      symlinkSync(join(tmp.dir, 'outside/secret.txt'), join(root, 'link-out.txt'));
      symlinkSync(join(tmp.dir, 'outside'), join(root, 'dir-out'));
      symlinkSync(join(root, 'sub/file.txt'), join(root, 'link-in.txt'));
      symlinkSync(join(root, 'nowhere.txt'), join(root, 'dangling.txt'));
      mkdirSync(join(root, 'loop'));
      symlinkSync(join(root, 'loop'), join(root, 'loop/again'));
      symlinkSync(join(root, 'self-a'), join(root, 'self-b'));
      symlinkSync(join(root, 'self-b'), join(root, 'self-a'));
      process.on('warning', onWarning);
      const assets = staticOrigin({ root, dev });
      // Let the emitted warnings arrive before asserting on them.
      await new Promise((r) => setImmediate(r));
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

    it('serves what is inside: a symlink that stays in the root, .well-known, unicode and % names', async () => {
      assert.equal((await raw(srv.port, '/static/link-in.txt')).body.toString(), 'inside');
      assert.equal((await raw(srv.port, '/static/.well-known/security.txt')).status, 200);
      assert.equal((await raw(srv.port, '/static/unicode%20names/caf%C3%A9.css')).body.toString(), 'body{}');
      assert.equal((await raw(srv.port, '/static/50%25.png')).body.toString(), 'png');
    });

    if (dev) {
      it('refuses an escaping symlink, file or directory, with a warning when it is asked for', async () => {
        assert.equal((await raw(srv.port, '/static/link-out.txt')).status, 418);
        assert.equal((await raw(srv.port, '/static/dir-out/secret.txt')).status, 418);
        await new Promise((r) => setImmediate(r));
        assert.match(warnings.join('\n'), /refused link-out\.txt: its real path is outside/);
        assert.match(warnings.join('\n'), /refused dir-out\/secret\.txt: its real path is outside/);
      });
    } else
      it('skips escaping, dangling and looping symlinks with a warning, and starts anyway', () => {
        const text = warnings.join('\n');
        assert.match(text, /link-out\.txt: the symlink points outside the root/);
        assert.match(text, /dir-out: the symlink points outside the root/);
        assert.match(text, /dangling\.txt: the symlink dangles/);
        assert.match(text, /self-a: the symlink loops/);
        assert.match(text, /loop\/again: .*loop/);
      });

    const attacks: Array<[string, string]> = [
      ['dot-dot', '/static/../outside/secret.txt'],
      ['dot-dot deeper', '/static/sub/../../outside/secret.txt'],
      ['encoded dot-dot', '/static/%2e%2e/outside/secret.txt'],
      ['upper-case encoded dot-dot', '/static/%2E%2E/outside/secret.txt'],
      ['half-encoded dot-dot', '/static/.%2e/outside/secret.txt'],
      ['double-encoded dot-dot', '/static/%252e%252e/outside/secret.txt'],
      ['double-encoded slash', '/static/sub%252f..%252f..%252foutside/secret.txt'],
      ['encoded slash', '/static/sub%2ffile.txt'],
      ['upper-case encoded slash', '/static/sub%2Ffile.txt'],
      ['encoded backslash', '/static/sub%5cfile.txt'],
      ['upper-case encoded backslash', '/static/..%5C..%5Coutside%5Csecret.txt'],
      ['backslash', '/static/sub\\file.txt'],
      ['backslash dot-dot', '/static/..\\outside\\secret.txt'],
      ['double slash', '/static//sub/file.txt'],
      ['leading double slash', '//static/sub/file.txt'],
      ['dot segment', '/static/sub/./file.txt'],
      ['dot-dot back inside', '/static/sub/../sub/file.txt'],
      ['encoded NUL', '/static/sub/file.txt%00'],
      ['encoded NUL mid-path', '/static/sub%00/file.txt'],
      ['malformed escape', '/static/sub/%'],
      ['malformed escape pair', '/static/sub/%zz'],
      ['truncated UTF-8', '/static/%E0%A4%A'],
      ['overlong UTF-8 dot', '/static/%C0%AE%C0%AE/outside/secret.txt'],
      ['dotfile', '/static/.env'],
      ['encoded dotfile', '/static/%2eenv'],
      ['nested dotfile', '/static/sub/.hidden'],
      ['manifest', '/static/staticfiles.json'],
      ['escaping symlink', '/static/link-out.txt'],
      ['escaping symlinked dir', '/static/dir-out/secret.txt'],
      ['sibling sharing the root prefix', '/static/../root-private/secret.txt'],
      ['10 KB path', `/static/${'a/'.repeat(5000)}file.txt`],
      ['prefix look-alike', '/staticsub/file.txt'],
    ];
    for (const [name, target] of attacks) {
      it(`misses: ${name}`, async () => {
        const r = await raw(srv.port, target);
        assert.ok(!r.body.includes(SECRET), 'leaked');
        assert.ok(r.status === 418 || r.status === 400, `status ${r.status}`);
        if (r.status === 418) assert.equal(r.body.toString(), 'app');
      });
    }

    it('misses a raw NUL and a raw non-ASCII byte without crashing', async () => {
      for (const target of ['/static/sub/file.txt\0', '/static/caf\u00e9.css']) {
        const r = await raw(srv.port, target);
        assert.ok(r.status === 418 || r.status === 400, `status ${r.status}`);
      }
      assert.equal((await raw(srv.port, '/static/sub/file.txt')).status, 200, 'still serving');
    });

    it('misses every method on an attack path (it falls through, never 405)', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        assert.equal((await raw(srv.port, '/static/../outside/secret.txt', {}, method)).status, 418, method);
      }
    });

    it('keeps the query out of the path', async () => {
      assert.equal((await raw(srv.port, '/static/sub/file.txt?x=/../../outside/secret.txt')).body.toString(), 'inside');
    });
  });

  describe(`precompressed siblings beside symlinks (raw client, ${mode})`, () => {
    let tmp: { dir: string; cleanup(): void };
    let srv: Listening;
    const css = 'body { color: red; }\n'.repeat(40);

    before(async () => {
      tmp = tempDir('sibling-links');
      const root = join(tmp.dir, 'root');
      // A symlinked file with a plain .br beside it; a plain file with a symlinked .gz.
      put(root, 'data/real.css', css);
      symlinkSync(join(root, 'data/real.css'), join(root, 'linked.css'));
      put(root, 'linked.css.br', brotliCompressSync(css));
      put(root, 'plain.css', css);
      put(root, 'data/plain.gz.bin', gzipSync(css));
      symlinkSync(join(root, 'data/plain.gz.bin'), join(root, 'plain.css.gz'));
      // A variant of a variant, and a compressed download with no file it belongs to.
      put(root, 'x.txt', css);
      put(root, 'x.txt.br', brotliCompressSync(css));
      put(root, 'x.txt.br.br', brotliCompressSync(brotliCompressSync(css)));
      put(root, 'archive.tar.gz', gzipSync('tar'));
      const assets = staticOrigin({ root, dev });
      srv = await listen((req, res) =>
        assets(req, res, () => {
          res.statusCode = 418;
          res.end('app');
        }),
      );
    });
    after(async () => {
      await srv.close();
      tmp.cleanup();
    });

    it('negotiates a plain sibling of a symlinked file, and a symlinked sibling of a plain file', async () => {
      const br = await raw(srv.port, '/static/linked.css', { 'Accept-Encoding': 'br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(brotliDecompressSync(br.body).toString(), css);
      const gz = await raw(srv.port, '/static/plain.css', { 'Accept-Encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(gz.body).toString(), css);
    });

    it('never serves a sibling, or a sibling of a sibling, at its own URL', async () => {
      for (const target of ['/static/linked.css.br', '/static/plain.css.gz', '/static/x.txt.br', '/static/x.txt.br.br']) {
        const r = await raw(srv.port, target, { 'Accept-Encoding': 'br, gzip' });
        assert.equal(r.status, 418, target);
      }
    });

    it('serves a compressed file that belongs to no other file as itself', async () => {
      const r = await raw(srv.port, '/static/archive.tar.gz', { 'Accept-Encoding': 'gzip' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], undefined);
      assert.equal(gunzipSync(r.body).toString(), 'tar');
    });
  });
}
