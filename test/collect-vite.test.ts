// A real Vite build (test/fixtures/vite-dist, made by Vite 8; see its README) collected and
// served: the names Vite already hashed are kept and served as immutable, references to
// them stay as written, everything else is hashed as usual.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { collect } from '../src/collect/index.js';
import { staticOrigin } from '../src/index.js';
import { handles, tempDir } from './fixtures/collect/helpers.js';
import { get, listen } from './helpers/http.js';

const DIST = join(import.meta.dirname, 'fixtures/vite-dist');

it('collects a Vite build: bundler-hashed names kept, mapped to themselves, compressed, served immutable', async (t) => {
  const out = join(tempDir(t, 'vite'), 'out');
  const summary = await collect({ sources: [DIST], out, prefix: '/', ignore: ['README.md'] });
  const r = handles(out, DIST, out, summary);
  const assets = readdirSync(join(DIST, 'assets')).map((f) => `assets/${f}`);
  assert.equal(assets.length, 4);
  for (const name of assets) {
    assert.equal(r.nameOf(name), name, `${name} keeps the name Vite gave it`);
    assert.ok(readFileSync(join(out, name)).equals(readFileSync(join(DIST, name))), `${name}: not a byte changed`);
  }
  for (const name of ['index.html', 'favicon.svg', 'robots.txt']) assert.match(r.nameOf(name), /\.[0-9a-f]{12}\.[a-z]+$/, `${name} is hashed`);
  assert.equal(r.manifest.paths['.vite/manifest.json'], undefined, 'the dot directory is not collected');
  assert.deepEqual(summary.warnings, []);

  const served = staticOrigin({ root: out, prefix: '/' });
  const srv = await listen((req, res) =>
    served(req, res, () => {
      res.statusCode = 404;
      res.end();
    }),
  );
  t.after(() => srv.close());
  const page = await get(srv.port, '/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-cache');
  for (const src of [...page.body.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])) {
    const a = await get(srv.port, src, { 'accept-encoding': 'br' });
    assert.equal(a.status, 200, src);
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable', src);
    const body = a.headers['content-encoding'] === 'br' ? brotliDecompressSync(a.body) : a.body;
    assert.ok(body.equals(readFileSync(join(DIST, src))), src);
    assert.equal(served.integrity(src.slice(1)), r.manifest.files[src.slice(1)].integrity);
  }
  assert.equal(served.url('assets/lazy-COKtumff.js'), '/assets/lazy-COKtumff.js');
  assert.ok(r.manifest.files['assets/index-BbB_I5Yn.js'].encodings.br! > 0, 'the entry chunk got its brotli variant');
});

it('an already-hashed file whose references collect must rewrite is hashed after all (its name would lie)', async (t) => {
  const dir = tempDir(t, 'vite-mixed');
  const { writeTree, handles: h } = await import('./fixtures/collect/helpers.js');
  writeTree(join(dir, 'src'), { 'assets/app-Dx9kQ2Lm.js': 'import "../plain.js";\n', 'plain.js': 'export {};\n', 'assets/ok-Bq3nZ7Wd.js': 'import "./app-Dx9kQ2Lm.js";\n' });
  const summary = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out') });
  const r = h(dir, join(dir, 'src'), join(dir, 'out'), summary);
  assert.match(r.nameOf('assets/app-Dx9kQ2Lm.js'), /^assets\/app-Dx9kQ2Lm\.[0-9a-f]{12}\.js$/);
  assert.match(r.nameOf('assets/ok-Bq3nZ7Wd.js'), /\.[0-9a-f]{12}\.js$/, 'and so is what imports it');
  const none = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out2'), alreadyHashed: false });
  assert.notEqual(h(dir, join(dir, 'src'), join(dir, 'out2'), none).manifest.paths['plain.js'], 'plain.js');
});
