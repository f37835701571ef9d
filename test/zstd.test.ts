// zstd end to end. On a Node with zlib.zstdCompress (22.15+; CI runs 24 and 22), collect writes
// `.zst` siblings and the middleware negotiates them; on Node 20 collect refuses zstd by name.
// Serving `.zst` needs no zstd in Node, so it is tested on every Node with a hand-made frame.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { collect, staticOrigin } from '../src/index.js';
import type { EncodingName, Manifest, StaticOriginOptions } from '../src/index.js';
import { css, put, tempDir } from './helpers/fixtures.js';
import { get, listen, type Listening } from './helpers/http.js';

// @types/node 20 does not declare the zstd functions.
const zstd = zlib as unknown as { zstdCompress?: unknown; zstdDecompressSync?: (data: Buffer) => Buffer };
const hasZstd = typeof zstd.zstdCompress === 'function';
const ALL: EncodingName[] = ['br', 'gzip', 'zstd'];
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

async function serve(options: StaticOriginOptions): Promise<Listening> {
  const assets = staticOrigin(options);
  return listen((req, res) =>
    assets(req, res, () => {
      res.statusCode = 418;
      res.end('app');
    }),
  );
}

/**
 * A zstd frame (RFC 8878) written by hand, so that Node 20 has a real `.zst` to serve:
 * single segment, 4-byte content size, no checksum; one block per part, raw bytes or a run of
 * one byte (RLE), which is what makes it smaller than its content.
 */
function zstdFrame(parts: Array<{ raw: string } | { run: string; count: number }>): { frame: Buffer; content: Buffer } {
  const content = Buffer.concat(parts.map((p) => ('raw' in p ? Buffer.from(p.raw) : Buffer.alloc(p.count, p.run))));
  const header = Buffer.alloc(5);
  header[0] = 0b1010_0000; // Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag
  header.writeUInt32LE(content.length, 1);
  const blocks = parts.map((p, i) => {
    const last = i === parts.length - 1 ? 1 : 0;
    const [type, size, body] = 'raw' in p ? [0, Buffer.byteLength(p.raw), Buffer.from(p.raw)] : [1, p.count, Buffer.from(p.run)];
    const blockHeader = Buffer.alloc(3);
    blockHeader.writeUIntLE(last | (type << 1) | (size << 3), 0, 3);
    return Buffer.concat([blockHeader, body]);
  });
  return { frame: Buffer.concat([ZSTD_MAGIC, header, ...blocks]), content };
}

describe('zstd', () => {
  if (hasZstd) {
    describe(`collect and serve with zstd (Node ${process.version} has zlib.zstdCompress)`, () => {
      let tmp: { dir: string; cleanup(): void };
      let out: string;
      let manifest: Manifest;
      let srv: Listening;
      let cssName: string;
      let cssBytes: Buffer;
      before(async () => {
        tmp = tempDir('zstd');
        const src = join(tmp.dir, 'src');
        out = join(tmp.dir, 'out');
        put(src, 'css/app.css', css(8192));
        put(src, 'js/app.js', `export const rules = ${JSON.stringify(css(6000, 'js'))};\n`);
        put(src, 'img/logo.png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
        await collect({ sources: [src], out, encodings: ALL });
        manifest = JSON.parse(readFileSync(join(out, 'staticfiles.json'), 'utf8')) as Manifest;
        cssName = manifest.paths['css/app.css'];
        cssBytes = readFileSync(join(out, cssName));
        srv = await serve({ root: out, encodings: ['zstd', 'br', 'gzip'] });
      });
      after(async () => {
        await srv?.close();
        tmp?.cleanup();
      });

      it('collect writes a .zst beside each compressible file that decompresses to its bytes, and lists it in the manifest', () => {
        const names = Object.keys(manifest.files).sort();
        const sources = ['css/app.css', 'img/logo.png', 'js/app.js'];
        assert.deepEqual(names, [...sources, ...sources.map((s) => manifest.paths[s])].sort());
        for (const name of names) {
          const entry = manifest.files[name];
          if (name.endsWith('.png')) {
            assert.deepEqual(entry.encodings, {}, name);
            assert.equal(existsSync(join(out, `${name}.zst`)), false, `${name}.zst`);
            continue;
          }
          assert.deepEqual(Object.keys(entry.encodings).sort(), ALL, name);
          const original = readFileSync(join(out, name));
          const packed = readFileSync(join(out, `${name}.zst`));
          assert.ok(packed.subarray(0, 4).equals(ZSTD_MAGIC), `${name}.zst starts with zstd's magic number`);
          assert.equal(packed.length, entry.encodings.zstd, `${name}.zst size in the manifest`);
          assert.ok(packed.length <= original.length * 0.95, `${name}.zst is kept only when it saves 5%`);
          assert.ok(zstd.zstdDecompressSync!(packed).equals(original), `${name}.zst round-trips`);
        }
      });

      it("serves the .zst to a client that accepts zstd: Content-Encoding, an ETag ending in -zst, Vary, the file's bytes", async () => {
        const r = await get(srv.port, `/static/${cssName}`, { 'accept-encoding': 'zstd' });
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-type'], 'text/css; charset=utf-8');
        assert.equal(r.headers['content-encoding'], 'zstd');
        assert.equal(r.headers.vary, 'Accept-Encoding');
        assert.match(r.headers.etag ?? '', /^"[^"]+-zst"$/);
        assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(Number(r.headers['content-length']), r.body.length);
        assert.ok(r.body.equals(readFileSync(join(out, `${cssName}.zst`))), 'the body is the .zst file');
        assert.ok(zstd.zstdDecompressSync!(r.body).equals(cssBytes), 'and decompresses to the CSS');

        // One content, one tag: only the coding's suffix differs from the brotli answer's ETag.
        const br = await get(srv.port, `/static/${cssName}`, { 'accept-encoding': 'br' });
        assert.equal(br.headers['content-encoding'], 'br');
        assert.equal(r.headers.etag, br.headers.etag?.replace(/-br"$/, '-zst"'));
        assert.notEqual(r.headers.etag, br.headers.etag);

        const again = await get(srv.port, `/static/${cssName}`, { 'accept-encoding': 'zstd', 'if-none-match': r.headers.etag! });
        assert.equal(again.status, 304);
        assert.equal(again.body.length, 0);
      });

      it("ranks zstd by q-value, ties in the server's order (encodings: zstd, br, gzip)", async () => {
        const cases: Array<[string, string | undefined]> = [
          ['gzip, deflate, br, zstd', 'zstd'], // what Chrome sends: a tie, the server's order decides
          ['*', 'zstd'],
          ['br, zstd;q=0.9', 'br'],
          ['zstd;q=0.5, gzip;q=0.8', 'gzip'],
          ['zstd;q=0.8, br;q=0.5, gzip;q=0.7', 'zstd'],
          ['zstd;q=0, br', 'br'],
          ['zstd;q=0', undefined],
          ['ZSTD', 'zstd'],
        ];
        for (const [accept, coding] of cases) {
          const r = await get(srv.port, `/static/${cssName}`, { 'accept-encoding': accept });
          assert.equal(r.status, 200, accept);
          assert.equal(r.headers['content-encoding'], coding, accept);
          assert.equal(r.headers.vary, 'Accept-Encoding', accept);
          const body = coding === 'zstd' ? zstd.zstdDecompressSync!(r.body) : coding === 'br' ? zlib.brotliDecompressSync(r.body) : coding === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
          assert.ok(body.equals(cssBytes), `${accept}: the CSS's bytes`);
        }
        const brFirst = await serve({ root: out, encodings: ['br', 'gzip', 'zstd'] });
        try {
          const r = await get(brFirst.port, `/static/${cssName}`, { 'accept-encoding': 'gzip, deflate, br, zstd' });
          assert.equal(r.headers['content-encoding'], 'br');
          const z = await get(brFirst.port, `/static/${cssName}`, { 'accept-encoding': 'br;q=0.5, zstd' });
          assert.equal(z.headers['content-encoding'], 'zstd');
        } finally {
          await brFirst.close();
        }
      });

      it('the hand-made frame that Node 20 serves is valid zstd', () => {
        const { frame, content } = zstdFrame([{ raw: '/* ' }, { run: '-', count: 4000 }, { raw: ' */\n' }]);
        assert.ok(zstd.zstdDecompressSync!(frame).equals(content));
      });
    });
  } else {
    it(`collect refuses zstd on Node ${process.version} (no zlib.zstdCompress) with ERR_STATIC_ORIGIN_ENCODING naming zstd and the version, writing nothing`, async () => {
      const tmp = tempDir('zstd');
      try {
        const src = join(tmp.dir, 'src');
        const out = join(tmp.dir, 'out');
        put(src, 'css/app.css', css(8192));
        await assert.rejects(collect({ sources: [src], out, encodings: ALL }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_ENCODING');
          assert.match(err.message, /zstd/);
          assert.ok(err.message.includes(process.version), err.message);
          return true;
        });
        assert.equal(existsSync(out), false, 'nothing written');
        // Without zstd, the same sources still collect.
        await collect({ sources: [src], out, encodings: ['br', 'gzip'] });
        assert.ok(existsSync(join(out, 'staticfiles.json')));
      } finally {
        tmp.cleanup();
      }
    });
  }

  it(`serves a hand-made .zst sibling on any Node (this is ${process.version}), with negotiation and the -zst ETag`, async () => {
    const tmp = tempDir('zstd-hand-made');
    const { frame, content } = zstdFrame([{ raw: '/* ' }, { run: '-', count: 4000 }, { raw: ' */\n' }]);
    put(tmp.dir, 'rule.css', content);
    put(tmp.dir, 'rule.css.zst', frame);
    const srv = await serve({ root: tmp.dir, encodings: ['zstd', 'br', 'gzip'] });
    try {
      const r = await get(srv.port, '/static/rule.css', { 'accept-encoding': 'gzip, br, zstd' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], 'zstd');
      assert.equal(r.headers.vary, 'Accept-Encoding');
      assert.match(r.headers.etag ?? '', /^"[^"]+-zst"$/);
      assert.ok(r.body.equals(frame), 'the body is the .zst file');

      const plain = await get(srv.port, '/static/rule.css', { 'accept-encoding': 'gzip, br' });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.headers.vary, 'Accept-Encoding');
      assert.ok(plain.body.equals(content));
      assert.equal(r.headers.etag, plain.headers.etag?.replace(/"$/, '-zst"'));

      const direct = await get(srv.port, '/static/rule.css.zst');
      assert.equal(direct.status, 418, 'a sibling is never a URL of its own');
    } finally {
      await srv.close();
      tmp.cleanup();
    }
  });
});
