// decide() and decideRedirect() without sockets: a request view and an entry built the way the
// index builds it, in; the decision (status, header list, body plan), out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { createNegotiator } from '../src/serve/accept-encoding.js';
import { decide, decideRedirect, type DecideContext } from '../src/serve/decide.js';
import { buildFileEntry, buildRedirectEntry, type Decision, type EntryContext, type FileEntry, type Variant } from '../src/serve/entry.js';
import { normalizeOptions, type NormalizedOptions, type StaticOriginOptions } from '../src/serve/options.js';
import { multipartLayout, type ByteRange } from '../src/serve/range.js';
import type { FoundFile } from '../src/serve/scan.js';
import type { EncodingName } from '../src/contract/encodings.js';
import type { Manifest } from '../src/contract/manifest.js';

// normalizeOptions and buildFileEntry never touch the disk: a root string is enough.
const ROOT = '/srv/static';
// A fraction of a second on purpose: Last-Modified is floored to the second.
const MTIME = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const LM = 'Fri, 02 Jan 2026 03:04:05 GMT';
const BEFORE = 'Fri, 02 Jan 2026 03:04:04 GMT';
const AFTER = 'Fri, 02 Jan 2026 03:04:06 GMT';
const TAG = 't4g';
const SIZE = 1000;
const BR = 300;
const GZ = 400;
const BOUNDARY = 'B0UNDARY';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const HASH = '3f2a9c1b7d4e' + '5'.repeat(52);
const HASHED = 'css/app.3f2a9c1b7d4e.css';

let ino = 100;
function found(rel: string, size: number, mtimeMs = MTIME): FoundFile {
  return { rel, abs: undefined, size, mtimeMs, ino: ino++, dev: 7, ctimeMs: mtimeMs };
}

type Siblings = Partial<Record<EncodingName, FoundFile>>;
const SUFFIX: Record<EncodingName, string> = { br: '.br', gzip: '.gz', zstd: '.zst' };
function siblingsOf(rel: string, sizes: Partial<Record<EncodingName, number | [size: number, mtimeMs: number]>>): Siblings {
  const out: Siblings = {};
  for (const [coding, spec] of Object.entries(sizes) as Array<[EncodingName, number | [number, number]]>) {
    const [size, mtimeMs] = Array.isArray(spec) ? spec : [spec, MTIME];
    out[coding] = found(rel + SUFFIX[coding], size, mtimeMs);
  }
  return out;
}

interface Setup {
  rel?: string;
  size?: number;
  mtimeMs?: number;
  siblings?: Partial<Record<EncodingName, number | [number, number]>>;
  options?: Partial<StaticOriginOptions>;
  manifest?: Manifest;
  hashedNames?: string[];
  manifestMtimeMs?: number;
  dev?: boolean;
}

function setup(s: Setup = {}): { entry: FileEntry; ctx: DecideContext; options: NormalizedOptions } {
  const rel = s.rel ?? 'css/app.css';
  const options = normalizeOptions({ root: ROOT, ...s.options });
  const ectx: EntryContext = {
    options,
    manifest: s.manifest,
    hashedNames: new Set(s.hashedNames ?? []),
    manifestMtimeMs: s.manifestMtimeMs ?? MTIME,
    realRoot: ROOT,
    dev: s.dev ?? false,
  };
  const file = found(rel, s.size ?? SIZE, s.mtimeMs ?? MTIME);
  const entry = buildFileEntry(file, s.siblings === undefined ? undefined : siblingsOf(rel, s.siblings), TAG, ectx);
  return { entry, ctx: { negotiate: createNegotiator(options.encodings), maxRanges: 16, boundary: BOUNDARY }, options };
}

/** The decision's header list as lower-case name → value; a name sent twice fails the test. */
function headersOf(d: Decision): Record<string, string> {
  assert.equal(d.headers.length % 2, 0, 'a flat [name, value, …] list');
  const out: Record<string, string> = {};
  for (let i = 0; i < d.headers.length; i += 2) {
    const name = d.headers[i].toLowerCase();
    assert.ok(!(name in out), `${name} sent twice`);
    out[name] = d.headers[i + 1];
  }
  return out;
}

const GET = (headers: IncomingHttpHeaders = {}) => ({ method: 'GET', headers });

/** The headers of a 200 for one variant of the default entry (css, br and gzip siblings). */
function full(coding: 'identity' | EncodingName, extra: Record<string, string> = {}): Record<string, string> {
  const size = { identity: SIZE, br: BR, gzip: GZ, zstd: 0 }[coding];
  const tag = { identity: `"${TAG}"`, br: `"${TAG}-br"`, gzip: `"${TAG}-gz"`, zstd: `"${TAG}-zst"` }[coding];
  return {
    'content-type': 'text/css; charset=utf-8',
    'cache-control': 'public, max-age=60',
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
    'accept-ranges': 'bytes',
    vary: 'Accept-Encoding',
    'last-modified': LM,
    etag: tag,
    ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
    'content-length': String(size),
    ...extra,
  };
}

/** The 304 for one variant: validators and cache headers, no body headers. */
function notModified(etag: string): Record<string, string> {
  return { 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*', vary: 'Accept-Encoding', 'last-modified': LM, etag };
}

const PRECONDITION_FAILED = { 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*', vary: 'Accept-Encoding', 'content-length': '0' };

function variantOf(entry: FileEntry, coding: 'identity' | EncodingName): Variant {
  return coding === 'identity' ? entry.identity : entry.variants[coding]!;
}

// ---------------------------------------------------------------------------------------------
// Methods

test('methods: GET and HEAD 200, OPTIONS 204, anything else 405 (method names are case-sensitive)', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  const ALLOW = 'GET, HEAD, OPTIONS';
  const OK = full('identity');
  const NO_BODY_405 = { vary: 'Accept-Encoding', allow: ALLOW, 'content-length': '0' };
  const PREFLIGHT = {
    'access-control-allow-origin': '*',
    vary: 'Accept-Encoding',
    allow: ALLOW,
    'access-control-allow-methods': ALLOW,
    'access-control-allow-headers': 'Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range',
    'access-control-max-age': '86400',
  };
  // [method, status, headers, body kind]
  const cases: Array<[string | undefined, number, Record<string, string>, string | null]> = [
    ['GET', 200, OK, 'whole'],
    ['HEAD', 200, OK, 'whole'], // the writer drops the body; the headers are the GET's
    ['OPTIONS', 204, PREFLIGHT, null],
    ['POST', 405, NO_BODY_405, null],
    ['PUT', 405, NO_BODY_405, null],
    ['DELETE', 405, NO_BODY_405, null],
    ['PATCH', 405, NO_BODY_405, null],
    ['TRACE', 405, NO_BODY_405, null],
    ['CONNECT', 405, NO_BODY_405, null],
    ['get', 405, NO_BODY_405, null],
    ['Head', 405, NO_BODY_405, null],
    ['', 405, NO_BODY_405, null],
    [undefined, 405, NO_BODY_405, null],
  ];
  for (const [method, status, headers, body] of cases) {
    // Conditional and range headers change nothing for methods other than GET and HEAD.
    const extras = status === 200 ? [{}] : [{}, { range: 'bytes=0-1', 'if-none-match': `"${TAG}"`, 'if-match': '"nope"' }];
    for (const extra of extras) {
      const d = decide({ method, headers: { 'accept-encoding': 'identity', ...extra } }, entry, ctx);
      assert.equal(d.status, status, `${method}`);
      assert.deepEqual(headersOf(d), headers, `${method}`);
      assert.equal(d.body === null ? null : d.body.kind, body, `${method}`);
    }
  }
});

test('methods: with cors off, no Access-Control headers anywhere', () => {
  const { entry, ctx } = setup({ siblings: { br: BR }, options: { cors: false } });
  assert.deepEqual(headersOf(decide({ method: 'OPTIONS', headers: {} }, entry, ctx)), { vary: 'Accept-Encoding', allow: 'GET, HEAD, OPTIONS' });
  const ok = headersOf(decide(GET(), entry, ctx));
  const { 'access-control-allow-origin': _, ...withoutCors } = full('identity');
  assert.deepEqual(ok, withoutCors);
  for (const headers of [{ 'if-none-match': `"${TAG}"` }, { 'if-match': '"x"' }, { range: 'bytes=5000-' }]) {
    const d = decide(GET(headers), entry, ctx);
    assert.ok(!d.headers.some((h) => h.toLowerCase().startsWith('access-control-')), JSON.stringify(d.headers));
  }
});

test('a 405 never rejects a method its Allow header lists (OPTIONS on a directory redirect)', () => {
  const { entry, ctx, options } = setup({ siblings: { br: BR } });
  const redirect = buildRedirectEntry(options);
  for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', undefined]) {
    for (const [what, d] of [
      ['file', decide({ method, headers: {} }, entry, ctx)],
      ['redirect', decideRedirect({ method, headers: {} }, redirect, '/static/dir')],
    ] as Array<[string, Decision]>) {
      if (d.status !== 405) continue;
      const allow = headersOf(d).allow.split(/,\s*/);
      assert.ok(!allow.includes(method as string), `${what}: ${method} answered 405 with Allow: ${allow.join(', ')}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Negotiation

test('variant choice by Accept-Encoding (br and gzip siblings, default encodings)', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  // [Accept-Encoding, coding sent]
  const cases: Array<[string | undefined, 'identity' | EncodingName]> = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['Br', 'br'],
    ['gzip, br', 'br'], // a tie: the server's order (br first)
    ['br, gzip', 'br'],
    ['gzip, deflate, br, zstd', 'br'], // what Chrome sends
    ['gzip;q=1, br;q=0.9', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0.001, gzip;q=0.002', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['br;q=1.5', 'identity'], // a malformed q is 0
    ['identity', 'identity'],
    ['identity, br;q=0.5', 'identity'],
    ['identity;q=0.4, br;q=0.5', 'br'],
    ['br;q=0.001, identity;q=0.002', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, gzip', 'gzip'],
    ['*;q=0', 'identity'], // nothing acceptable: identity rather than 406
    ['identity;q=0', 'identity'], // nor is refusing identity a 406
    ['identity;q=0, *;q=0', 'identity'],
    ['br;q=0, *', 'gzip'],
    ['deflate', 'identity'],
    ['zstd', 'identity'], // not offered (encodings default to br and gzip)
    ['compress, sdch', 'identity'],
    [' , ,br', 'br'],
  ];
  for (const [ae, coding] of cases) {
    const d = decide(GET(ae === undefined ? {} : { 'accept-encoding': ae }), entry, ctx);
    assert.equal(d.status, 200, `${ae}`);
    assert.deepEqual(headersOf(d), full(coding), `${ae}`);
    assert.equal(d.body?.kind, 'whole', `${ae}`);
    assert.equal(d.body?.variant, variantOf(entry, coding), `${ae}`);
    assert.equal(d.body?.variant.coding, coding, `${ae}`);
    assert.equal(d.body?.variant.abs, join(ROOT, 'css/app.css' + (coding === 'identity' ? '' : SUFFIX[coding])), `${ae}`);
  }
});

test('variant choice when the file has only some codings', () => {
  const gzipOnly = setup({ siblings: { gzip: GZ } });
  // [Accept-Encoding, coding sent]
  const cases: Array<[string, 'identity' | EncodingName]> = [
    ['br', 'identity'],
    ['br, gzip', 'gzip'],
    ['br;q=1, gzip;q=0.1', 'gzip'], // the best coding the file has, not the best the client knows
    ['br, gzip;q=0.1, identity;q=0.2', 'identity'],
    ['*', 'gzip'],
  ];
  for (const [ae, coding] of cases) {
    const d = decide(GET({ 'accept-encoding': ae }), gzipOnly.entry, gzipOnly.ctx);
    assert.equal(d.body?.variant.coding, coding, ae);
    assert.equal(headersOf(d)['content-encoding'], coding === 'identity' ? undefined : coding, ae);
  }
  // Encodings the server is told to offer, in its order: zstd first wins ties.
  const zstd = setup({ siblings: { br: BR, zstd: 250 }, options: { encodings: ['zstd', 'br'] } });
  assert.equal(decide(GET({ 'accept-encoding': 'br, zstd' }), zstd.entry, zstd.ctx).body?.variant.coding, 'zstd');
  assert.equal(headersOf(decide(GET({ 'accept-encoding': 'zstd' }), zstd.entry, zstd.ctx)).etag, `"${TAG}-zst"`);
  // A sibling of a coding the options leave out is never served.
  const brOnly = setup({ siblings: { br: BR, gzip: GZ }, options: { encodings: ['br'] } });
  assert.deepEqual(Object.keys(brOnly.entry.variants), ['br']);
  assert.equal(decide(GET({ 'accept-encoding': 'gzip' }), brOnly.entry, brOnly.ctx).body?.variant.coding, 'identity');
});

test('which siblings an entry serves: smaller than the file, not older than it, of the size the manifest lists', () => {
  const listed = (encodings: Partial<Record<EncodingName, number>>): Manifest => ({
    version: 1,
    paths: {},
    files: { 'css/app.css': { size: SIZE, hash: HASH, integrity: 'sha384-AAAA', encodings } },
  });
  // [what, setup, codings served]
  const cases: Array<[string, Setup, EncodingName[]]> = [
    ['both smaller, same mtime', { siblings: { br: BR, gzip: GZ } }, ['br', 'gzip']],
    ['no siblings', {}, []],
    ['br as large as the file', { siblings: { br: SIZE, gzip: GZ } }, ['gzip']],
    ['br larger than the file', { siblings: { br: SIZE + 1, gzip: GZ } }, ['gzip']],
    ['br one byte smaller', { siblings: { br: SIZE - 1 } }, ['br']],
    ['none smaller', { siblings: { br: SIZE, gzip: SIZE + 20 } }, []],
    ['empty file: nothing is smaller', { size: 0, siblings: { br: 0, gzip: 1 } }, []],
    ['br older than the file by a millisecond', { siblings: { br: [BR, MTIME - 1], gzip: GZ } }, ['gzip']],
    ['br newer than the file', { siblings: { br: [BR, MTIME + 60_000], gzip: GZ } }, ['br', 'gzip']],
    ['both older (the file was rewritten after compression)', { siblings: { br: [BR, MTIME - 1000], gzip: [GZ, MTIME - 1000] } }, []],
    ['the manifest lists br at its size', { siblings: { br: BR }, manifest: listed({ br: BR }) }, ['br']],
    ['the manifest lists br at another size', { siblings: { br: BR + 1, gzip: GZ }, manifest: listed({ br: BR, gzip: GZ }) }, ['gzip']],
    ['the manifest does not list gzip', { siblings: { br: BR, gzip: GZ }, manifest: listed({ br: BR }) }, ['br', 'gzip']],
    ['a manifest that does not vouch for the file (size differs) is not asked', { size: SIZE + 1, siblings: { br: BR + 1 }, manifest: listed({ br: BR }) }, ['br']],
  ];
  for (const [what, s, codings] of cases) {
    const { entry, ctx } = setup(s);
    assert.deepEqual(Object.keys(entry.variants).sort(), codings, what);
    const d = decide(GET({ 'accept-encoding': 'br, gzip' }), entry, ctx);
    const sent = d.body?.variant.coding ?? 'identity';
    assert.equal(sent, codings[0] ?? 'identity', what);
    assert.equal(headersOf(d).vary, codings.length > 0 ? 'Accept-Encoding' : undefined, what);
  }
});

// ---------------------------------------------------------------------------------------------
// Preconditions

test('preconditions are evaluated against the variant that would be sent', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  const OK_ID = full('identity');
  const OK_BR = full('br');
  // [what, request headers, status, headers]
  const cases: Array<[string, IncomingHttpHeaders, number, Record<string, string>]> = [
    ['If-Match: the ETag', { 'if-match': `"${TAG}"` }, 200, OK_ID],
    ['If-Match: another ETag', { 'if-match': '"other"' }, 412, PRECONDITION_FAILED],
    ['If-Match: *', { 'if-match': '*' }, 200, OK_ID],
    ['If-Match: the br ETag for a br response', { 'if-match': `"${TAG}-br"`, 'accept-encoding': 'br' }, 200, OK_BR],
    ['If-Match: the identity ETag for a br response (strong, per representation)', { 'if-match': `"${TAG}"`, 'accept-encoding': 'br' }, 412, PRECONDITION_FAILED],
    ['If-Match: W/ never matches', { 'if-match': `W/"${TAG}"` }, 412, PRECONDITION_FAILED],
    ['If-Unmodified-Since: earlier', { 'if-unmodified-since': BEFORE }, 412, PRECONDITION_FAILED],
    ['If-Unmodified-Since: Last-Modified', { 'if-unmodified-since': LM }, 200, OK_ID],
    ['If-None-Match: the ETag', { 'if-none-match': `"${TAG}"` }, 304, notModified(`"${TAG}"`)],
    ['If-None-Match: the br ETag, br accepted', { 'if-none-match': `"${TAG}-br"`, 'accept-encoding': 'br' }, 304, notModified(`"${TAG}-br"`)],
    ['If-None-Match: the gzip ETag, gzip accepted', { 'if-none-match': `"${TAG}-gz"`, 'accept-encoding': 'gzip' }, 304, notModified(`"${TAG}-gz"`)],
    ['If-None-Match: W/ br ETag (weak comparison)', { 'if-none-match': `W/"${TAG}-br"`, 'accept-encoding': 'br' }, 304, notModified(`"${TAG}-br"`)],
    ['If-None-Match: the identity ETag does not validate the br response', { 'if-none-match': `"${TAG}"`, 'accept-encoding': 'br' }, 200, OK_BR],
    ['If-None-Match: the br ETag does not validate the identity response', { 'if-none-match': `"${TAG}-br"` }, 200, OK_ID],
    ['If-None-Match: a list holding the variant ETag', { 'if-none-match': `"a", "${TAG}-gz"`, 'accept-encoding': 'gzip' }, 304, notModified(`"${TAG}-gz"`)],
    ['If-None-Match: *', { 'if-none-match': '*', 'accept-encoding': 'br' }, 304, notModified(`"${TAG}-br"`)],
    ['If-None-Match: another ETag', { 'if-none-match': '"other"' }, 200, OK_ID],
    ['If-Modified-Since: Last-Modified', { 'if-modified-since': LM }, 304, notModified(`"${TAG}"`)],
    ['If-Modified-Since: Last-Modified, br accepted', { 'if-modified-since': LM, 'accept-encoding': 'br' }, 304, notModified(`"${TAG}-br"`)],
    ['If-Modified-Since: later', { 'if-modified-since': AFTER }, 304, notModified(`"${TAG}"`)],
    ['If-Modified-Since: earlier', { 'if-modified-since': BEFORE }, 200, OK_ID],
    ['If-Modified-Since ignored when If-None-Match mismatches', { 'if-modified-since': LM, 'if-none-match': '"old"' }, 200, OK_ID],
    ['Cache-Control: no-cache forces a full answer', { 'if-none-match': `"${TAG}"`, 'cache-control': 'no-cache' }, 200, OK_ID],
    ['If-Match failure beats a matching If-None-Match', { 'if-match': '"x"', 'if-none-match': `"${TAG}"` }, 412, PRECONDITION_FAILED],
    // 304 and 412 beat Range
    ['If-None-Match match with a Range: 304', { 'if-none-match': `"${TAG}"`, range: 'bytes=0-9' }, 304, notModified(`"${TAG}"`)],
    ['If-Modified-Since match with a Range: 304', { 'if-modified-since': LM, range: 'bytes=0-9' }, 304, notModified(`"${TAG}"`)],
    ['If-None-Match match with a multi-range: 304', { 'if-none-match': `"${TAG}"`, range: 'bytes=0-1,5-6' }, 304, notModified(`"${TAG}"`)],
    ['If-None-Match match with an unsatisfiable Range: 304', { 'if-none-match': `"${TAG}"`, range: 'bytes=5000-' }, 304, notModified(`"${TAG}"`)],
    ['If-Match failure with a Range: 412', { 'if-match': '"x"', range: 'bytes=0-9' }, 412, PRECONDITION_FAILED],
    ['If-Match failure with an unsatisfiable Range: 412', { 'if-match': '"x"', range: 'bytes=5000-' }, 412, PRECONDITION_FAILED],
    // A usable Range switches to identity first, so the identity ETag is what is compared.
    ['Range with br accepted, identity ETag in If-None-Match: 304', { 'if-none-match': `"${TAG}"`, 'accept-encoding': 'br', range: 'bytes=0-9' }, 304, notModified(`"${TAG}"`)],
    [
      'Range with br accepted, If-Match the identity ETag: 206',
      { 'if-match': `"${TAG}"`, 'accept-encoding': 'br', range: 'bytes=0-9' },
      206,
      { ...full('identity', { 'content-range': `bytes 0-9/${SIZE}`, 'content-length': '10' }) },
    ],
  ];
  for (const [what, headers, status, expected] of cases) {
    const d = decide(GET(headers), entry, ctx);
    assert.equal(d.status, status, what);
    assert.deepEqual(headersOf(d), expected, what);
    if (status === 304 || status === 412) assert.equal(d.body, null, what);
  }
});

test('HEAD follows the same preconditions as GET', () => {
  const { entry, ctx } = setup({ siblings: { br: BR } });
  for (const headers of [{ 'if-none-match': `"${TAG}-br"`, 'accept-encoding': 'br' }, { 'if-match': '"x"' }, { range: 'bytes=0-9' }, { range: 'bytes=5000-' }] as IncomingHttpHeaders[]) {
    assert.deepEqual(decide({ method: 'HEAD', headers }, entry, ctx), decide(GET(headers), entry, ctx), JSON.stringify(headers));
  }
});

// ---------------------------------------------------------------------------------------------
// Ranges

test('single ranges: 206 with the identity slice, Content-Range and Content-Length', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  // [Range, start, end]
  const cases: Array<[string, number, number]> = [
    ['bytes=0-9', 0, 9],
    ['bytes=0-0', 0, 0],
    ['bytes=999-999', 999, 999],
    ['bytes=990-', 990, 999],
    ['bytes=-100', 900, 999],
    ['bytes=-1', 999, 999],
    ['bytes=-5000', 0, 999], // a suffix longer than the file is the file
    ['bytes=500-99999', 500, 999], // clamped
    ['bytes=0-1,5000-6000', 0, 1], // the unsatisfiable one dropped: one range left
  ];
  for (const [range, start, end] of cases) {
    // Accept-Encoding makes no difference: ranges address the identity bytes.
    for (const ae of [undefined, 'br, gzip', 'gzip']) {
      const d = decide(GET({ range, ...(ae ? { 'accept-encoding': ae } : {}) }), entry, ctx);
      assert.equal(d.status, 206, range);
      assert.deepEqual(headersOf(d), full('identity', { 'content-range': `bytes ${start}-${end}/${SIZE}`, 'content-length': String(end - start + 1) }), `${range} ${ae}`);
      assert.deepEqual(d.body, { kind: 'slice', variant: entry.identity, start, end }, range);
    }
  }
});

test('unsatisfiable ranges: 416 with bytes */size and no body', () => {
  const { entry, ctx } = setup({ siblings: { br: BR } });
  const expected = { 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*', vary: 'Accept-Encoding', 'content-range': `bytes */${SIZE}`, 'content-length': '0' };
  for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=1000-,2000-']) {
    for (const ae of [undefined, 'br']) {
      const d = decide(GET({ range, ...(ae ? { 'accept-encoding': ae } : {}) }), entry, ctx);
      assert.equal(d.status, 416, range);
      assert.deepEqual(headersOf(d), expected, range);
      assert.equal(d.body, null, range);
    }
  }
  const empty = setup({ size: 0 });
  const d = decide(GET({ range: 'bytes=0-' }), empty.entry, empty.ctx);
  assert.equal(d.status, 416);
  assert.equal(headersOf(d)['content-range'], 'bytes */0');
});

test('invalid or ignored ranges: the whole file, in the negotiated coding', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  const ignored = [
    'bytes=5-3',
    'bytes=abc',
    'items=0-1',
    'bytes 0-1',
    'bytes=',
    'bytes=0-1;x',
    'bytes=0-5,3-8', // overlapping
    'bytes=' + Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(','), // more than maxRanges (16)
  ];
  for (const range of ignored) {
    assert.deepEqual(headersOf(decide(GET({ range }), entry, ctx)), full('identity'), range);
    const br = decide(GET({ range, 'accept-encoding': 'br' }), entry, ctx);
    assert.equal(br.status, 200, range);
    assert.deepEqual(headersOf(br), full('br'), range);
    assert.equal(br.body?.variant, entry.variants.br, range);
  }
  // Sixteen ranges are still answered.
  const sixteen = 'bytes=' + Array.from({ length: 16 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  assert.equal(decide(GET({ range: sixteen }), entry, ctx).status, 206);
});

/** The bytes a writer would send for a multipart plan, with a file whose byte i is i & 0xff. */
function assemble(d: Decision): Buffer {
  assert.equal(d.body?.kind, 'multipart');
  const body = d.body as Extract<Decision['body'], { kind: 'multipart' }>;
  const file = Buffer.alloc(body.variant.size);
  for (let i = 0; i < file.length; i++) file[i] = i & 0xff;
  const chunks: Buffer[] = [];
  for (const part of body.layout.parts) chunks.push(part.head, file.subarray(part.start, part.end + 1));
  chunks.push(body.layout.tail);
  return Buffer.concat(chunks);
}

test('several ranges: multipart/byteranges of the identity bytes, its length the sum of its parts', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  const { 'content-type': _type, 'content-length': _length, ...base } = full('identity');
  // [Range, ranges in the body]
  const cases: Array<[string, ByteRange[]]> = [
    [
      'bytes=0-9,20-29',
      [
        { start: 0, end: 9 },
        { start: 20, end: 29 },
      ],
    ],
    [
      'bytes=20-29,0-9',
      [
        { start: 20, end: 29 },
        { start: 0, end: 9 },
      ],
    ], // request order kept
    [
      'bytes=0-0,-1',
      [
        { start: 0, end: 0 },
        { start: 999, end: 999 },
      ],
    ],
    [
      'bytes=0-1,2-3,4-5',
      [
        { start: 0, end: 1 },
        { start: 2, end: 3 },
        { start: 4, end: 5 },
      ],
    ],
    [
      'bytes=0-1, 900-',
      [
        { start: 0, end: 1 },
        { start: 900, end: 999 },
      ],
    ],
  ];
  for (const [range, ranges] of cases) {
    for (const ae of [undefined, 'br']) {
      const d = decide(GET({ range, ...(ae ? { 'accept-encoding': ae } : {}) }), entry, ctx);
      assert.equal(d.status, 206, range);
      const h = headersOf(d);
      const sum = assemble(d).length;
      assert.deepEqual(h, { ...base, 'content-type': `multipart/byteranges; boundary=${BOUNDARY}`, 'content-length': String(sum) }, range);
      assert.equal(d.body?.variant, entry.identity, range);
      const layout = (d.body as Extract<Decision['body'], { kind: 'multipart' }>).layout;
      assert.deepEqual(
        layout.parts.map((p) => ({ start: p.start, end: p.end })),
        ranges,
        range,
      );
      // The same framing the range module gives for these ranges, the file's own type in each part.
      assert.equal(layout.length, multipartLayout(ranges, SIZE, 'text/css; charset=utf-8', BOUNDARY).length, range);
      assert.equal(
        layout.parts[0].head.toString('latin1'),
        `--${BOUNDARY}\r\nContent-Type: text/css; charset=utf-8\r\nContent-Range: bytes ${ranges[0].start}-${ranges[0].end}/${SIZE}\r\n\r\n`,
        range,
      );
      assert.equal(layout.tail.toString('latin1'), `\r\n--${BOUNDARY}--\r\n`, range);
    }
  }
});

test('If-Range: a match gives the range, a mismatch the whole file in the negotiated coding', () => {
  const { entry, ctx } = setup({ siblings: { br: BR, gzip: GZ } });
  const PART = full('identity', { 'content-range': `bytes 0-9/${SIZE}`, 'content-length': '10' });
  // [what, If-Range, Accept-Encoding, status, headers]
  const cases: Array<[string, string, string | undefined, number, Record<string, string>]> = [
    ['the identity ETag', `"${TAG}"`, undefined, 206, PART],
    ['the identity ETag, br accepted', `"${TAG}"`, 'br', 206, PART],
    ['Last-Modified', LM, undefined, 206, PART],
    ['Last-Modified, gzip accepted', LM, 'gzip', 206, PART],
    ['another ETag', '"other"', undefined, 200, full('identity')],
    ['another ETag, br accepted', '"other"', 'br', 200, full('br')],
    ['the br ETag (ranges are of identity bytes)', `"${TAG}-br"`, 'br', 200, full('br')],
    ['a weak ETag never matches', `W/"${TAG}"`, undefined, 200, full('identity')],
    ['an earlier date', BEFORE, undefined, 200, full('identity')],
    ['a later date', AFTER, 'gzip', 200, full('gzip')],
    ['junk', 'junk', undefined, 200, full('identity')],
  ];
  for (const [what, ifRange, ae, status, expected] of cases) {
    const d = decide(GET({ range: 'bytes=0-9', 'if-range': ifRange, ...(ae ? { 'accept-encoding': ae } : {}) }), entry, ctx);
    assert.equal(d.status, status, what);
    assert.deepEqual(headersOf(d), expected, what);
  }
  // If-Range mismatch with an unsatisfiable range: the whole file, not 416.
  assert.equal(decide(GET({ range: 'bytes=5000-', 'if-range': '"other"' }), entry, ctx).status, 200);
});

test('an empty file: 200 with no body plan and Content-Length 0', () => {
  const { entry, ctx } = setup({ size: 0, rel: 'empty.txt' });
  const d = decide(GET({ 'accept-encoding': 'br' }), entry, ctx);
  assert.equal(d.status, 200);
  assert.equal(d.body, null);
  assert.equal(headersOf(d)['content-length'], '0');
  assert.equal(headersOf(d)['content-type'], 'text/plain; charset=utf-8');
});

// ---------------------------------------------------------------------------------------------
// Vary and Cache-Control

/** One of each kind of answer. */
const EVERY_KIND: Array<[string, { method: string; headers: IncomingHttpHeaders }]> = [
  ['200', GET()],
  ['200 br', GET({ 'accept-encoding': 'br' })],
  ['HEAD', { method: 'HEAD', headers: {} }],
  ['304', GET({ 'if-none-match': `"${TAG}"` })],
  ['412', GET({ 'if-match': '"x"' })],
  ['206', GET({ range: 'bytes=0-1' })],
  ['206 multipart', GET({ range: 'bytes=0-1,4-5' })],
  ['416', GET({ range: 'bytes=5000-' })],
  ['OPTIONS', { method: 'OPTIONS', headers: {} }],
  ['405', { method: 'POST', headers: {} }],
];

test('Vary: Accept-Encoding on every answer when variants exist, on none otherwise', () => {
  const withVariants = setup({ siblings: { br: BR } });
  const without = setup();
  const dropped = setup({ siblings: { br: SIZE, gzip: [GZ, MTIME - 1] } }); // siblings found but not served
  for (const [what, view] of EVERY_KIND) {
    assert.equal(headersOf(decide(view, withVariants.entry, withVariants.ctx)).vary, 'Accept-Encoding', what);
    assert.equal(headersOf(decide(view, without.entry, without.ctx)).vary, undefined, what);
    assert.equal(headersOf(decide(view, dropped.entry, dropped.ctx)).vary, undefined, what);
  }
});

const VOUCHED: Manifest = {
  version: 1,
  paths: { 'css/app.css': HASHED },
  files: {
    [HASHED]: { size: SIZE, hash: HASH, integrity: 'sha384-AAAA', encodings: { br: BR } },
    'css/app.css': { size: SIZE, hash: HASH, integrity: 'sha384-AAAA', encodings: { br: BR } },
    // A hashed name of an earlier collect, carried over: listed, named by its own content hash.
    'css/old.5e5e5e5e5e5e.css': { size: SIZE, hash: '5e5e5e5e5e5e' + '0'.repeat(52), integrity: 'sha384-AAAA', encodings: {} },
    // Listed with a hash its name does not carry.
    'css/odd.3f2a9c1b7d4f.css': { size: SIZE, hash: HASH, integrity: 'sha384-AAAA', encodings: {} },
    'page.3f2a9c1b7d4e.html': { size: SIZE, hash: HASH, integrity: 'sha384-AAAA', encodings: {} },
  },
};

test('Cache-Control: immutable only for names the manifest vouches for, no-cache for HTML', () => {
  const vouched = { manifest: VOUCHED, hashedNames: [HASHED], manifestMtimeMs: MTIME };
  // [what, setup, Cache-Control]
  const cases: Array<[string, Setup, string]> = [
    ['a hashed name the manifest vouches for', { rel: HASHED, ...vouched }, IMMUTABLE],
    ['written before the manifest', { rel: HASHED, ...vouched, mtimeMs: MTIME - 5000 }, IMMUTABLE],
    ['modified after the manifest was written', { rel: HASHED, ...vouched, mtimeMs: MTIME + 1 }, 'public, max-age=60'],
    ['a size the manifest does not list', { rel: HASHED, ...vouched, size: SIZE + 1 }, 'public, max-age=60'],
    ['the unhashed original', { rel: 'css/app.css', ...vouched }, 'public, max-age=60'],
    ['a hashed-looking name, not listed', { rel: 'css/app.000000000000.css', ...vouched }, 'public, max-age=60'],
    ['in hashedNames but without a manifest', { rel: HASHED, hashedNames: [HASHED] }, 'public, max-age=60'],
    ['carried over from an earlier collect (its name carries its hash)', { rel: 'css/old.5e5e5e5e5e5e.css', ...vouched }, IMMUTABLE],
    ['listed, but its name carries another hash', { rel: 'css/odd.3f2a9c1b7d4f.css', ...vouched }, 'public, max-age=60'],
    ['hashed HTML the manifest vouches for', { rel: 'page.3f2a9c1b7d4e.html', ...vouched, hashedNames: ['page.3f2a9c1b7d4e.html'] }, IMMUTABLE],
    ['unhashed HTML', { rel: 'index.html' }, 'no-cache'],
    ['the immutable option (RegExp)', { rel: 'vendor/lib-BxK3a9Zq.js', options: { immutable: /-[A-Za-z0-9]{8}\.js$/ } }, IMMUTABLE],
    ['the immutable option (function) says no', { rel: 'vendor/lib.js', options: { immutable: () => false } }, 'public, max-age=60'],
    ['maxAge 0', { options: { maxAge: 0 } }, 'public, max-age=0'],
    ['maxAge 3600', { options: { maxAge: 3600 } }, 'public, max-age=3600'],
    ['no manifest', {}, 'public, max-age=60'],
  ];
  for (const [what, s, cacheControl] of cases) {
    const { entry, ctx } = setup({ siblings: { br: BR }, ...s });
    assert.equal(entry.immutable, cacheControl === IMMUTABLE, what);
    for (const [kind, view] of EVERY_KIND) {
      const d = decide(view, entry, ctx);
      if (d.status === 204 || d.status === 405) {
        assert.equal(headersOf(d)['cache-control'], undefined, `${what}: ${kind}`);
        continue;
      }
      assert.equal(headersOf(d)['cache-control'], cacheControl, `${what}: ${kind}`);
    }
  }
});

test('development: no-cache on every answer and nothing immutable, whatever vouches for it', () => {
  const vouched = { manifest: VOUCHED, hashedNames: [HASHED], manifestMtimeMs: MTIME, dev: true };
  const setups: Setup[] = [
    { rel: HASHED, ...vouched },
    { rel: 'css/old.5e5e5e5e5e5e.css', ...vouched },
    { rel: 'vendor/lib-BxK3a9Zq.js', options: { immutable: /./, maxAge: 31536000 }, dev: true },
    { rel: 'css/app.css', dev: true },
    { rel: 'index.html', dev: true },
  ];
  for (const s of setups) {
    const { entry, ctx } = setup({ siblings: { br: BR }, ...s });
    assert.equal(entry.immutable, false, s.rel);
    for (const [kind, view] of EVERY_KIND) {
      const d = decide(view, entry, ctx);
      const h = headersOf(d);
      if (d.status !== 204 && d.status !== 405) assert.equal(h['cache-control'], 'no-cache', `${s.rel}: ${kind}`);
      assert.ok(!d.headers.some((v) => /immutable|max-age=31536000/.test(v)), `${s.rel}: ${kind}: ${JSON.stringify(d.headers)}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Redirects

test('decideRedirect: dir → dir/ from the URL the client used, query kept, leading slashes collapsed', () => {
  const { options } = setup();
  const entry = buildRedirectEntry(options);
  // [originalUrl, Location]
  const cases: Array<[string, string]> = [
    ['/static/dir', '/static/dir/'],
    ['/static/a/b', '/static/a/b/'],
    ['/static/dir?x=1&y=2', '/static/dir/?x=1&y=2'],
    ['/static/dir?', '/static/dir/?'],
    ['/static/dir?next=//evil.example', '/static/dir/?next=//evil.example'],
    ['/static/dir?a?b', '/static/dir/?a?b'],
    ['/mounted/static/d%C3%A9j%C3%A0', '/mounted/static/d%C3%A9j%C3%A0/'],
    ['//evil.example', '/evil.example/'],
    ['///evil.example', '/evil.example/'],
    ['//evil.example?x=1', '/evil.example/?x=1'],
    ['//evil.example/path', '/evil.example/path/'],
    ['/\\evil.example', '/evil.example/'],
    ['\\\\evil.example', '/evil.example/'],
    ['/\\/\\evil.example', '/evil.example/'],
    ['/%2F/evil.example', '/%2F/evil.example/'],
  ];
  for (const [url, location] of cases) {
    for (const method of ['GET', 'HEAD']) {
      const d = decideRedirect({ method, headers: {} }, entry, url);
      assert.equal(d.status, 301, url);
      assert.deepEqual(headersOf(d), { location, 'cache-control': 'public, max-age=60', 'content-length': '0' }, url);
      assert.equal(d.body, null, url);
      assert.ok(!location.startsWith('//') && !location.startsWith('/\\'), location);
      assert.equal(new URL(location, 'http://origin.example/').host, 'origin.example', url);
    }
  }
});

test('decideRedirect: the Location never leaves the origin as a browser reads it (tabs and newlines are dropped)', () => {
  const { options } = setup();
  const entry = buildRedirectEntry(options);
  const attempts = ['//evil.example', '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '\t//evil.example', '/ /evil.example', '/\\\t\\evil.example'];
  for (const url of attempts) {
    const location = headersOf(decideRedirect({ method: 'GET', headers: {} }, entry, url)).location;
    // WHATWG URL parsing (browsers, fetch) removes every tab, CR and LF before anything else.
    assert.equal(new URL(location, 'http://origin.example/').host, 'origin.example', `${JSON.stringify(url)} → Location ${JSON.stringify(location)}`);
  }
});

test('decideRedirect: other methods get 405 with Allow and no Location', () => {
  const { options } = setup({ options: { maxAge: 120 } });
  const entry = buildRedirectEntry(options);
  for (const method of ['POST', 'PUT', 'DELETE', 'get', undefined]) {
    const d = decideRedirect({ method, headers: {} }, entry, '/static/dir');
    assert.equal(d.status, 405, `${method}`);
    assert.deepEqual(headersOf(d), { allow: 'GET, HEAD, OPTIONS', 'content-length': '0' }, `${method}`);
    assert.equal(d.body, null);
  }
  assert.equal(headersOf(decideRedirect(GET(), entry, '/static/dir'))['cache-control'], 'public, max-age=120');
});
