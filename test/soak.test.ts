// A bounded soak: mixed traffic (200, 304, 206 single and multipart, HEAD, 416, misses; several
// files, several encodings) over keep-alive connections from a few parallel agents, against
// an origin in its own process whose memory cache (256 KiB) is far smaller than its root.
// Every answer is verified to the byte; the body cache is sampled all along and must never
// hold more than maxBytes; memory is sampled after a warm-up and at the end and must stay flat.
//
// Short form in `npm test` (15 s of traffic); the long form is `SOAK_SECONDS=600`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { css, put, tempDir } from './helpers/fixtures.js';
import { startOrigin, type OriginChild, type OriginStats } from './helpers/origin-child.js';
import { random } from './helpers/random.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 15);
const SEED = Number(process.env.SOAK_SEED ?? 7);
const AGENTS = 4;
const LANES_PER_AGENT = 2;
const MiB = 1024 * 1024;
const MEMORY_CACHE = { maxBytes: 256 * 1024, maxFileBytes: 64 * 1024 };
/**
 * RSS may grow this much from the end of the warm-up to the end of the run. What the origin
 * legitimately holds in steady state is bounded: the body cache (256 KiB), the spare read
 * buffers (8 × 1 MiB), two 1 MiB read buffers per stream in flight (8 lanes: 16 MiB), the
 * Accept-Encoding memo (≤ 500 short strings). Freed 1 MiB buffers stay in glibc's heap once
 * its dynamic mmap threshold has risen, so RSS climbs in steps to the peak of buffers ever
 * live at once (24 MiB) and then stays flat: a 600 s run climbed 21.5 MiB in its first half
 * and not at all in its second. 24 MiB of buffers plus 8 MiB of allocator and V8 noise is
 * the bound. A leak is caught more finely by the heap and buffer checks below; this one
 * catches memory outside V8's view (native handles, descriptors' buffers) that grows with
 * the requests: a million of them in the long form.
 */
const RSS_GROWTH = 32 * MiB;
/** The V8 heap after a collection may grow this much (it holds nothing per request once answered). */
const HEAP_GROWTH = 4 * MiB;
/**
 * Buffers alive after a collection at rest: the spare read buffers (8 × 1 MiB), the memory
 * cache's bodies (256 KiB) and Node's own (about 1 MiB on Node 20, 2.2 MiB on Node 24 —
 * measured). A leak grows with the requests (tens of thousands here), far past this.
 */
const BUFFERS_AT_REST = 12 * MiB;

interface SoakFile {
  url: string;
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetch(agent: Agent, port: number, path: string, method: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.end();
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe(`soak (${SECONDS} s, seed ${SEED})`, () => {
  let tmp: { dir: string; cleanup(): void };
  let origin: OriginChild;
  const files: SoakFile[] = [];

  before(async () => {
    tmp = tempDir('soak');
    const next = random(SEED);
    // 24 compressible files of 8–60 KiB with both variants (about 800 KiB of identity bytes,
    // three times the cache), and two large files that always stream from disk.
    for (let i = 0; i < 24; i++) {
      const body = Buffer.from(css(8 * 1024 + Math.floor(next() * 52 * 1024), `f${i}`));
      const rel = `css/file-${i}.css`;
      put(tmp.dir, rel, body);
      const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
      const gz = gzipSync(body, { level: 6 });
      put(tmp.dir, `${rel}.br`, br);
      put(tmp.dir, `${rel}.gz`, gz);
      files.push({ url: `/static/${rel}`, identity: body, br, gzip: gz });
    }
    for (const [name, size] of [
      ['media/a.bin', 2 * MiB],
      ['media/b.bin', 3 * MiB + 12345],
    ] as const) {
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 2654435761 + size) >>> 24;
      put(tmp.dir, name, body);
      files.push({ url: `/static/${name}`, identity: body });
    }
    origin = await startOrigin(tmp.dir, { memoryCache: MEMORY_CACHE }, ['--expose-gc']);
  });
  after(async () => {
    await origin.stop();
    tmp.cleanup();
  });

  it('zero errors, every body verified, the cache within maxBytes, memory flat after warm-up', async (t) => {
    const totalBytes = files.reduce((n, f) => n + f.identity.length, 0);
    assert.ok(totalBytes > 16 * MEMORY_CACHE.maxBytes, 'the root is far larger than the cache');
    const next = random(SEED + 1);
    const etags = new Map<string, string>(); // url + coding → ETag seen
    const counts = new Map<string, number>();
    const errors: string[] = [];
    let requests = 0;
    let cachePeak = 0;
    const started = Date.now();
    const end = started + SECONDS * 1000;
    const warmUpEnd = started + Math.max(3_000, Math.min(SECONDS * 200, 60_000));
    const samples: OriginStats[] = [];
    let warm: OriginStats | undefined;

    const fail = (what: string): void => {
      if (errors.length < 20) errors.push(what);
      else errors.length++;
    };

    /** One request of a random kind, verified; resolves when its answer is checked. */
    async function one(agent: Agent): Promise<void> {
      const r = next();
      // One request in twenty streams a large file from disk; the others share the small ones.
      const file = next() < 0.05 ? files[files.length - 1 - Math.floor(next() * 2)] : files[Math.floor(next() * (files.length - 2))];
      const codings = ['identity', 'gzip', 'br', 'br, gzip'] as const;
      const ae = codings[Math.floor(next() * codings.length)];
      const headers: Record<string, string> = ae === 'identity' ? {} : { 'accept-encoding': ae };
      let kind: string;
      let method = 'GET';
      let path = file.url;
      if (r < 0.45) kind = '200';
      else if (r < 0.62) kind = '304';
      else if (r < 0.74) kind = '206';
      else if (r < 0.8) kind = '206 multipart';
      else if (r < 0.88) kind = 'HEAD';
      else if (r < 0.9) kind = '416';
      else kind = 'miss';
      const size = file.identity.length;
      let start = 0;
      let stop = 0;
      if (kind === '304') {
        const known = etags.get(`${file.url} ${ae}`);
        if (known === undefined) kind = '200';
        else headers['if-none-match'] = known;
      }
      if (kind === '206') {
        start = Math.floor(next() * size);
        stop = Math.min(size - 1, start + Math.floor(next() * 100_000));
        headers.range = `bytes=${start}-${stop}`;
      } else if (kind === '206 multipart') {
        headers.range = `bytes=0-99,${Math.floor(size / 2)}-${Math.floor(size / 2) + 999},-10`;
      } else if (kind === '416') {
        headers.range = `bytes=${size + 10}-`;
      } else if (kind === 'HEAD') {
        method = 'HEAD';
      } else if (kind === 'miss') {
        path = `/static/css/missing-${Math.floor(next() * 1000)}.css`;
      }
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      let reply: Reply;
      try {
        reply = await fetch(agent, origin.port, path, method, headers);
      } catch (err) {
        fail(`${kind} ${path}: ${(err as Error).message}`);
        return;
      }
      requests++;
      const where = `${kind} ${path} (${ae})`;
      const expectStatus = { '200': 200, '304': 304, '206': 206, '206 multipart': 206, HEAD: 200, '416': 416, miss: 404 }[kind];
      if (reply.status !== expectStatus) return fail(`${where}: status ${reply.status}`);
      if (reply.headers['content-length'] !== undefined && method !== 'HEAD' && Number(reply.headers['content-length']) !== reply.body.length) {
        return fail(`${where}: Content-Length ${reply.headers['content-length']}, ${reply.body.length} bytes`);
      }
      const encoding = reply.headers['content-encoding'] as string | undefined;
      const variant = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.identity;
      switch (kind) {
        case '200': {
          if (variant === undefined) return fail(`${where}: Content-Encoding ${encoding} for a file without it`);
          if (!reply.body.equals(variant)) return fail(`${where}: body differs (${encoding ?? 'identity'})`);
          const decoded = encoding === 'br' ? brotliDecompressSync(reply.body) : encoding === 'gzip' ? gunzipSync(reply.body) : reply.body;
          if (sha(decoded) !== sha(file.identity)) return fail(`${where}: decoded body differs`);
          etags.set(`${file.url} ${ae}`, reply.headers.etag as string);
          break;
        }
        case '304':
          if (reply.body.length !== 0 || reply.headers.etag !== headers['if-none-match']) return fail(`${where}: 304 with ETag ${reply.headers.etag}`);
          break;
        case '206':
          if (reply.headers['content-range'] !== `bytes ${start}-${stop}/${size}` || !reply.body.equals(file.identity.subarray(start, stop + 1))) return fail(`${where}: wrong range`);
          break;
        case '206 multipart': {
          const half = Math.floor(size / 2);
          const wanted = [file.identity.subarray(0, 100), file.identity.subarray(half, half + 1000), file.identity.subarray(size - 10)];
          if (!String(reply.headers['content-type']).startsWith('multipart/byteranges') || !wanted.every((w) => reply.body.includes(w))) return fail(`${where}: wrong multipart body`);
          break;
        }
        case 'HEAD':
          if (reply.body.length !== 0 || variant === undefined || Number(reply.headers['content-length']) !== variant.length)
            return fail(`${where}: HEAD Content-Length ${reply.headers['content-length']}`);
          break;
        case '416':
          if (reply.headers['content-range'] !== `bytes */${size}`) return fail(`${where}: 416 Content-Range ${reply.headers['content-range']}`);
          break;
        case 'miss':
          if (reply.body.toString() !== 'app') return fail(`${where}: not the app's 404`);
          break;
      }
    }

    const agents = Array.from({ length: AGENTS }, () => new Agent({ keepAlive: true, maxSockets: LANES_PER_AGENT }));
    const lane = async (agent: Agent): Promise<void> => {
      while (Date.now() < end && origin.ended() === undefined) await one(agent);
    };
    const sampler = (async () => {
      while (Date.now() < end && origin.ended() === undefined) {
        await new Promise((r) => setTimeout(r, 250));
        const s = await origin.stats(false).catch(() => undefined);
        if (s === undefined) continue;
        cachePeak = Math.max(cachePeak, s.cache.used, s.cache.held);
        if (s.cache.used > MEMORY_CACHE.maxBytes || s.cache.held > MEMORY_CACHE.maxBytes) fail(`cache over budget: used ${s.cache.used}, held ${s.cache.held}`);
        if (warm === undefined && Date.now() >= warmUpEnd) warm = await origin.stats(true);
        samples.push(s);
      }
    })();
    try {
      await Promise.all([...agents.flatMap((agent) => Array.from({ length: LANES_PER_AGENT }, () => lane(agent))), sampler]);
    } finally {
      for (const agent of agents) agent.destroy();
    }
    // V8 frees array buffers' memory behind a collection, on a sweeper of its own: ask again (bounded).
    let final = await origin.stats(true);
    for (let i = 0; i < 20 && final.arrayBuffers > BUFFERS_AT_REST; i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = await origin.stats(true);
    }
    const seconds = (Date.now() - started) / 1000;
    warm ??= samples[0];

    const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
    t.diagnostic(
      `${requests} requests in ${seconds.toFixed(1)} s (${Math.round(requests / seconds)}/s) over ${AGENTS} keep-alive agents × ${LANES_PER_AGENT}: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    t.diagnostic(
      `cache peak ${cachePeak} of ${MEMORY_CACHE.maxBytes} bytes; rss ${mib(warm.rss)} after warm-up, ${mib(final.rss)} at the end, ${mib(Math.max(...samples.map((s) => s.rss)))} at most; heap ${mib(warm.heapUsed)} → ${mib(final.heapUsed)}; buffers ${mib(warm.arrayBuffers)} → ${mib(final.arrayBuffers)}; descriptors ${warm.fds} → ${final.fds}`,
    );
    const step = Math.max(1, Math.floor(samples.length / 10));
    t.diagnostic(
      `rss along the run: ${samples
        .filter((_, i) => i % step === 0)
        .map((s) => (s.rss / MiB).toFixed(0))
        .join(', ')} MiB`,
    );
    assert.equal(origin.ended(), undefined, 'the origin is up');
    assert.deepEqual(errors, [], `${errors.length} errors`);
    assert.ok(requests > 0);
    assert.ok(cachePeak <= MEMORY_CACHE.maxBytes, `cache peak ${cachePeak}`);
    assert.ok(final.cache.used === final.cache.held, `at rest the cache counts what it holds: used ${final.cache.used}, held ${final.cache.held}`);
    assert.ok(final.heapUsed <= warm.heapUsed + HEAP_GROWTH, `heap ${mib(warm.heapUsed)} after warm-up, ${mib(final.heapUsed)} at the end`);
    assert.ok(final.arrayBuffers <= BUFFERS_AT_REST, `buffers at rest ${mib(final.arrayBuffers)}`);
    assert.ok(final.rss <= warm.rss + RSS_GROWTH, `rss ${mib(warm.rss)} after warm-up, ${mib(final.rss)} at the end`);
  });
});
