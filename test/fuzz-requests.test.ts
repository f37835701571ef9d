// Property-based fuzzing of the request path: thousands of requests per mode, each written
// byte for byte over its own socket to an origin in a child process (production, then
// development mode on the same root), built from a grammar of dangerous fragments, with
// random methods, encodings, ranges and preconditions. Every answer is checked against
// invariants that hold whatever the request was (see `check`).
//
// Seeded and replayable: the seed is printed; `FUZZ_SEED=<n>` runs another one, and a
// failure prints the seed and path that replay its counterexample exactly
// (`FUZZ_SEED=<seed> FUZZ_PATH=<path>`). `FUZZ_RUNS` and `FUZZ_SECONDS` (per mode) set the
// run's size; docs/reliability.md has the long form.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { hostileRoot, type Coding, type HostileRoot, type Servable } from './helpers/hostile-root.js';
import { startOrigin, type OriginChild } from './helpers/origin-child.js';
import { parseResponses, rawOnce, type RawResponse } from './helpers/raw-http.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20260101;
const PATH = process.env.FUZZ_PATH;
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
// A small body cache, so that cached, streamed and evicted bodies all occur.
const MEMORY_CACHE = { maxBytes: 48 * 1024, maxFileBytes: 16 * 1024 };

interface Case {
  method: string;
  target: string;
  /** Built only from a servable URL (and harmless re-encodings of it): GET/HEAD must hit. */
  clean: boolean;
  headers: Array<[string, string]>;
}

type Expect = { kind: 'file'; file: Servable } | { kind: 'redirect' } | { kind: 'none' };

// ---------------------------------------------------------------- the request grammar

const DOT_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '%2e%2E',
  '.%2E',
  '%2e.',
  '%2e',
  '%252e%252e',
  '%252E%252e',
  '%25%32%65%25%32%65',
  '%c0%ae%c0%ae',
  '%C0%AE',
  '%e0%80%ae%e0%80%ae',
  '%c0%2e',
  '%u002e%u002e',
  '...',
  '.. ',
  '..;',
  '..%00',
  '..%01',
  '%2e%2e%5c',
];
const HOSTILE_NAMES = [
  '.env',
  '%2eenv',
  '.hidden',
  'sub',
  '.well-known',
  'staticfiles.json',
  'staticfiles%2ejson',
  'root-private',
  'secret.txt',
  'parent-canary.txt',
  'link-out.txt',
  'dir-out',
  'link-sibling.txt',
  'link-in.css',
  'outside',
  'root',
  'etc',
  'passwd',
];
const MALFORMED = [
  '%00',
  'x%00y',
  '%',
  '%z',
  '%zz',
  '%2',
  '%e0%a4%a',
  '%ff',
  '%fe%ff',
  '%c3',
  '%ed%a0%80',
  '%f4%90%80%80',
  '%20',
  '%7f',
  '\\',
  '\0',
  '\t',
  '\u00e9',
  '\u00ff',
  '~',
  '%7e',
  '%3f',
  '%23',
  '#',
  ';',
  '%3b',
  '*',
  ':',
  '%3a',
  '@',
];
const SUFFIXES = ['', '', '', '.br', '.gz', '.zst', '%2ebr', '.BR', '.Gz', '%00', '%2500', '.', '..', '~', '%20', '.bak', '%2f', '%5c', '::$DATA', ';x'];
const SEPARATORS = ['/', '/', '/', '/', '/', '/', '\\', '%2f', '%2F', '%5c', '%5C', '%252f', '%255c', '//', '/./', '/../', '%2f..%2f', '/%2e/', '/%2e%2e/'];
const PREFIXES = [
  '/static',
  '/static',
  '/static',
  '/static',
  '/static',
  '/static',
  '/staticx',
  '//static',
  '/STATIC',
  '/static%2f',
  '/%73tatic',
  '',
  '/static/..',
  '/static\\',
  'http://127.0.0.1/static',
  '*',
  '/./static',
  '/static;x',
];
const QUERIES = ['', '', '', '', '?', '?x=1', '?x=/../../parent-canary.txt', '?%zz', '?a=%00', '#frag', '?a#b', '?v=3f2a9c1b7d4e', '?/static/../.env', '??', '?\\..\\'];

/** Percent-encodes some characters of a URL path (harmless: one decoding gives the same name). */
function reencode(url: string, mask: number[]): string {
  let out = '';
  for (let i = 0; i < url.length; i++) {
    const c = url[i];
    // The two digits of an escape already there stay as they are.
    if (c === '%') {
      out += url.slice(i, i + 3);
      i += 2;
    } else if (/[A-Za-z0-9._-]/.test(c) && mask[i % mask.length] === 1) {
      out += `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
    } else {
      out += c;
    }
  }
  return out;
}

function grammar(fx: HostileRoot, etags: string[], dates: string[]): fc.Arbitrary<Case> {
  const files = [...fx.files.values()];
  const urls = files.map((f) => f.url);
  const realSegments = [...new Set(urls.flatMap((u) => u.split('/')))];
  const fileArb = fc.constantFrom(...files);

  const segment = fc.oneof(
    { arbitrary: fc.constantFrom(...realSegments), weight: 6 },
    { arbitrary: fc.constantFrom(...DOT_SEGMENTS), weight: 4 },
    { arbitrary: fc.constantFrom(...HOSTILE_NAMES), weight: 3 },
    { arbitrary: fc.constantFrom(...MALFORMED), weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom(...realSegments, ...HOSTILE_NAMES), fc.constantFrom(...SUFFIXES)).map(([a, b]) => a + b), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('a', 'A', '%41', '.', '%2e', '/'), fc.integer({ min: 200, max: 6000 })).map(([c, n]) => c.repeat(Math.ceil(n / c.length))), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }), weight: 1 },
  );
  const hostilePath = fc
    .tuple(
      fc.constantFrom(...PREFIXES),
      fc.array(fc.tuple(fc.constantFrom(...SEPARATORS), segment), { minLength: 0, maxLength: 6 }),
      fc.constantFrom('', '', '', '/', '%2f', '/.', '/..'),
      fc.constantFrom(...QUERIES),
    )
    .map(([prefix, parts, tail, query]) => ({ target: prefix + parts.map(([sep, seg]) => sep + seg).join('') + tail + query, clean: false }));
  // A real file's URL (or its directory's), maybe re-encoded, maybe with a query.
  const cleanPath = fc
    .tuple(fileArb, fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 7 }), fc.boolean(), fc.constantFrom('', '', '?v=1', '?x=/../.env', '?'))
    .map(([file, mask, encode, query]) => {
      let url = file.url;
      if (url.endsWith('index.html') && mask[0] === 1) url = url.slice(0, -'index.html'.length);
      return { target: `/static/${encode ? reencode(url, mask) : url}${query}`, clean: true };
    });
  // A real file's URL with one hostile edit spliced in somewhere.
  const editedPath = fc.tuple(fileArb, fc.constantFrom(...DOT_SEGMENTS, ...MALFORMED, ...SEPARATORS, ...SUFFIXES), fc.nat()).map(([file, edit, at]) => {
    const url = `/static/${file.url}`;
    const i = at % (url.length + 1);
    return { target: url.slice(0, i) + edit + url.slice(i), clean: false };
  });
  const target = fc.oneof({ arbitrary: cleanPath, weight: 5 }, { arbitrary: hostilePath, weight: 5 }, { arbitrary: editedPath, weight: 3 });

  const method = fc.oneof(
    { arbitrary: fc.constant('GET'), weight: 12 },
    { arbitrary: fc.constant('HEAD'), weight: 4 },
    { arbitrary: fc.constantFrom('OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'get', 'G\u00e9T', 'FOO'), weight: 3 },
  );

  const q = fc.constantFrom('', ';q=0', ';q=1', ';q=0.5', ';q=0.001', ';q=1.0', ';q=1.001', ';q=abc', ';q=', ';Q=0.9', '; q=0.5', ';q =0.5', ';q=0.5;q=0', ';level=1', ';q=-1', ';q=0.0000');
  const coding = fc.constantFrom('br', 'gzip', 'x-gzip', 'GZIP', 'Br', 'zstd', 'identity', '*', 'deflate', 'compress', '', ' ', 'gzip ', 'b r', 'br\t');
  const acceptEncoding = fc.oneof(
    fc.constantFrom('gzip, deflate, br, zstd', 'br', 'gzip', 'identity', 'identity;q=0', '*;q=0', '*', 'br;q=0, *', 'gzip;q=0, br;q=0', ''),
    fc
      .array(
        fc.tuple(coding, q).map(([c, w]) => c + w),
        { minLength: 1, maxLength: 6 },
      )
      .chain((els) => fc.constantFrom(', ', ',', ' ,').map((sep) => els.join(sep))),
    fc.integer({ min: 50, max: 1400 }).map((n) => 'gzip;q=0.1, '.repeat(n) + 'br'),
  );

  const num = fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 400_000 }), fc.constantFrom(4095, 4096, 4097, 20_000, 307_199, 307_200, 307_201));
  const spec = fc.oneof(
    fc.tuple(num, num).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    num.map((a) => `${a}-`),
    num.map((a) => `-${a}`),
    fc.tuple(num, num).map(([a, b]) => `${a}-${b}`),
    fc.constantFrom(
      '-0',
      '0-0',
      '-1',
      '99999999999999999999-',
      '0-99999999999999999999',
      '-99999999999999999999',
      '18446744073709551616-18446744073709551617',
      ' 0-1 ',
      '1-',
      '-',
      '',
      'x-y',
      '0x10-0x20',
      '+1-2',
      '1.5-2',
    ),
  );
  const range = fc.oneof(
    fc.array(spec, { minLength: 1, maxLength: 4 }).map((s) => `bytes=${s.join(',')}`),
    fc.array(spec, { minLength: 15, maxLength: 40 }).map((s) => `bytes=${s.join(',')}`),
    fc.constantFrom('bytes=0-,0-,0-,0-', 'items=0-1', 'bytes 0-1', 'BYTES=0-1', 'bytes=', 'bytes=,', 'bytes = 0-1', 'bytes=0-1, 0-1', 'bytes=0-0,-1', 'bytes=1-2;3-4', '=0-1'),
    fc.integer({ min: 17, max: 200 }).map((n) => `bytes=${Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`),
  );
  const etag = fc.oneof(
    fc.constantFrom(...etags),
    fc.constantFrom(...etags).map((e) => `W/${e}`),
    fc.constantFrom('"nope"', '*', '', 'W/"x"', '"unterminated', 'junk', ', ,'),
  );
  const etagList = fc.array(etag, { minLength: 1, maxLength: 3 }).map((l) => l.join(', '));
  const date = fc.oneof(
    fc.constantFrom(...dates),
    fc.constantFrom(
      '1',
      'yesterday',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'Fri, 31 Dec 9999 23:59:59 GMT',
      'Sat, 03 Jan 2026 03:04:05 GMT',
      'Friday, 02-Jan-26 03:04:05 GMT',
      'Fri Jan  2 03:04:05 2026',
      'Fri, 02 Jan 2026 03:04:05 UTC',
      'Fri, 32 Jan 2026 03:04:05 GMT',
    ),
  );

  // Present with `percent` % probability; shrinking leaves the header out.
  const sometimes = <T>(arb: fc.Arbitrary<T>, percent: number) => fc.tuple(fc.integer({ min: 0, max: 99 }), arb).map(([n, v]) => (n >= 100 - percent ? v : undefined));
  const headers = fc
    .record({
      'Accept-Encoding': sometimes(acceptEncoding, 60),
      Range: sometimes(range, 30),
      'If-None-Match': sometimes(etagList, 15),
      'If-Modified-Since': sometimes(date, 12),
      'If-Range': sometimes(fc.oneof(etag, date), 12),
      'If-Match': sometimes(etagList, 7),
      'If-Unmodified-Since': sometimes(date, 6),
      'Cache-Control': sometimes(fc.constantFrom('no-cache', 'max-age=0'), 8),
    })
    .map((h) => Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));

  return fc.record({ t: target, method, headers }).map(({ t, method, headers }) => ({ method, target: t.target, clean: t.clean, headers }));
}

function requestBytes(c: Case): Buffer {
  let head = `${c.method} ${c.target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  for (const [name, value] of c.headers) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}Connection: close\r\n\r\n`, 'latin1');
}

// ---------------------------------------------------------------- what an answer may be

/** What the target names, decoded once as the README's rules say: the file, a redirect, or nothing. */
function expectFor(fx: HostileRoot, target: string): Expect {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (!path.startsWith('/static')) return { kind: 'none' };
  const rest = path.slice('/static'.length);
  if (rest === '') return fx.files.has('index.html') ? { kind: 'redirect' } : { kind: 'none' };
  if (!rest.startsWith('/')) return { kind: 'none' };
  let key: string;
  try {
    key = decodeURIComponent(rest);
  } catch {
    return { kind: 'none' };
  }
  const rel = key.endsWith('/') ? `${key.slice(1)}index.html` : key.slice(1);
  const file = fx.files.get(rel);
  if (file !== undefined) return { kind: 'file', file };
  if (!key.endsWith('/') && fx.files.has(`${rel}/index.html`)) return { kind: 'redirect' };
  return { kind: 'none' };
}

/** Whether Accept-Encoding accepts `coding` (RFC 9110 §12.5.3: first mention counts, `*` covers the rest, a bad q is 0). */
function accepts(header: string | undefined, coding: Coding): boolean {
  if (header === undefined) return false;
  const weights = new Map<string, number>();
  for (const element of header.split(',')) {
    const [name, ...params] = element.split(';').map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
    if (name === '') continue;
    const token = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    if (weights.has(token)) continue;
    let weight = 1;
    for (const p of params) {
      if (/^q[ \t]*(=|$)/i.test(p)) {
        weight = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i.test(p) ? Number(p.slice(2)) : 0;
        break;
      }
    }
    weights.set(token, weight);
  }
  const w = weights.get(coding) ?? weights.get('*');
  return w !== undefined && w > 0;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Ledger {
  /** Strong ETag → hash of the whole representation it was sent with, over the whole run (both modes). */
  bodies: Map<string, string>;
  /** Strong ETag → length of that representation. */
  lengths: Map<string, number>;
  statuses: Map<string, number>;
  cases: number;
  /** Cases whose target was built from the hostile grammar (not a servable URL). */
  hostile: number;
}

const HIT = new Set([200, 206, 304, 412, 416, 405, 204]);

/** Every invariant an answer must keep; returns what it broke. */
function check(fx: HostileRoot, c: Case, r: RawResponse | undefined, rest: Buffer, error: string | undefined, ledger: Ledger): string[] {
  const bad: string[] = [];
  if (r === undefined) return [`no HTTP answer (${error ?? 'closed'})`];
  const header = (name: string): string | undefined => c.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const h = r.headers;
  const expected = expectFor(fx, c.target);
  const file = expected.kind === 'file' ? expected.file : undefined;
  const isHead = c.method === 'HEAD';

  if (r.status >= 500 && !(r.status === 503 && h['retry-after'] !== undefined)) bad.push(`status ${r.status}`);
  // Framing: Content-Length is exactly the bytes that followed (Connection: close, so nothing else may follow).
  if (r.short) bad.push(`short body: ${r.body.length} of ${r.declared} bytes (${error ?? 'closed'})`);
  if (rest.length > 0) bad.push(`${rest.length} bytes after the body`);
  if (h['transfer-encoding'] !== undefined) bad.push(`Transfer-Encoding ${h['transfer-encoding']}`);
  // The middleware's answers always declare their length (the app's 404 and Node's 400/431 are not ours).
  const ours = HIT.has(r.status) || r.status === 301 || r.status === 503;
  if (ours && r.status !== 204 && r.status !== 304 && r.declared === undefined) bad.push('no Content-Length');
  if (isHead && r.body.length > 0) bad.push('a body on HEAD');

  // Never a canary, raw or decoded; never the manifest or a sibling under its own URL.
  let decoded: Buffer | undefined = r.body;
  const coding = h['content-encoding'];
  if (coding !== undefined && r.body.length > 0) {
    try {
      decoded = coding === 'br' ? brotliDecompressSync(r.body) : coding === 'gzip' ? gunzipSync(r.body) : undefined;
    } catch (err) {
      bad.push(`body does not decode as ${coding}: ${(err as Error).message}`);
      decoded = undefined;
    }
  }
  for (const canary of fx.canaries) {
    if (r.body.includes(canary) || decoded?.includes(canary)) bad.push(`CANARY leaked: ${canary.toString()}`);
  }
  if (r.body.length > 0 && r.body.equals(fx.manifest)) bad.push('the manifest was served');

  // Which answers this target may have at all.
  // A directory's redirect entry answers OPTIONS (204) and other methods (405) as a file does.
  const redirectMethods = expected.kind === 'redirect' && (r.status === 204 || r.status === 405);
  if (HIT.has(r.status) && file === undefined && !redirectMethods) bad.push(`status ${r.status} for a target that names no servable file`);
  if (r.status === 301 && expected.kind !== 'redirect') bad.push('a redirect for a target that names no directory');
  if (r.status === 404 && r.body.toString() !== 'app' && !isHead) bad.push("a 404 that is not the app's");
  if (![200, 206, 304, 412, 416, 405, 204, 301, 404, 400, 431, 503].includes(r.status)) bad.push(`unexpected status ${r.status}`);
  // (Node answers 431 itself to a head over its 16 KiB limit.)
  const headSize = requestBytes(c).length;
  if (c.clean && (c.method === 'GET' || c.method === 'HEAD') && headSize < 16_000 && ![200, 206, 304, 412, 416, 503].includes(r.status)) bad.push(`a servable URL missed: ${r.status}`);
  if (r.status === 431 && headSize < 16_000) bad.push(`431 for a ${headSize}-byte head`);
  if (r.status === 304 && header('if-none-match') === undefined && header('if-modified-since') === undefined) bad.push('304 without a conditional');
  if (r.status === 412 && header('if-match') === undefined && header('if-unmodified-since') === undefined) bad.push('412 without a precondition');
  if ((r.status === 206 || r.status === 416) && header('range') === undefined) bad.push(`${r.status} without Range`);
  if (r.status === 405 && ['GET', 'HEAD', 'OPTIONS'].includes(c.method)) bad.push(`405 for ${c.method}`);
  if (r.status === 204 && c.method !== 'OPTIONS') bad.push(`204 for ${c.method}`);
  if (r.status === 301) {
    const location = h.location ?? '';
    if (!/^\/(?![/\\])[^\r\n\t]*$/.test(location)) bad.push(`redirect Location ${JSON.stringify(location)}`);
    if (r.body.length > 0) bad.push('a redirect with a body');
  }

  // Vary: Accept-Encoding exactly on the answers of URLs that have a variant.
  const hasVariants = file !== undefined && Object.keys(file.variants).length > 0;
  const vary = /accept-encoding/i.test(h.vary ?? '');
  if (HIT.has(r.status) && file !== undefined && vary !== hasVariants) bad.push(`Vary ${h.vary ?? '(none)'} on a file ${hasVariants ? 'with' : 'without'} variants`);
  if ((!HIT.has(r.status) || file === undefined) && vary) bad.push(`Vary on a ${r.status} that is not a file's`);

  // Encoding: one the request accepted, that the file has, never on a range.
  if (coding !== undefined) {
    if (coding !== 'br' && coding !== 'gzip') bad.push(`Content-Encoding ${coding}`);
    else {
      if (!accepts(header('accept-encoding'), coding)) bad.push(`Content-Encoding ${coding} for Accept-Encoding ${JSON.stringify(header('accept-encoding'))}`);
      if (file !== undefined && file.variants[coding] === undefined) bad.push(`Content-Encoding ${coding}: the file has no such variant`);
    }
    if (r.status === 206) bad.push('a range of an encoded variant');
  }

  const etag = h.etag;
  if (etag !== undefined && !/^"[^"]*"$/.test(etag)) bad.push(`not a strong ETag: ${etag}`);
  if (file !== undefined && (r.status === 200 || r.status === 206 || r.status === 304) && etag === undefined) bad.push(`${r.status} without ETag`);

  // Bodies: the exact bytes of the file's identity, of the variant sent, or of the range asked.
  if (file !== undefined && r.status === 200) {
    const representation = coding === 'br' || coding === 'gzip' ? file.variants[coding] : file.identity;
    if (representation !== undefined) {
      if (r.declared !== representation.length) bad.push(`Content-Length ${r.declared}, representation ${representation.length}`);
      if (!isHead && !r.body.equals(representation)) bad.push('200 body differs from the file');
      if (!isHead && decoded !== undefined && !decoded.equals(file.identity)) bad.push('200 body does not decode to the file');
      if (etag !== undefined) {
        const seenLength = ledger.lengths.get(etag);
        if (seenLength !== undefined && seenLength !== representation.length) bad.push(`ETag ${etag} stood for ${seenLength} bytes, now ${representation.length}`);
        ledger.lengths.set(etag, representation.length);
        if (!isHead) {
          const digest = sha(r.body);
          const seen = ledger.bodies.get(etag);
          if (seen !== undefined && seen !== digest) bad.push(`ETag ${etag} stood for two different bodies`);
          ledger.bodies.set(etag, digest);
        }
      }
    }
  }
  if (file !== undefined && r.status === 206) {
    const size = file.identity.length;
    const ctype = h['content-type'] ?? '';
    if (etag !== undefined) {
      const seen = ledger.bodies.get(etag);
      if (seen !== undefined && seen !== sha(file.identity)) bad.push(`206 ETag ${etag} is not the identity's`);
      ledger.bodies.set(etag, sha(file.identity));
    }
    if (ctype.startsWith('multipart/byteranges')) {
      const boundary = /boundary=([^;]+)/.exec(ctype)?.[1];
      if (!isHead && boundary !== undefined) {
        const parts = parseMultipart(r.body, boundary);
        if (parts === undefined) bad.push('multipart body does not parse');
        else {
          if (parts.length < 2 || parts.length > 16) bad.push(`${parts.length} parts`);
          for (const p of parts) {
            if (p.total !== size) bad.push(`part Content-Range total ${p.total}, size ${size}`);
            if (!p.body.equals(file.identity.subarray(p.start, p.end + 1))) bad.push(`part ${p.start}-${p.end} differs from the file`);
          }
        }
      }
    } else {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(h['content-range'] ?? '');
      if (m === null) bad.push(`Content-Range ${h['content-range']}`);
      else {
        const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
        if (total !== size || start > end || end >= size) bad.push(`Content-Range ${h['content-range']} for ${size} bytes`);
        if (r.declared !== end - start + 1) bad.push(`206 Content-Length ${r.declared} for ${h['content-range']}`);
        if (!isHead && !r.body.equals(file.identity.subarray(start, end + 1))) bad.push(`206 body differs from bytes ${start}-${end} of the file`);
      }
    }
  }
  if (file !== undefined && r.status === 416 && h['content-range'] !== `bytes */${file.identity.length}`) bad.push(`416 Content-Range ${h['content-range']}`);
  if ((r.status === 304 || r.status === 204 || r.status === 412 || r.status === 416 || r.status === 405) && r.body.length > 0) bad.push(`a body on ${r.status}`);
  return bad;
}

interface Part {
  start: number;
  end: number;
  total: number;
  body: Buffer;
}

function parseMultipart(body: Buffer, boundary: string): Part[] | undefined {
  const parts: Part[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos !== 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return undefined;
    const m = /Content-Range: bytes (\d+)-(\d+)\/(\d+)/i.exec(body.subarray(pos, headEnd).toString('latin1'));
    if (m === null) return undefined;
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const from = headEnd + 4;
    parts.push({ start, end, total, body: body.subarray(from, from + end - start + 1) });
    pos = from + end - start + 1;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') return undefined;
    pos += 2;
    if (!body.subarray(pos, pos + delimiter.length).equals(delimiter)) return undefined;
  }
}

// ---------------------------------------------------------------- the runs

const ledger: Ledger = { bodies: new Map(), lengths: new Map(), statuses: new Map(), cases: 0, hostile: 0 };

// One root for both modes: development mode serves the very root production indexed.
let fx: HostileRoot;
before(() => {
  fx = hostileRoot();
});
after(() => fx.cleanup());

for (const dev of [false, true]) {
  const mode = dev ? 'development' : 'production';
  describe(`fuzzed requests (${mode})`, () => {
    let origin: OriginChild;
    const crashes: string[] = [];
    const options = { dev, memoryCache: MEMORY_CACHE };

    before(async () => {
      origin = await startOrigin(fx.root, options);
    });
    after(async () => {
      await origin.stop();
    });

    it(`keeps every invariant over ${RUNS} requests (seed ${SEED}; FUZZ_SEED replays another)`, async (t) => {
      // The validators the grammar may send back: each file's ETags and Last-Modified, as served.
      const etags = new Set<string>();
      const dates = new Set<string>();
      for (const file of fx.files.values()) {
        for (const ae of ['identity', 'gzip', 'br']) {
          const { response } = await rawOnce(origin.port, `HEAD /static/${file.url} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${ae}\r\nConnection: close\r\n\r\n`, 'HEAD');
          assert.equal(response?.status, 200, file.rel);
          etags.add(response!.headers.etag);
          dates.add(response!.headers['last-modified']);
        }
      }
      console.log(`# fuzz ${mode}: seed ${SEED}${PATH ? ` path ${PATH}` : ''}, up to ${RUNS} runs or ${SECONDS} s`);
      const started = Date.now();
      let runs = 0;
      const property = fc.asyncProperty(grammar(fx, [...etags], [...dates]), async (c) => {
        runs++;
        if (origin.ended() !== undefined) {
          crashes.push(`${origin.ended()}\n${origin.stderr().slice(-4000)}`);
          origin = await startOrigin(fx.root, options);
        }
        const { response, rest, error } = await rawOnce(origin.port, requestBytes(c), c.method);
        // A crash shows as an answer cut short; wait for the exit to tell it apart.
        if (response === undefined || error !== undefined) await new Promise((r) => setTimeout(r, 100));
        if (origin.ended() !== undefined) throw new Error(`the origin crashed (${origin.ended()}) on this request:\n${origin.stderr().slice(-4000)}`);
        const bad = check(fx, c, response, rest, error, ledger);
        const key = `${mode} ${response?.status ?? 'none'}`;
        ledger.statuses.set(key, (ledger.statuses.get(key) ?? 0) + 1);
        ledger.cases++;
        if (!c.clean) ledger.hostile++;
        if (bad.length > 0)
          throw new Error(
            `${bad.join('\n')}\nrequest: ${JSON.stringify(requestBytes(c).toString('latin1').slice(0, 1500))}\nstatus line: ${response?.statusLine}\nheaders: ${JSON.stringify(response?.headers)}`,
          );
      });
      const details = await fc.check(property, {
        seed: SEED,
        path: PATH,
        numRuns: RUNS,
        plugins: [fc.interruptAfterTimeLimit(SECONDS * 1000)],
        endOnFailure: process.env.FUZZ_NO_SHRINK !== undefined,
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const statuses = [...ledger.statuses]
        .filter(([k]) => k.startsWith(mode))
        .map(([k, n]) => `${k.slice(mode.length + 1)}: ${n}`)
        .join(', ');
      t.diagnostic(
        `${mode}: ${details.failed ? `failed at case ${details.numRuns}` : `${details.numRuns} cases passed`} in ${seconds} s${details.interrupted ? ' (stopped by the time bound)' : ''}; ${ledger.hostile} hostile targets so far; statuses ${statuses}; ${ledger.bodies.size} ETags tracked`,
      );
      if (details.failed) {
        const example = JSON.stringify(details.counterexample, (_, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v));
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(
          `${mode}: failed after ${details.numRuns} cases (shrunk ${details.numShrinks} times)\n` +
            `replay: FUZZ_SEED=${details.seed} FUZZ_PATH="${details.counterexamplePath}" node --import tsx --test test/fuzz-requests.test.ts\n` +
            `counterexample: ${example}\n${error.slice(0, 4000)}`,
        );
      }
      assert.deepEqual(crashes, [], 'the origin never crashed');
      assert.equal(origin.ended(), undefined, 'the origin is still running');
      assert.ok(runs > 0);
    });
  });
}

// The invariants must be able to fail: answers a broken server could give, each caught.
describe('fuzz invariants (against forged answers)', () => {
  const answer = (head: string, body: Buffer | string = ''): { r: RawResponse; rest: Buffer } => {
    const { responses, rest } = parseResponses(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), Buffer.from(body)]), ['GET']);
    return { r: responses[0], rest };
  };
  const fresh = (): Ledger => ({ bodies: new Map(), lengths: new Map(), statuses: new Map(), cases: 0, hostile: 0 });
  const get = (target: string, headers: Array<[string, string]> = []): Case => ({ method: 'GET', target, clean: false, headers });

  it('catches a canary, a short body, a wrong encoding, a missing Vary, an ETag for two bodies and a wrong range', () => {
    const css = fx.files.get('css/app.css')!;
    const leak = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${fx.canaries[0].length}`, fx.canaries[0]);
    assert.match(check(fx, get('/static/../parent-canary.txt'), leak.r, leak.rest, undefined, fresh()).join('\n'), /CANARY leaked[\s\S]*names no servable file/);

    const short = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${css.identity.length}\r\nVary: Accept-Encoding\r\nETag: "a"`, css.identity.subarray(0, 10));
    assert.match(check(fx, get('/static/css/app.css'), short.r, short.rest, 'ECONNRESET', fresh()).join('\n'), /short body/);

    const gz = css.variants.gzip!;
    const wrong = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${gz.length}\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\nETag: "a-gz"`, gz);
    assert.match(check(fx, get('/static/css/app.css', [['Accept-Encoding', 'br, gzip;q=0']]), wrong.r, wrong.rest, undefined, fresh()).join('\n'), /Content-Encoding gzip for Accept-Encoding/);

    const noVary = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${css.identity.length}\r\nETag: "a"`, css.identity);
    assert.match(check(fx, get('/static/css/app.css'), noVary.r, noVary.rest, undefined, fresh()).join('\n'), /Vary \(none\) on a file with variants/);

    const ledger = fresh();
    const png = fx.files.get('img/logo.png')!;
    const first = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${png.identity.length}\r\nETag: "same"`, png.identity);
    assert.deepEqual(check(fx, get('/static/img/logo.png'), first.r, first.rest, undefined, ledger), []);
    const other = fx.files.get('index.html')!;
    const second = answer(`HTTP/1.1 200 OK\r\nContent-Length: ${other.identity.length}\r\nETag: "same"`, other.identity);
    assert.match(check(fx, get('/static/index.html'), second.r, second.rest, undefined, ledger).join('\n'), /ETag "same" stood for/);

    const range = answer('HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nContent-Range: bytes 0-3/' + css.identity.length + '\r\nVary: Accept-Encoding\r\nETag: "b"', 'nope');
    assert.match(check(fx, get('/static/css/app.css', [['Range', 'bytes=0-3']]), range.r, range.rest, undefined, fresh()).join('\n'), /206 body differs/);
  });
});
