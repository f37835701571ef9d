// Files that change while requests are in flight, in production and in development mode:
// deleted, truncated, grown, replaced by rename (with its siblings, or leaving them stale),
// rewritten in place at the same size, rewritten keeping their old mtime, and refresh()
// under load. For each, eight lanes of raw requests (whole, encoded, ranges, HEAD) run
// against a small file (answered from memory) and a large one (streamed from disk) while the
// change happens. Every answer must be one whole version of the file whose validators
// describe it — its ETag is the hash of the very bytes sent (identity, or decoded), one ETag
// never stands for two bodies, Content-Length is what arrived — or a clean miss, or a
// connection aborted mid-body (never a short body passed off as whole). Where a scenario
// says so, a reader of a 16 MiB file stops after its first bytes until the change is made,
// so that one stream is surely mid-file when it happens. docs/reliability.md has the figures.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, openSync, renameSync, statSync, truncateSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import etag from 'etag';
import { css, put, sha256, sri, tempDir } from './helpers/fixtures.js';
import { startOrigin, type OriginChild } from './helpers/origin-child.js';
import { parseResponses, rawOnce, type RawResponse } from './helpers/raw-http.js';

const LANES = 8;
const BEFORE_MS = 200;
const AFTER_MS = 500;
const SMALL = 40 * 1024;
const LARGE = 3 * 1024 * 1024;
const V1_TIME = new Date('2026-01-02T03:04:05Z');
const V2_TIME = new Date('2026-02-03T04:05:06Z');

const brotli = (b: Buffer): Buffer => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
const gzip = (b: Buffer): Buffer => gzipSync(b, { level: 1 });
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** `size` bytes of CSS: a 64 KiB block of rules for `seed`, repeated (every page differs between seeds). */
function text(size: number, seed: string): Buffer {
  const block = Buffer.from(css(64 * 1024, seed));
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += block.length) block.copy(out, at, 0, Math.min(block.length, size - at));
  return out;
}

interface Subject {
  rel: string;
  v1: Buffer;
  /** Every version the file may be answered with (v1 first). */
  versions: Buffer[];
  /** Other states the file passes through while it changes, judged by `transient`. */
  transient?: (body: Buffer) => boolean;
  /** Not asked by the lanes: one reader takes its first bytes before the change and the rest after it. */
  paused?: boolean;
}

interface Scenario {
  name: string;
  /** Only in this mode (both when undefined). */
  only?: 'production' | 'development';
  /** Writes the files as they are at startup; returns the subjects. */
  build(root: string): Subject[];
  /** The change, made while the lanes run (and while the paused reader waits). */
  change(root: string, subjects: Subject[]): Promise<void> | void;
  /**
   * What the paused reader of the 16 MiB file must get, when the scenario has one: aborted
   * mid-body (its file shrank under it), or exactly v1 (the descriptor it opened still reads
   * v1's bytes, or the stream is cut at v1's length); 'judged' holds it to the lanes' rules.
   */
  paused?: 'aborted' | 'v1' | 'judged';
  /** Calls refresh() all along. */
  refreshing?: boolean;
  /** What a request answers once the change is done and refresh() was called: the last version, or a miss. */
  gone?: boolean;
}

function write(root: string, rel: string, body: Buffer, mtime: Date, siblings = true): void {
  put(root, rel, body, mtime);
  if (siblings) {
    put(root, `${rel}.br`, brotli(body), mtime);
    put(root, `${rel}.gz`, gzip(body), mtime);
  }
}

const PAUSED_SIZE = 16 * 1024 * 1024;

/**
 * The small and the large file of a scenario, v1 written with its siblings; with `paused`,
 * also a 16 MiB file (no siblings) for the paused reader: larger than what the socket
 * buffers and the server's two read buffers hold, so its stream is surely mid-file.
 */
function pair(root: string, dir: string, v2?: (v1: Buffer, seed: string) => Buffer, paused = false): Subject[] {
  const subjects = files(root, dir, v2);
  if (paused) {
    const rel = `${dir}/paused.bin`;
    const v1 = text(PAUSED_SIZE, `${dir}-paused-v1`);
    write(root, rel, v1, V1_TIME, false);
    subjects.push({ rel, v1, versions: v2 ? [v1, v2(v1, `${dir}-paused-v2`)] : [v1], paused: true });
  }
  return subjects;
}

function files(root: string, dir: string, v2?: (v1: Buffer, seed: string) => Buffer): Subject[] {
  // (The large one is not named .css: development mode lexes a changed stylesheet for its
  // references on the event loop, about 200 ms per MiB, which would slow the storm to a crawl.)
  return [
    ['small.css', SMALL],
    ['large.txt', LARGE],
  ].map(([name, size]) => {
    const rel = `${dir}/${name}`;
    const v1 = text(size as number, `${dir}-v1`);
    write(root, rel, v1, V1_TIME);
    return { rel, v1, versions: v2 ? [v1, v2(v1, `${dir}-v2`)] : [v1] };
  });
}

const sameSize = (v1: Buffer, seed: string): Buffer => text(v1.length, seed);

/** Writes `body` over the file's bytes without truncating it (the size never changes). */
function writeInPlace(path: string, body: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, body, 0, body.length, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * A reader that takes the head and the first bytes of `target`, then stops reading (the
 * server's stream is then blocked mid-file, its file open and checked) until `resume()`.
 */
function pausedReader(port: number, target: string): { paused: Promise<void>; resume(): Promise<{ response: RawResponse | undefined; error: string | undefined }> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let error: string | undefined;
  let onPause: () => void = () => {};
  const paused = new Promise<void>((resolve) => {
    onPause = resolve;
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      onPause();
      resolve();
    }),
  );
  const timer = setTimeout(() => {
    error = 'timeout';
    socket.destroy();
  }, 15_000);
  socket.on('connect', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  socket.on('data', (c: Buffer) => {
    if (chunks.length === 0) {
      socket.pause();
      onPause();
    }
    chunks.push(c);
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    error ??= err.code;
  });
  return {
    paused,
    async resume() {
      socket.resume();
      await closed;
      clearTimeout(timer);
      return { response: parseResponses(Buffer.concat(chunks), ['GET']).responses[0], error };
    },
  };
}

/** Whether every 4 KiB page of `body` is the same page of one version or the other (an in-place rewrite read mid-way). */
function pageMix(a: Buffer, b: Buffer): (body: Buffer) => boolean {
  return (body) => {
    if (body.length !== a.length) return false;
    for (let i = 0; i < body.length; i += 4096) {
      const page = body.subarray(i, i + 4096);
      if (!page.equals(a.subarray(i, i + 4096)) && !page.equals(b.subarray(i, i + 4096))) return false;
    }
    return true;
  };
}

const withPageMix = (subjects: Subject[]): Subject[] => subjects.map((s) => ({ ...s, transient: pageMix(s.v1, s.versions[1]) }));

const scenarios: Scenario[] = [
  {
    name: 'deleted',
    build: (root) => pair(root, 'deleted', undefined, true),
    change: (root, subjects) => {
      for (const s of subjects) unlinkSync(join(root, s.rel));
    },
    paused: 'v1',
    gone: true,
  },
  {
    name: 'truncated in place',
    build: (root) => pair(root, 'truncated', (v1) => v1.subarray(0, Math.floor(v1.length / 3)), true),
    change: (root, subjects) => {
      for (const s of subjects) truncateSync(join(root, s.rel), s.versions[1].length);
    },
    paused: 'aborted',
  },
  {
    name: 'grown (appended to)',
    build: (root) =>
      pair(root, 'grown', (v1, seed) => Buffer.concat([v1, text(v1.length / 2, seed)]), true).map((s) => ({
        ...s,
        // An append is seen part-written by a reader that stats in between: a longer prefix of v2.
        transient: (body: Buffer) => body.length > s.v1.length && s.versions[1].subarray(0, body.length).equals(body),
      })),
    change: (root, subjects) => {
      for (const s of subjects) appendFileSync(join(root, s.rel), s.versions[1].subarray(s.v1.length));
    },
    paused: 'v1',
  },
  {
    name: 'replaced by rename, siblings first',
    build: (root) => pair(root, 'renamed', (v1, seed) => text(v1.length + 1000, seed)),
    change: (root, subjects) => {
      for (const s of subjects) {
        const v2 = s.versions[1];
        const later = new Date(V2_TIME.getTime() + 1000);
        for (const [suffix, bytes] of [
          ['.br', brotli(v2)],
          ['.gz', gzip(v2)],
          ['', v2],
        ] as const) {
          put(root, `${s.rel}${suffix}.tmp`, bytes, suffix === '' ? V2_TIME : later);
          renameSync(join(root, `${s.rel}${suffix}.tmp`), join(root, `${s.rel}${suffix}`));
        }
      }
    },
  },
  {
    name: 'replaced by rename, siblings left stale',
    build: (root) => pair(root, 'stale-siblings', (v1, seed) => text(v1.length + 1000, seed), true),
    change: (root, subjects) => {
      for (const s of subjects) {
        put(root, `${s.rel}.tmp`, s.versions[1], V2_TIME);
        renameSync(join(root, `${s.rel}.tmp`), join(root, s.rel));
      }
    },
    paused: 'v1',
  },
  {
    // The paused reader's file is rewritten once; the others thirty-one times, 10 ms apart
    // (v2, v1, v2, …, v2), so that some rewrites land while the lanes read.
    name: 'same-size rewrite in place',
    build: (root) => withPageMix(pair(root, 'same-size', sameSize, true)),
    change: async (root, subjects) => {
      for (const s of subjects) if (s.paused) writeInPlace(join(root, s.rel), s.versions[1]);
      for (let k = 0; k < 31; k++) {
        for (const s of subjects) if (!s.paused) writeInPlace(join(root, s.rel), s.versions[k % 2 === 0 ? 1 : 0]);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    paused: 'judged',
  },
  {
    // What `cp -p`, `rsync -a --inplace` or `tar x` do to a same-size edit: new bytes, old mtime, same inode.
    name: 'same-size rewrite in place keeping the old mtime (cp -p)',
    build: (root) => withPageMix(pair(root, 'keep-mtime', sameSize)),
    change: (root, subjects) => {
      for (const s of subjects) {
        writeInPlace(join(root, s.rel), s.versions[1]);
        utimesSync(join(root, s.rel), V1_TIME, V1_TIME);
      }
    },
  },
  {
    // What `rsync -a` does to a same-size edit of a file the manifest lists: a new inode, the
    // build's mtime (not newer than the manifest), the old manifest still in memory.
    name: 'replaced by rename keeping the old mtime, a file the manifest lists',
    only: 'production',
    build: (root) => {
      const subjects = pair(root, 'listed', sameSize);
      const listed: Record<string, unknown> = {};
      for (const s of subjects) listed[s.rel] = { size: s.v1.length, hash: sha256(s.v1), integrity: sri(s.v1), encodings: { br: brotli(s.v1).length, gzip: gzip(s.v1).length } };
      put(root, 'staticfiles.json', JSON.stringify({ version: 1, paths: {}, files: listed }), V2_TIME);
      return subjects;
    },
    change: (root, subjects) => {
      for (const s of subjects) {
        put(root, `${s.rel}.tmp`, s.versions[1], V1_TIME);
        renameSync(join(root, `${s.rel}.tmp`), join(root, s.rel));
      }
    },
  },
  {
    name: 'refresh() under load while files are replaced',
    build: (root) => pair(root, 'refreshed', (v1, seed) => text(v1.length - 500, seed)),
    refreshing: true,
    change: (root, subjects) => {
      for (const s of subjects) {
        const v2 = s.versions[1];
        for (const [suffix, bytes] of [
          ['.br', brotli(v2)],
          ['.gz', gzip(v2)],
          ['', v2],
        ] as const) {
          put(root, `${s.rel}${suffix}.tmp`, bytes, V2_TIME);
          renameSync(join(root, `${s.rel}${suffix}.tmp`), join(root, `${s.rel}${suffix}`));
        }
      }
    },
  },
];

const KINDS = ['identity', 'br, gzip', 'gzip', 'range', 'head'] as const;
type Kind = (typeof KINDS)[number];

interface Tally {
  whole: number;
  transient: number;
  ranges: number;
  heads: number;
  misses: number;
  unavailable: number;
  aborted: number;
  /** The longest a request took, in ms. */
  slowest: number;
  problems: string[];
}

/** Runs the lanes against the subjects, makes the change after BEFORE_MS, stops AFTER_MS later. */
async function storm(origin: OriginChild, root: string, scenario: Scenario, subjects: Subject[], mode: string): Promise<Tally> {
  const tally: Tally = { whole: 0, transient: 0, ranges: 0, heads: 0, misses: 0, unavailable: 0, aborted: 0, slowest: 0, problems: [] };
  const etags = new Map<string, string>(); // ETag → hash of the identity bytes it was sent for
  let stop = false;
  const problem = (what: string): void => {
    if (tally.problems.length < 10) tally.problems.push(what);
  };

  /** The ETag's tag body describes these identity bytes: the etag package's hash, or the manifest's. */
  const describes = (tag: string, identity: Buffer): boolean => tag === etag(identity) || tag === `"${hash(identity).slice(0, 32)}"`;

  /** Judges one answer to a request of `kind` (bytes start-end for a range) for subject `s`. */
  function judge(s: Subject, kind: Kind, start: number, end: number, r: RawResponse | undefined, rest: Buffer, error: string | undefined): void {
    const where = `${kind} ${s.rel}`;
    if (r === undefined) {
      problem(`${where}: no answer (${error ?? 'closed'})`);
      return;
    }
    if (rest.length > 0) problem(`${where}: ${rest.length} bytes after the body`);
    if (r.status === 404) {
      if (r.body.toString() !== 'app' && kind !== 'head') problem(`${where}: a 404 that is not the app's`);
      tally.misses++;
      return;
    }
    // A file that changed again each time it was re-indexed: a deliberate, uncacheable 503.
    if (r.status === 503) {
      if (r.headers['retry-after'] !== '1' || r.headers['cache-control'] !== 'no-store') problem(`${where}: a 503 that is not the deliberate one`);
      tally.unavailable++;
      return;
    }
    if (r.short) {
      tally.aborted++;
      return;
    }
    const tag = r.headers.etag ?? '';
    const coding = r.headers['content-encoding'];
    const identityTag = tag.replace(/-(br|gz)"$/, '"');
    if (kind === 'head') {
      if (r.status !== 200) problem(`${where}: ${r.status}`);
      // The tag of a file the manifest does not list starts with its length in hex.
      const declared = /^"([0-9a-f]+)-/.exec(tag);
      if (coding === undefined && declared !== null && parseInt(declared[1], 16) !== Number(r.headers['content-length']))
        problem(`${where}: Content-Length ${r.headers['content-length']} under ETag ${tag}`);
      tally.heads++;
      return;
    }
    if (kind === 'range') {
      if (r.status === 416) {
        // The range starts past the end of a shorter version.
        const total = Number(/^bytes \*\/(\d+)$/.exec(r.headers['content-range'] ?? '')?.[1]);
        if (!s.versions.some((v) => v.length === total && start >= total)) problem(`${where}: 416 ${r.headers['content-range']} for bytes=${start}-${end}`);
        tally.ranges++;
        return;
      }
      if (r.status === 200) {
        // A range of a version shorter than the range asked may be answered whole.
      } else if (r.status !== 206) {
        problem(`${where}: ${r.status}`);
        return;
      } else {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.headers['content-range'] ?? '');
        const total = Number(m?.[3]);
        const version = s.versions.find((v) => v.length === total && v.subarray(Number(m?.[1]), Number(m?.[2]) + 1).equals(r.body));
        if (m === null || version === undefined) {
          problem(`${where}: the range is no version's bytes (${r.headers['content-range']})`);
          return;
        }
        const seen = etags.get(tag);
        if (seen !== undefined && seen !== hash(version)) problem(`${where}: ETag ${tag} stands for other bytes than this range's version`);
        tally.ranges++;
        return;
      }
    }
    if (r.status !== 200) {
      problem(`${where}: ${r.status}`);
      return;
    }
    let identity: Buffer;
    try {
      identity = coding === 'br' ? brotliDecompressSync(r.body) : coding === 'gzip' ? gunzipSync(r.body) : r.body;
    } catch (err) {
      problem(`${where}: the ${coding} body does not decode (${(err as Error).message})`);
      return;
    }
    const isVersion = s.versions.some((v) => v.equals(identity));
    if (!isVersion && !(s.transient?.(identity) ?? false)) {
      const which = s.versions.map((v, k) => `v${k + 1}: ${v.length} bytes`).join(', ');
      problem(`${where}: ${coding ?? 'identity'} body of ${identity.length} bytes is no version of the file (${which}) under ETag ${tag}`);
      return;
    }
    if (!describes(identityTag, identity)) {
      const named = s.versions.findIndex((v) => describes(identityTag, v));
      problem(
        `${where}: ETag ${tag} does not describe the ${coding ?? 'identity'} body sent (${isVersion ? `v${s.versions.findIndex((v) => v.equals(identity)) + 1}` : 'a part-written state'}${named >= 0 ? `; the tag is v${named + 1}'s` : ''})`,
      );
      return;
    }
    const digest = hash(identity);
    const seen = etags.get(tag);
    if (seen !== undefined && seen !== digest) problem(`${where}: ETag ${tag} stood for two bodies`);
    etags.set(tag, digest);
    if (isVersion) tally.whole++;
    else tally.transient++;
  }

  const asked = subjects.filter((s) => !s.paused);
  async function lane(n: number): Promise<void> {
    for (let i = n; !stop; i += LANES) {
      const s = asked[i % asked.length];
      const kind = KINDS[Math.floor(i / asked.length) % KINDS.length];
      let head = `${kind === 'head' ? 'HEAD' : 'GET'} /static/${s.rel} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n`;
      let start = 0;
      let end = 0;
      if (kind === 'range') {
        start = (i * 7919) % s.v1.length;
        end = Math.min(start + 100_000, s.v1.length - 1);
        head += `Range: bytes=${start}-${end}\r\n`;
      } else if (kind !== 'head') {
        head += `Accept-Encoding: ${kind}\r\n`;
      }
      const sent = Date.now();
      const { response: r, rest, error } = await rawOnce(origin.port, `${head}\r\n`, kind === 'head' ? 'HEAD' : 'GET', 15_000);
      tally.slowest = Math.max(tally.slowest, Date.now() - sent);
      judge(s, kind, start, end, r, rest, error);
    }
  }

  const lanes = Array.from({ length: LANES }, (_, n) => lane(n));
  let refresher: Promise<void> = Promise.resolve();
  if (scenario.refreshing) {
    refresher = (async () => {
      while (!stop) {
        await origin.refresh();
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
  }
  await new Promise((r) => setTimeout(r, BEFORE_MS));
  const readers = subjects.filter((s) => s.paused).map((s) => ({ s, reader: pausedReader(origin.port, `/static/${s.rel}`) }));
  await Promise.all(readers.map(({ reader }) => reader.paused));
  await scenario.change(root, subjects);
  await new Promise((r) => setTimeout(r, AFTER_MS));
  stop = true;
  await Promise.all([...lanes, refresher]);
  for (const { s, reader } of readers) {
    const { response, error } = await reader.resume();
    const where = `the paused reader of ${s.rel}`;
    if (scenario.paused === 'aborted' && response?.short !== true) problem(`${where}: not aborted (${response?.status}, ${response?.body.length} of ${response?.declared} bytes)`);
    if (scenario.paused === 'v1' && !(response?.status === 200 && !response.short && response.body.equals(s.v1))) {
      problem(`${where}: not v1 whole (${response?.status}, ${response?.body.length} of ${response?.declared} bytes${response?.short ? ', aborted' : ''})`);
    }
    judge(s, 'identity', 0, 0, response, Buffer.alloc(0), error);
  }
  if (origin.ended() !== undefined) tally.problems.push(`${mode}: the origin ended (${origin.ended()}): ${origin.stderr()}`);
  return tally;
}

for (const mode of ['production', 'development'] as const) {
  describe(`files that change while requests are in flight (${mode})`, () => {
    let tmp: { dir: string; cleanup(): void };
    let origin: OriginChild;
    const built = new Map<string, Subject[]>();
    const mine = scenarios.filter((s) => s.only === undefined || s.only === mode);

    before(async () => {
      tmp = tempDir('in-flight');
      for (const scenario of mine) built.set(scenario.name, scenario.build(tmp.dir));
      origin = await startOrigin(tmp.dir, { dev: mode === 'development' });
    });
    after(async () => {
      await origin.stop();
      tmp.cleanup();
    });

    for (const scenario of mine) {
      it(`${scenario.name}: every answer is one whole version that its validators describe, a miss, or an abort`, async (t) => {
        const subjects = built.get(scenario.name)!;
        // Warm: every variant indexed, the small file's bodies in memory.
        for (const s of subjects)
          for (const ae of s.paused ? ['identity'] : ['identity', 'br', 'gzip'])
            await rawOnce(origin.port, `GET /static/${s.rel} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${ae}\r\nConnection: close\r\n\r\n`, 'GET');
        const tally = await storm(origin, tmp.dir, scenario, subjects, mode);
        t.diagnostic(
          `${tally.whole} whole, ${tally.transient} part-written states (tag matching), ${tally.ranges} ranges, ${tally.heads} HEAD, ${tally.misses} misses, ${tally.unavailable} deliberate 503s, ${tally.aborted} aborted mid-body; slowest request ${tally.slowest} ms`,
        );
        assert.deepEqual(tally.problems, [], `${scenario.name} (${mode})`);
        assert.equal(origin.ended(), undefined, 'the origin is up');

        // Once the change is done and refresh() was called: the file as it is now, or a miss.
        await origin.refresh();
        for (const s of subjects) {
          const { response } = await rawOnce(origin.port, `GET /static/${s.rel} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'GET');
          if (scenario.gone) assert.equal(response?.status, 404, s.rel);
          else assert.ok(response?.body.equals(s.versions[s.versions.length - 1]), `${s.rel}: the last version after refresh()`);
        }
        const stats = await origin.stats();
        assert.ok(stats.cache.used <= stats.cache.maxBytes, `cache ${stats.cache.used} of ${stats.cache.maxBytes}`);
      });
    }

    if (mode === 'development') {
      it('development answers the file as it is now without refresh(), whatever its mtime says', async () => {
        // README: in development "every answer, 304s included, describes the file as it is now".
        const tmpRoot = tempDir('in-flight-now');
        const dev = await startOrigin(tmpRoot.dir, { dev: true });
        try {
          const subjects = pair(tmpRoot.dir, 'now', sameSize);
          for (const s of subjects) {
            const first = await rawOnce(dev.port, `GET /static/${s.rel} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'GET');
            assert.ok(first.response?.body.equals(s.v1));
            writeInPlace(join(tmpRoot.dir, s.rel), s.versions[1]);
            utimesSync(join(tmpRoot.dir, s.rel), V1_TIME, V1_TIME);
            assert.equal(statSync(join(tmpRoot.dir, s.rel)).mtimeMs, V1_TIME.getTime());
            const now = await rawOnce(dev.port, `GET /static/${s.rel} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'GET');
            assert.ok(now.response?.body.equals(s.versions[1]), `${s.rel}: the bytes on disk now (got ${now.response?.body.equals(s.v1) ? 'v1' : 'other bytes'})`);
            assert.equal(now.response?.headers.etag, etag(s.versions[1]), `${s.rel}: the ETag of the bytes on disk now`);
          }
        } finally {
          await dev.stop();
          tmpRoot.cleanup();
        }
      });

      it('a root copied siblings first (cp -a, rsync and cpSync go in directory order) keeps its variants in development', async () => {
        // README, development mode: "Precompressed siblings are used only when present and not
        // older than their file." Here they are exactly as old (same mtime), only copied first.
        const tmpRoot = tempDir('in-flight-copied');
        try {
          const body = text(SMALL, 'copied');
          put(tmpRoot.dir, 'app.js.gz', gzip(body), V1_TIME);
          put(tmpRoot.dir, 'app.js.br', brotli(body), V1_TIME);
          await new Promise((r) => setTimeout(r, 30)); // the next write gets a later ctime, even on a coarse clock
          put(tmpRoot.dir, 'app.js', body, V1_TIME);
          const dev = await startOrigin(tmpRoot.dir, { dev: true });
          try {
            for (const coding of ['gzip', 'br']) {
              const { response } = await rawOnce(dev.port, `GET /static/app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${coding}\r\nConnection: close\r\n\r\n`, 'GET');
              assert.equal(response?.status, 200);
              assert.equal(response?.headers['content-encoding'], coding, `the ${coding} sibling is served`);
              assert.equal(response?.headers.vary, 'Accept-Encoding');
            }
          } finally {
            await dev.stop();
          }
        } finally {
          tmpRoot.cleanup();
        }
      });
    }
  });
}
