// Malformed and unusual HTTP/1.x that reaches (or almost reaches) the middleware, written
// byte for byte to an origin in its own process, in production and in development mode.
// What is sane: a miss falls through to the app (404 'app'), Node's parser answers what it
// refuses (400, 431, 417) before the middleware sees it, a hit is exact (status, headers
// and body bytes), never a 5xx, never a crash. Each case states what happens today, so a
// change in Node or in the middleware shows up here; docs/reliability.md sums them up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { hostileRoot, type HostileRoot } from './helpers/hostile-root.js';
import { settleDescriptors, startOrigin, type OriginChild } from './helpers/origin-child.js';
import { exchange, parseResponses, type RawResponse } from './helpers/raw-http.js';

const H = 'Host: 127.0.0.1\r\nConnection: close\r\n';
const CSS = '/static/css/app.css';

for (const dev of [false, true]) {
  const mode = dev ? 'development' : 'production';
  describe(`malformed HTTP (${mode})`, () => {
    let fx: HostileRoot;
    let origin: OriginChild;
    let css: Buffer;
    let baseline: number;

    before(async () => {
      fx = hostileRoot();
      css = fx.files.get('css/app.css')!.identity;
      origin = await startOrigin(fx.root, { dev });
      // The baseline after the code paths were first used: development mode loads collect's
      // lexers on first use (and tsx may start its transformer then), which opens descriptors of its own.
      for (const f of fx.files.values()) await exchange(origin.port, `GET /static/${f.url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 500));
      baseline = (await origin.stats()).fds;
    });
    after(async () => {
      await origin.stop();
      fx.cleanup();
    });

    /** Sends the bytes, parses up to `methods.length` answers; the origin must still be up. */
    async function send(bytes: string, methods: string[] = ['GET']): Promise<{ responses: RawResponse[]; rest: Buffer; error: string | undefined; raw: Buffer }> {
      const ex = await exchange(origin.port, bytes, 10_000);
      assert.notEqual(ex.error, 'timeout', 'the origin answered (or closed) in time');
      const { responses, rest } = parseResponses(ex.data, methods);
      for (const r of responses) assert.ok(r.status < 500, `a ${r.status}`);
      assert.equal(origin.ended(), undefined, `the origin is up: ${origin.stderr()}`);
      return { ...{ responses, rest }, error: ex.error, raw: ex.data };
    }
    async function one(bytes: string, method = 'GET'): Promise<RawResponse> {
      const { responses, rest } = await send(bytes, [method]);
      assert.equal(responses.length, 1, 'one answer');
      assert.equal(rest.length, 0, 'nothing after it');
      assert.equal(responses[0].short, false, 'the whole body');
      return responses[0];
    }
    const isApp = (r: RawResponse): void => {
      assert.equal(r.status, 404);
      assert.equal(r.body.toString(), 'app', 'the miss fell through to the app');
    };
    const isNode = (r: RawResponse, status: number): void => {
      assert.equal(r.status, status);
      assert.equal(r.headers.etag, undefined, 'answered by Node, not the middleware');
    };
    const isCss = (r: RawResponse): void => {
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], String(css.length));
      assert.ok(r.body.equals(css), 'the file, exactly');
    };

    describe('request targets', () => {
      it('absolute-form (a proxy request) is not ours: the URL does not start with the prefix, so it falls through', async () => {
        isApp(await one(`GET http://127.0.0.1${CSS} HTTP/1.1\r\n${H}\r\n`));
        isApp(await one(`GET https://evil.example${CSS} HTTP/1.1\r\n${H}\r\n`));
        isApp(await one(`GET http://127.0.0.1/static/../parent-canary.txt HTTP/1.1\r\n${H}\r\n`));
      });

      it('asterisk-form (OPTIONS *, GET *) falls through', async () => {
        isApp(await one(`OPTIONS * HTTP/1.1\r\n${H}\r\n`));
        isApp(await one(`GET * HTTP/1.1\r\n${H}\r\n`));
      });

      it('an empty path, a bare query and authority-form outside CONNECT are refused by Node (400) before the middleware', async () => {
        isNode(await one(`GET  HTTP/1.1\r\n${H}\r\n`), 400);
        isNode(await one(`GET ?x HTTP/1.1\r\n${H}\r\n`), 400);
        isNode(await one(`GET HTTP/1.1\r\n${H}\r\n`), 400);
        isNode(await one(`GET 127.0.0.1:80 HTTP/1.1\r\n${H}\r\n`), 400);
        isNode(await one(`GET ${CSS}\t HTTP/1.1\r\n${H}\r\n`), 400);
      });

      it('CONNECT is never given to the middleware: with no connect listener Node closes the connection', async () => {
        const { responses, raw } = await send(`CONNECT 127.0.0.1:80 HTTP/1.1\r\n${H}\r\n`, []);
        assert.equal(responses.length, 0);
        assert.equal(raw.length, 0);
      });
    });

    describe('header sizes', () => {
      it("a head just under Node's 16 KiB limit is served exactly", async () => {
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(16 * 1024 - 200)}\r\n\r\n`));
        // Many short fields: 900 pass everywhere.
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}${'X-A: b\r\n'.repeat(900)}\r\n`));
      });

      it('more than 1000 fields: Node 22 and later answer 431, Node 20 serves (keeping the first 2000)', async () => {
        const r = await one(`GET ${CSS} HTTP/1.1\r\n${H}${'X-A: b\r\n'.repeat(1500)}\r\n`);
        if (Number(process.versions.node.split('.')[0]) >= 22) isNode(r, 431);
        else isCss(r);
      });

      it('a head over it is answered 431 by Node, and the origin goes on serving', async () => {
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`), 431);
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Accept-Encoding: ${'gzip;q=0.1, '.repeat(1500)}br\r\n\r\n`), 431);
        isNode(await one(`GET /static/${'a/'.repeat(9000)}x HTTP/1.1\r\n${H}\r\n`), 431);
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}\r\n`));
      });

      it('a 14 KiB Accept-Encoding is parsed (not memoised) and answered by its ranking', async () => {
        const r = await one(`GET ${CSS} HTTP/1.1\r\n${H}Accept-Encoding: ${'gzip;q=0.1, '.repeat(1150)}br\r\n\r\n`);
        assert.equal(r.headers['content-encoding'], 'br', 'br has q=1, gzip q=0.1');
        assert.ok(brotliDecompressSync(r.body).equals(css));
      });
    });

    describe('repeated and folded fields', () => {
      it('two Range lines are joined by Node with a comma: different ones make an invalid header (200), and so do equal ones', async () => {
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n`));
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-1\r\nRange: bytes=0-1\r\n\r\n`));
      });

      it('a Range continued on a second Range line becomes one multi-range request (206 multipart), framed exactly', async () => {
        const r = await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-1\r\nRange: 4-5\r\n\r\n`);
        assert.equal(r.status, 206);
        assert.match(r.headers['content-type'], /^multipart\/byteranges; boundary=/);
        assert.equal(Number(r.headers['content-length']), r.body.length);
        assert.ok(r.body.includes(css.subarray(0, 2)) && r.body.includes(css.subarray(4, 6)));
      });

      it('two Accept-Encoding lines are one list: the first mention of a coding counts across both', async () => {
        const br = await one(`GET ${CSS} HTTP/1.1\r\n${H}Accept-Encoding: identity;q=0.1\r\nAccept-Encoding: br\r\n\r\n`);
        assert.equal(br.headers['content-encoding'], 'br');
        assert.ok(brotliDecompressSync(br.body).equals(css));
        const refused = await one(`GET ${CSS} HTTP/1.1\r\n${H}Accept-Encoding: br;q=0\r\nAccept-Encoding: br\r\n\r\n`);
        assert.equal(refused.headers['content-encoding'], undefined, 'br was refused first');
        assert.ok(refused.body.equals(css));
      });

      it('two If-None-Match lines are one list; of two If-Modified-Since lines Node keeps the first', async () => {
        const head = await one(`HEAD ${CSS} HTTP/1.1\r\n${H}\r\n`, 'HEAD');
        const etag = head.headers.etag;
        assert.equal((await one(`GET ${CSS} HTTP/1.1\r\n${H}If-None-Match: "x"\r\nIf-None-Match: ${etag}\r\n\r\n`)).status, 304);
        assert.equal((await one(`GET ${CSS} HTTP/1.1\r\n${H}If-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n`)).status, 304);
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\nIf-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT\r\n\r\n`));
      });

      it('obs-fold (a line continued with a space) is refused by Node with 400, in any header', async () => {
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-1,\r\n 4-5\r\n\r\n`), 400);
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}X-Foo: a\r\n\tb\r\n\r\n`), 400);
      });

      it('a duplicated Host is accepted by Node and served', async () => {
        isCss(await one(`GET ${CSS} HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n`));
      });
    });

    describe('versions and framing', () => {
      it('HTTP/1.0 without Host is served, and the connection closes after the answer', async () => {
        const { responses, rest } = await send(`GET ${CSS} HTTP/1.0\r\n\r\n`);
        isCss(responses[0]);
        assert.equal(rest.length, 0);
        const head = await one(`HEAD ${CSS} HTTP/1.0\r\n\r\n`, 'HEAD');
        assert.equal(head.headers['content-length'], String(css.length));
        isApp(await one(`GET /static/../parent-canary.txt HTTP/1.0\r\n\r\n`));
      });

      it('HTTP/1.1 without Host is refused by Node (400)', async () => {
        const r = await one(`GET ${CSS} HTTP/1.1\r\nConnection: close\r\n\r\n`);
        assert.equal(r.status, 400);
        assert.equal(r.headers.etag, undefined);
      });

      it('a request line without a version is taken as HTTP/0.9-style and answered in HTTP/1.1', async () => {
        isCss(await one(`GET ${CSS}\r\n\r\n`));
      });

      it('HTTP/1.2 and bare-LF line ends are refused by Node (400); HTTP/2.0 in a request line is parsed as 1.x', async () => {
        isNode(await one(`GET ${CSS} HTTP/1.2\r\n${H}\r\n`), 400);
        isNode(await one(`GET ${CSS} HTTP/1.1\nHost: x\nConnection: close\n\n`), 400);
        isCss(await one(`GET ${CSS} HTTP/2.0\r\n${H}\r\n`));
      });

      it('a space before a colon, a NUL in a value, and Content-Length with Transfer-Encoding are refused by Node (400)', async () => {
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range : bytes=0-1\r\n\r\n`), 400);
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-1\0\r\n\r\n`), 400);
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`), 400);
      });

      it('latin-1 bytes in Accept-Encoding and Range are ignored as unknown', async () => {
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}Accept-Encoding: br\u00e9\r\n\r\n`));
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}Range: bytes=0-\u00b91\r\n\r\n`));
      });

      it('Expect: 100-continue gets 100 and then the file; an unknown expectation gets 417 from Node', async () => {
        const { responses, rest } = await send(`GET ${CSS} HTTP/1.1\r\n${H}Expect: 100-continue\r\n\r\n`, ['GET', 'GET']);
        assert.equal(responses[0].status, 100);
        isCss(responses[1]);
        assert.equal(rest.length, 0);
        isNode(await one(`GET ${CSS} HTTP/1.1\r\n${H}Expect: foo\r\n\r\n`), 417);
      });

      it('a GET with a body, and an Upgrade nobody takes, are served as plain GETs', async () => {
        isCss(await one(`GET ${CSS} HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`));
        isCss(await one(`GET ${CSS} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n`));
      });

      it('pipelined requests on one connection are answered in order, each framed exactly (hit, HEAD, miss, range, attack, hit)', async () => {
        const png = fx.files.get('img/logo.png')!.identity;
        const requests = [
          `GET ${CSS} HTTP/1.1\r\nHost: x\r\n\r\n`,
          'HEAD /static/img/logo.png HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /static/nope HTTP/1.1\r\nHost: x\r\n\r\n',
          `GET ${CSS} HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n`,
          'GET /static/%2e%2e/parent-canary.txt HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /static/img/logo.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ];
        const { responses, rest } = await send(requests.join(''), ['GET', 'HEAD', 'GET', 'GET', 'GET', 'GET']);
        assert.deepEqual(
          responses.map((r) => r.status),
          [200, 200, 404, 206, 404, 200],
        );
        assert.ok(responses[0].body.equals(css));
        assert.equal(responses[1].headers['content-length'], String(png.length));
        assert.equal(responses[1].body.length, 0);
        assert.equal(responses[2].body.toString(), 'app');
        assert.ok(responses[3].body.equals(css.subarray(10, 20)));
        assert.equal(responses[4].body.toString(), 'app');
        assert.ok(responses[5].body.equals(png));
        assert.equal(rest.length, 0);
        for (const canary of fx.canaries) assert.ok(!Buffer.concat(responses.map((r) => r.body)).includes(canary));
      });
    });

    it('after all of it: still up, and its descriptors back to their baseline', async () => {
      assert.equal(origin.ended(), undefined);
      const now = await settleDescriptors(origin, baseline);
      assert.ok(now <= baseline, `descriptors: ${baseline} before, ${now} after`);
    });
  });
}
