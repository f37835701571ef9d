// Collect and serve agree by construction: every root collect builds for the prefixes and
// encodings its options accept is one the server takes and serves; and the build never
// fails for what does not break a page (a missing source map, a lenient source).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { collect } from '../src/collect/index.js';
import { canCompressZstd, type EncodingName } from '../src/contract/encodings.js';
import { staticOrigin } from '../src/index.js';
import { handles, run, tempDir, writeTree } from './fixtures/collect/helpers.js';
import { get, listen } from './helpers/http.js';

const CSS = `body { background: url("img/a.svg"); }\n${'.x { color: red; }\n'.repeat(60)}`;
const SVG = `<svg xmlns="http://www.w3.org/2000/svg">${'<rect width="1" height="1"/>'.repeat(40)}</svg>`;

describe('collect builds what serve serves', () => {
  const prefixes = ['/static/', 'static', '/assets/v1/', '/'];
  const encodingSets: EncodingName[][] = [[], ['gzip'], ['br'], ['br', 'gzip'], ['gzip', 'br'], ...(canCompressZstd() ? [['zstd', 'br', 'gzip'] as EncodingName[]] : [])];
  for (const prefix of prefixes) {
    for (const encodings of encodingSets) {
      it(`prefix ${JSON.stringify(prefix)}, encodings [${encodings.join(', ')}]`, async (t) => {
        const r = await run(t, { 'app.css': CSS, 'img/a.svg': SVG, 'app.js': `import "${prefix.replace(/^\/?/, '/').replace(/\/?$/, '/')}img/a.svg";\n` }, { prefix, encodings });
        const assets = staticOrigin({ root: r.out, prefix, encodings: encodings.length ? encodings : undefined });
        const srv = await listen((req, res) =>
          assets(req, res, () => {
            res.statusCode = 404;
            res.end('miss');
          }),
        );
        t.after(() => srv.close());
        const url = assets.url('app.css');
        assert.match(url, new RegExp(`^${prefix.replace(/^\/?/, '/').replace(/\/?$/, '/').replace(/\//g, '\\/')}app\\.[0-9a-f]{12}\\.css$`));
        const plain = await get(srv.port, url);
        assert.equal(plain.status, 200);
        assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(plain.headers.etag, `"${r.manifest.files[r.nameOf('app.css')].hash.slice(0, 32)}"`);
        assert.ok(plain.body.toString().includes(r.nameOf('img/a.svg').split('/').pop()!), 'the reference names the hashed file');
        for (const coding of encodings) {
          const v = await get(srv.port, url, { 'accept-encoding': coding });
          assert.equal(v.headers['content-encoding'], coding);
          const bytes =
            coding === 'br'
              ? brotliDecompressSync(v.body)
              : coding === 'gzip'
                ? gunzipSync(v.body)
                : ((await import('node:zlib')) as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(v.body);
          assert.ok(bytes.equals(plain.body));
        }
        assert.equal((await get(srv.port, assets.url('app.js'))).status, 200);
        assert.equal(assets.integrity('app.css'), r.manifest.files[r.nameOf('app.css')].integrity);
      });
    }
  }

  it('refuses, in both halves alike, a prefix with % or white space, and repeated encodings', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'a.txt': 'a' });
    for (const prefix of ['/sta tic/', '/50%/', '/a/../b/']) {
      await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), prefix }), /option "prefix"/);
      assert.throws(() => staticOrigin({ root: join(dir, 'src'), prefix }), /option "prefix"/);
    }
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), encodings: ['br', 'br'] }), /option "encodings"/);
    assert.throws(() => staticOrigin({ root: join(dir, 'src'), encodings: ['br', 'br'] }), /option "encodings"/);
  });
});

describe('what does not break a page does not fail a deploy', () => {
  it('a missing source map is one warning and the comment stays as written (strict by default)', async (t) => {
    const r = await run(t, {
      'vendor/tinymce.min.js': 'var a=1;\n//# sourceMappingURL=tinymce.min.js.map\n',
      'vendor/skin.min.css': 'a{b:c}\n/*# sourceMappingURL=skin.min.css.map */\n',
    });
    assert.equal(r.summary.warnings.filter((w) => /sourceMappingURL|\.map"/.test(w) && /cannot be resolved/.test(w)).length, 2, r.summary.warnings.join('\n'));
    assert.match(r.hashed('vendor/tinymce.min.js'), /\/\/# sourceMappingURL=tinymce\.min\.js\.map\n$/);
    assert.match(r.hashed('vendor/skin.min.css'), /sourceMappingURL=skin\.min\.css\.map \*\//);
  });

  it('a missing url() still fails a strict collect, naming file:line:column', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'a.css': 'a {\n  b: url(missing.png);\n}\n' });
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out') }), /a\.css:2:10: the reference "missing\.png" cannot be resolved/);
  });

  it("strictness per source: a vendored tree with strict: false warns, the app's own sources still fail", async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'app'), { 'app.css': 'a{b:url(ok.png)}', 'ok.png': 'png' });
    writeTree(join(dir, 'vendor'), { 'lib/skin.css': 'a{b:url(fonts/gone.woff2)}' });
    const summary = await collect({ sources: [join(dir, 'app'), { dir: join(dir, 'vendor'), prefix: 'vendor', strict: false }], out: join(dir, 'out') });
    assert.ok(summary.warnings.some((w) => w.includes('fonts/gone.woff2') && w.endsWith('(left as written)')));
    writeTree(join(dir, 'app'), { 'broken.css': 'a{b:url(gone.png)}' });
    await assert.rejects(collect({ sources: [join(dir, 'app'), { dir: join(dir, 'vendor'), prefix: 'vendor', strict: false }], out: join(dir, 'out') }), /broken\.css:1:9/);
    await assert.rejects(collect({ sources: [{ dir: join(dir, 'vendor'), strict: 'no' as unknown as boolean }], out: join(dir, 'out') }), /sources\[0\]\.strict/);
  });
});

describe('source maps', () => {
  it('a map\'s own "file" field names the hashed file it maps, and the two share one hash', async (t) => {
    const map = JSON.stringify({ version: 3, file: 'app.js', sources: ['app.ts'], names: [], mappings: 'AAAA' });
    const r = await run(t, { 'js/app.js': 'export const a = 1;\n//# sourceMappingURL=app.js.map\n', 'js/app.js.map': map });
    const js = r.nameOf('js/app.js');
    const mapName = r.nameOf('js/app.js.map');
    const written = JSON.parse(r.file(mapName).toString()) as { file: string; sources: string[] };
    assert.equal(written.file, js.split('/').pop());
    assert.deepEqual(written.sources, ['app.ts'], 'the rest of the map is untouched');
    assert.ok(r.hashed('js/app.js').endsWith(`//# sourceMappingURL=${mapName.split('/').pop()}\n`));
    const again = handles(r.dir, r.src, r.out, r.summary);
    assert.equal(again.nameOf('js/app.js'), js, 'deterministic');
  });

  it('a "file" that names nothing collected, or sits inside sections, is left alone', async (t) => {
    const map = JSON.stringify({ version: 3, file: 'bundle.min.js', sections: [{ offset: { line: 0, column: 0 }, map: { version: 3, file: 'app.js', mappings: '' } }] });
    const r = await run(t, { 'app.js': 'x;\n', 'bundle.js.map': map });
    assert.equal(r.file(r.nameOf('bundle.js.map')).toString(), map);
    assert.deepEqual(r.summary.warnings, []);
  });
});
