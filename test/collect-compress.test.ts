// Compression: the 95% rule, skip lists, round trips, deterministic gzip, and reuse on reruns.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { collect } from '../src/collect/index.js';
import { compressWith, isCompressible } from '../src/collect/compress.js';
import { handles, run, tempDir, writeTree } from './fixtures/collect/helpers.js';

const repetitive = 'body { color: red; margin: 0 auto; }\n'.repeat(200);

function unpack(enc: string, data: Buffer): Buffer {
  return enc === 'br' ? zlib.brotliDecompressSync(data) : zlib.gunzipSync(data);
}

describe('compression', () => {
  it('writes br and gz for compressible text, and they round-trip to the original bytes', async (t) => {
    const r = await run(t, { 'css/a.css': repetitive, 'js/b.js': 'export const x = "' + 'abc'.repeat(500) + '";\n' });
    for (const name of ['css/a.css', 'js/b.js']) {
      for (const file of [name, r.nameOf(name)]) {
        const original = r.file(file);
        const entry = r.manifest.files[file];
        assert.deepEqual(Object.keys(entry.encodings).sort(), ['br', 'gzip'], file);
        for (const [enc, suffix] of [
          ['br', '.br'],
          ['gzip', '.gz'],
        ] as const) {
          const variant = r.file(file + suffix);
          assert.equal(variant.length, entry.encodings[enc]);
          assert.ok(unpack(enc, variant).equals(original), `${file}${suffix} round-trips`);
        }
      }
    }
  });

  it('keeps a variant only when it is at most 95% of the original (br kept, gzip dropped on a small file)', async (t) => {
    const small = 'a{color:#0123456789abcdef012345678}'; // 35 bytes: brotli 33 (94%), gzip 47
    const r = await run(t, { 'small.css': small, 'big.css': repetitive, 'noise.txt': randomBytes(4096) });
    for (const [file, entry] of Object.entries(r.manifest.files)) {
      const original = r.file(file);
      for (const enc of ['br', 'gzip'] as const) {
        const size = entry.encodings[enc] ?? (await compressWith(enc, original, true)).length;
        const kept = entry.encodings[enc] !== undefined;
        if (original.length === 0 || !isCompressible(file)) assert.equal(kept, false, `${file} ${enc}`);
        else assert.equal(kept, size <= original.length * 0.95, `${file} ${enc}: ${size} of ${original.length}`);
      }
    }
    assert.deepEqual(Object.keys(r.manifest.files['small.css'].encodings), ['br']);
    assert.deepEqual(r.manifest.files['noise.txt'].encodings, {});
    assert.throws(() => r.file('small.css.gz'), /ENOENT/);
    assert.throws(() => r.file('noise.txt.br'), /ENOENT/);
  });

  it('skips empty files and already-compressed types such as png and woff2', async (t) => {
    const zeros = Buffer.alloc(10000); // very compressible bytes: the type alone decides
    const r = await run(t, { 'empty.css': '', 'img/a.png': zeros, 'fonts/f.woff2': zeros, 'fonts/f.woff': zeros, 'img/p.jpg': zeros });
    for (const name of ['empty.css', 'img/a.png', 'fonts/f.woff2', 'fonts/f.woff', 'img/p.jpg']) {
      assert.deepEqual(r.manifest.files[r.nameOf(name)].encodings, {}, name);
      for (const suffix of ['.br', '.gz']) assert.throws(() => r.file(r.nameOf(name) + suffix), /ENOENT/);
    }
    assert.equal(r.summary.compressed, 0);
  });

  it('writes deterministic gzip: header mtime 0, equal bytes on every run', async (t) => {
    const one = await run(t, { 'a.css': repetitive });
    const gz = one.file('a.css.gz');
    assert.equal(gz.readUInt32LE(4), 0);
    const two = await run(t, { 'a.css': repetitive });
    assert.ok(two.file('a.css.gz').equals(gz));
    assert.ok(two.file('a.css.br').equals(one.file('a.css.br')));
  });

  it('compresses identical content once (the unhashed name and its hashed copy share one content)', async (t) => {
    const r = await run(t, { 'a.css': repetitive, 'b.css': repetitive });
    assert.equal(r.summary.compressed, 2); // one content, two encodings
    assert.equal(r.summary.encodings.br!.files, 4);
  });

  it('a rerun recompresses nothing unchanged, and reuses byte-identical variants', async (t) => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`css/f${i}.css`] = `.f${i} { background: url(../img/a.svg); }\n` + repetitive;
    files['img/a.svg'] = '<svg xmlns="http://www.w3.org/2000/svg">' + '<rect width="1" height="1"/>'.repeat(50) + '</svg>';
    files['tiny.txt'] = 'x'; // tried once, rejected, remembered
    const dir = tempDir(t);
    const first = await run(t, files, {}, dir);
    assert.ok(first.summary.compressed > 40, String(first.summary.compressed));
    const before = readFileSync(join(first.out, first.nameOf('css/f3.css') + '.br'));
    const second = handles(dir, first.src, first.out, await collect({ sources: [first.src], out: first.out, cacheDir: false }));
    assert.equal(second.summary.compressed, 0);
    assert.equal(second.summary.reused, uniqueVariants(first));
    assert.ok(readFileSync(join(second.out, second.nameOf('css/f3.css') + '.br')).equals(before));
    assert.deepEqual(second.manifest.files, first.manifest.files);

    // Changing one file recompresses only that file's content (it has no references, so its original
    // and hashed copy are the same bytes): one content, two encodings.
    writeFileSync(join(first.src, 'css/f7.css'), '.changed {}\n' + repetitive);
    const third = await collect({ sources: [first.src], out: first.out, cacheDir: false });
    assert.equal(third.compressed, 2);
    assert.equal(third.reused, uniqueVariants(first) - 2);
  });

  it('a changed dependency recompresses its referrers too, and nothing else', async (t) => {
    const dir = tempDir(t);
    const first = await run(t, { 'img/a.svg': '<svg>' + ' '.repeat(300) + '</svg>', 'css/x.css': 'x{b:url(../img/a.svg)}\n' + repetitive, 'css/y.css': repetitive + 'y{}' }, {}, dir);
    writeFileSync(join(first.src, 'img/a.svg'), '<svg>' + ' '.repeat(301) + '</svg>');
    const second = await collect({ sources: [first.src], out: first.out, cacheDir: false });
    // svg and x.css (each one content under both names): 2 contents × 2 encodings
    assert.equal(second.compressed, 4);
  });

  it('recompresses a variant of the previous root that was changed on disk, instead of serving it', async (t) => {
    const r = await run(t, { 'a.css': repetitive });
    writeFileSync(join(r.out, 'a.css.br'), zlib.brotliCompressSync(Buffer.from(repetitive + 'tampered')));
    const again = handles(r.dir, r.src, r.out, await collect({ sources: [r.src], out: r.out, cacheDir: false }));
    assert.equal(again.summary.compressed, 1); // br could not be trusted (the hashed copy shares the content); gzip could
    assert.ok(zlib.brotliDecompressSync(again.file('a.css.br')).equals(Buffer.from(repetitive)));
  });

  it('recompresses a variant rewritten in place with the same length (its modification time moved)', async (t) => {
    const r = await run(t, { 'a.css': repetitive });
    const br = r.file('a.css.br');
    const garbage = Buffer.alloc(br.length, 0x41);
    // Same size, wrong bytes, in both names that share the content (either would otherwise be taken).
    for (const n of ['a.css', r.nameOf('a.css')]) writeFileSync(join(r.out, n + '.br'), garbage);
    const again = handles(r.dir, r.src, r.out, await collect({ sources: [r.src], out: r.out, cacheDir: false }));
    assert.equal(again.summary.compressed, 1);
    assert.ok(again.file(again.nameOf('a.css') + '.br').equals(br));
    assert.ok(again.file('a.css.br').equals(br));
  });

  it('a rerun links unchanged files and variants from the previous root instead of writing them again', async (t) => {
    const r = await run(t, { 'css/a.css': '.a { background: url(../img/b.svg); }\n' + repetitive, 'img/b.svg': '<svg>' + ' '.repeat(400) + '</svg>' });
    const names = Object.keys(r.manifest.files).flatMap((n) => [n, ...Object.keys(r.manifest.files[n].encodings).map((e) => n + (e === 'br' ? '.br' : '.gz'))]);
    assert.equal(names.length, 12); // a.css, its hashed copy, b.svg, its hashed copy, each with .br and .gz
    const before = new Map(names.map((n) => [n, statSync(join(r.out, n))]));
    const inodes = new Set([...before.values()].map((st) => st.ino));
    const again = handles(r.dir, r.src, r.out, await collect({ sources: [r.src], out: r.out, cacheDir: false }));
    assert.equal(again.summary.compressed, 0);
    assert.deepEqual(again.manifest, r.manifest);
    for (const n of names) {
      const st = statSync(join(again.out, n));
      // A file of the previous root (an original and its unrewritten copy share variants, so either one's).
      assert.ok(inodes.has(st.ino), `${n} is linked, not written`);
      assert.equal(st.mtimeMs, before.get(n)!.mtimeMs, n);
      assert.ok(again.file(n).equals(r.file(n)), n);
    }
  });

  it('a touched source with the same bytes recompresses nothing, and its files and variants take the new time', async (t) => {
    const r = await run(t, { 'a.css': repetitive });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(r.src, 'a.css'), later, later);
    const again = handles(r.dir, r.src, r.out, await collect({ sources: [r.src], out: r.out, cacheDir: false }));
    assert.equal(again.summary.compressed, 0);
    for (const n of ['a.css', again.nameOf('a.css')]) {
      for (const suffix of ['', '.br', '.gz']) {
        assert.equal(statSync(join(again.out, n + suffix)).mtime.getTime(), later.getTime(), n + suffix);
        assert.ok(again.file(n + suffix).equals(r.file(n + suffix)), n + suffix);
      }
    }
  });

  it('writes a hashed copy again when the previous root’s was changed on disk', async (t) => {
    const r = await run(t, { 'a.css': repetitive });
    writeFileSync(join(r.out, r.nameOf('a.css')), 'tampered');
    const again = handles(r.dir, r.src, r.out, await collect({ sources: [r.src], out: r.out, cacheDir: false }));
    assert.equal(again.hashed('a.css'), repetitive);
    assert.equal(again.file('a.css').toString(), repetitive);
  });

  it('writes no variants with encodings: [] and only gzip with encodings: ["gzip"]', async (t) => {
    const none = await run(t, { 'a.css': repetitive }, { encodings: [] });
    assert.deepEqual(none.manifest.files['a.css'].encodings, {});
    const gz = await run(t, { 'a.css': repetitive }, { encodings: ['gzip'] });
    assert.deepEqual(Object.keys(gz.manifest.files['a.css'].encodings), ['gzip']);
  });

  it('refuses zstd with a clear error when this Node has no zstd', async (t) => {
    if (typeof (zlib as Record<string, unknown>).zstdCompress === 'function') {
      const r = await run(t, { 'a.css': repetitive }, { encodings: ['zstd'] });
      assert.ok(r.file('a.css.zst').length > 0);
      return;
    }
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'a.css': repetitive });
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), encodings: ['zstd'] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STATIC_ORIGIN_ENCODING');
      assert.match(err.message, /zstd needs a Node\.js with zlib\.zstdCompress/);
      return true;
    });
  });
});

/** Distinct (content, encoding) variants: a file's unhashed name and its hashed copy share theirs. */
function uniqueVariants(r: ReturnType<typeof handles>): number {
  const seen = new Set<string>();
  for (const f of Object.values(r.manifest.files)) for (const enc of Object.keys(f.encodings)) seen.add(f.hash + enc);
  return seen.size;
}
