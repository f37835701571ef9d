// The public API as a TypeScript consumer sees it (src/index.ts). `tsc --noEmit` checks this
// file: a misuse that compiles makes its `@ts-expect-error` unused, which is itself an error,
// and a new option or member missing below fails `satisfies`. The runtime test shows the same
// misuses are refused when JavaScript callers make them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type connect from 'connect';
import type { RequestHandler } from 'express';
import {
  collect,
  staticOrigin,
  StaticOriginError,
  type CollectOptions,
  type CollectSummary,
  type EncodingName,
  type ErrorCode,
  type HeadersHook,
  type ImportMap,
  type ImportMapSpecifiers,
  type Manifest,
  type ManifestFile,
  type MemoryCacheOptions,
  type SourceSpec,
  type StaticFileInfo,
  type StaticOriginMiddleware,
  type StaticOriginOptions,
} from '../src/index.js';
import { tempDir } from './helpers/fixtures.js';

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(_proof?: T): void => {};

// ---------------------------------------------------------------------------------------------
// Correct uses compile: every option of each function once (Required<> fails when one is added).

const everyServeOption = {
  root: 'staticfiles',
  prefix: '/static/',
  baseUrl: 'https://cdn.example.com/static/',
  maxAge: 3600,
  immutable: /\.[0-9a-f]{12}\./,
  index: 'index.html',
  encodings: ['zstd', 'br', 'gzip'],
  cors: false,
  headers: (headers, file) => {
    const info: StaticFileInfo = file;
    headers['x-file'] = info.path;
    headers['x-size'] = info.size;
    headers.link = [`<${file.path}>; rel=canonical`];
    headers.expires = undefined;
    const codings: readonly EncodingName[] = file.encodings;
    const when: Date = file.mtime;
    void codings;
    void when;
  },
  mimeTypes: { webmanifest: 'application/manifest+json' },
  fallthrough: false,
  sources: ['assets', { dir: 'vendor/static', prefix: 'vendor', strict: false }],
  dev: true,
  liveReload: true,
  ignore: ['*.scss', 'drafts/**'],
  memoryCache: { maxBytes: 32 * 1024 * 1024, maxFileBytes: 512 * 1024 },
  missMaxAge: 5,
} satisfies Required<StaticOriginOptions>;

const everyCollectOption = {
  sources: ['assets', { dir: 'node_modules/lit', prefix: 'vendor/lit', strict: false }],
  out: 'staticfiles',
  prefix: '/static/',
  ignore: ['*.scss'],
  keepOriginals: false,
  encodings: ['br', 'gzip'],
  strict: false,
  clear: true,
  dryRun: true,
  alreadyHashed: /-[A-Za-z0-9_-]{8}\./,
  cacheDir: false,
  cacheMaxBytes: 64 * 1024 * 1024,
  cwd: '/srv/app',
  onEvent: (event) => {
    if (event.type === 'warning') console.warn(event.message);
    else if (event.type === 'progress') void `${event.phase} ${event.done}/${event.total} ${event.name}`;
    else void `${event.phase} ${event.total}`;
  },
} satisfies Required<CollectOptions>;

/** Every member of the middleware (a member added or removed fails here). */
const everyMember = {
  url: true,
  integrity: true,
  handle: true,
  refresh: true,
  close: true,
  liveReloadTag: true,
  importMap: true,
  importMapTag: true,
  preload: true,
} satisfies Record<keyof StaticOriginMiddleware, true>;

// Never called: these only have to compile.
export async function compiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const assets: StaticOriginMiddleware = staticOrigin(everyServeOption);
  staticOrigin({ root: 'staticfiles' });
  staticOrigin({ root: 'staticfiles', immutable: (relPath) => relPath.startsWith('vendor/'), index: false, memoryCache: false });
  staticOrigin({ root: 'staticfiles', index: true, encodings: [] });
  const shared = ['br', 'gzip'] as const;
  staticOrigin({ root: 'staticfiles', encodings: shared, sources: ['a'] as const });
  staticOrigin({ dev: true, sources: [{ dir: 'assets' }] });
  const hook: HeadersHook = (headers, file) => {
    if (file.immutable) headers['cache-control'] = 'public, max-age=31536000, immutable';
  };
  const cache: MemoryCacheOptions = { maxBytes: 0 };
  staticOrigin({ root: 'staticfiles', headers: hook, memoryCache: cache });

  // The middleware and its members.
  assets(req, res, (err?: unknown) => void err);
  const href: string = assets.url('css/app.css');
  const sri: string = assets.integrity('css/app.css');
  const answered: boolean = assets.handle(req, res);
  const viaConnect: boolean = assets.handle(req, res, () => {});
  assets.refresh();
  assets.close();
  const reloadTag: string = assets.liveReloadTag();
  const specifiers: ImportMapSpecifiers = { lit: 'vendor/lit/index.js' };
  const map: ImportMap = assets.importMap(specifiers);
  const litUrl: string | undefined = map.imports.lit;
  const litIntegrity: string | undefined = map.integrity[litUrl ?? ''];
  const mapTag: string = assets.importMapTag();
  const pagePreload: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void = assets.preload(['css/app.css']);
  void [href, sri, answered, viaConnect, reloadTag, litIntegrity, mapTag, pagePreload];
  same<Equal<ReturnType<StaticOriginMiddleware['refresh']>, void>>();
  same<Equal<ReturnType<StaticOriginMiddleware['close']>, void>>();
  same<Equal<Parameters<StaticOriginMiddleware['url']>, [name: string]>>();

  // It is Express and Connect middleware as it is.
  const forExpress: RequestHandler = assets;
  const forConnect: connect.NextHandleFunction = assets;
  void [forExpress, forConnect];

  // collect and what it reports.
  const summary: CollectSummary = await collect(everyCollectOption);
  await collect({ sources: ['assets'], out: 'staticfiles' });
  await collect({ sources: ['assets'], out: 'staticfiles', alreadyHashed: false, cacheDir: '/tmp/cache' });
  await collect({ sources: ['assets'], out: 'staticfiles', alreadyHashed: '-[A-Za-z0-9]{8}\\.' });
  const spec: SourceSpec = { dir: 'vendor', prefix: 'v' };
  await collect({ sources: [spec, 'assets'], out: 'staticfiles' });
  const counts: number[] = [summary.files, summary.written, summary.carried, summary.bytes, summary.compressed, summary.reused, summary.timeMs];
  const outDir: string = summary.out;
  const warnings: string[] = summary.warnings;
  const dryRun: boolean = summary.dryRun;
  void [counts, outDir, warnings, dryRun];

  // The manifest, errors and encodings.
  const file: ManifestFile = { size: 1, hash: '3f2a9c1b7d4e', integrity: 'sha384-x', encodings: { br: 1, zstd: 1 } };
  const manifest: Manifest = { version: 1, paths: { 'a.css': 'a.3f2a9c1b7d4e.css' }, files: { 'a.3f2a9c1b7d4e.css': file } };
  const coding: EncodingName = 'zstd';
  const err = new StaticOriginError('ERR_STATIC_ORIGIN_ROOT', 'static-origin: no root');
  const code: ErrorCode = err.code;
  const isError: Error = err;
  void [manifest, coding, code, isError];
}

// ---------------------------------------------------------------------------------------------
// Misuse does not compile.

export async function refused(req: IncomingMessage, res: ServerResponse, assets: StaticOriginMiddleware): Promise<void> {
  // @ts-expect-error: the options are required
  staticOrigin();
  // @ts-expect-error: one of the known codings only
  staticOrigin({ root: 'staticfiles', encodings: ['br', 'deflate'] });
  // @ts-expect-error: immutable is a RegExp or a function
  staticOrigin({ root: 'staticfiles', immutable: true });
  // @ts-expect-error: index is a file name or a boolean
  staticOrigin({ root: 'staticfiles', index: 0 });
  // @ts-expect-error: memoryCache is an object or false
  staticOrigin({ root: 'staticfiles', memoryCache: true });
  // @ts-expect-error: a source takes dir, prefix and strict
  staticOrigin({ dev: true, sources: [{ dir: 'a', prefx: 'v' }] });
  // @ts-expect-error: media types are strings
  staticOrigin({ root: 'staticfiles', mimeTypes: { css: 1 } });
  // @ts-expect-error: cors is a boolean
  staticOrigin({ root: 'staticfiles', cors: 'yes' });
  staticOrigin({
    root: 'staticfiles',
    headers: (_headers, file) => {
      // @ts-expect-error: what the hook learns about a file is read-only
      file.path = 'other.css';
    },
  });
  staticOrigin({
    root: 'staticfiles',
    headers: (headers) => {
      // @ts-expect-error: header values are strings, numbers or lists of strings
      headers['x-flag'] = true;
    },
  });

  // @ts-expect-error: url() needs a name
  assets.url();
  // @ts-expect-error: handle() needs a response
  assets.handle(req);
  // @ts-expect-error: preload() takes a list of names
  assets.preload('css/app.css');
  const map = assets.importMap();
  // @ts-expect-error: the import map is read-only
  map.imports.x = 'y';
  // @ts-expect-error: a response is not a request
  assets(res, res, () => {});

  // @ts-expect-error: sources and out are required
  await collect({ sources: ['assets'] });
  // @ts-expect-error: sources is a list
  await collect({ sources: 'assets', out: 'staticfiles' });
  // @ts-expect-error: alreadyHashed is a pattern or false
  await collect({ sources: ['assets'], out: 'staticfiles', alreadyHashed: true });
  await collect({
    sources: ['assets'],
    out: 'staticfiles',
    onEvent: (event) => {
      // @ts-expect-error: no such event
      if (event.type === 'done') return;
    },
  });

  // @ts-expect-error: a manifest of another version
  const v2: Manifest = { version: 2, paths: {}, files: {} };
  // @ts-expect-error: an unknown coding in the manifest
  const deflated: ManifestFile = { size: 1, hash: 'h', integrity: 'sha384-x', encodings: { deflate: 1 } };
  // @ts-expect-error: not an error code
  const nope: ErrorCode = 'ERR_NOPE';
  // @ts-expect-error: not a coding
  const lzma: EncodingName = 'lzma';
  void [v2, deflated, nope, lzma];
}

// Each entry: [the option the error must name, a call the types refuse]. One call per line,
// so each @ts-expect-error covers exactly its call.
const ROOT = '/nonexistent/static-origin-types-test';
const refusedServeOptions: Array<[string, () => unknown]> = [
  // @ts-expect-error: a typo of maxAge
  ['maxage', () => staticOrigin({ root: ROOT, maxage: 60 })],
  // @ts-expect-error: maxAge is a number of seconds, not a string
  ['maxAge', () => staticOrigin({ root: ROOT, maxAge: '60' })],
  // @ts-expect-error: an unknown coding
  ['encodings', () => staticOrigin({ root: ROOT, encodings: ['lzma'] })],
  // @ts-expect-error: a typo of maxBytes
  ['memoryCache.maxbytes', () => staticOrigin({ root: ROOT, memoryCache: { maxbytes: 1 } })],
  // @ts-expect-error: the prefix is a string
  ['prefix', () => staticOrigin({ root: ROOT, prefix: 1 })],
  // @ts-expect-error: the root is a string
  ['root', () => staticOrigin({ root: 42 })],
  // @ts-expect-error: fallthrough is a boolean
  ['fallthrough', () => staticOrigin({ root: ROOT, fallthrough: 'no' })],
  // @ts-expect-error: headers is a hook, not a header object
  ['headers', () => staticOrigin({ root: ROOT, headers: { 'x-a': '1' } })],
];
const refusedCollectOptions: Array<[string, () => Promise<unknown>]> = [
  // @ts-expect-error: a typo of dryRun
  ['dryrun', () => collect({ sources: ['assets'], out: ROOT, dryrun: true })],
  // @ts-expect-error: a typo of keepOriginals
  ['keep_originals', () => collect({ sources: ['assets'], out: ROOT, keep_originals: false })],
  // @ts-expect-error: strict is a boolean
  ['strict', () => collect({ sources: ['assets'], out: ROOT, strict: 'yes' })],
  // @ts-expect-error: an unknown coding
  ['encodings', () => collect({ sources: ['assets'], out: ROOT, encodings: ['lzma'] })],
  // @ts-expect-error: out is a path
  ['out', () => collect({ sources: ['assets'], out: 1 })],
];

describe('public types', () => {
  it('every option the types list is one the runtime knows (no "unknown option" error)', async () => {
    // The root does not exist: each call fails after the options are validated, on the root.
    for (const [option, value] of Object.entries(everyServeOption)) {
      if (option === 'root') continue;
      assert.throws(
        () => staticOrigin({ root: ROOT, [option]: value }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_ROOT', `${option}: ${err.message}`);
          return true;
        },
        option,
      );
    }
    for (const [option, value] of Object.entries(everyCollectOption)) {
      if (option === 'sources' || option === 'out' || option === 'cwd') continue;
      // dryRun and no cache: nothing is written anywhere.
      const options = { sources: [`${ROOT}/src`], out: `${ROOT}/out`, [option]: value, dryRun: true, cacheDir: false as const };
      await assert.rejects(
        collect(options),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_SOURCE', `${option}: ${err.message}`);
          return true;
        },
        option,
      );
    }
  });

  it('every member the types list is a function at run time', (t) => {
    const { dir, cleanup } = tempDir('types-members');
    t.after(cleanup);
    writeFileSync(join(dir, 'app.css'), 'a{}');
    const assets = staticOrigin({ root: dir });
    t.after(() => assets.close());
    assert.equal(typeof assets, 'function');
    for (const member of Object.keys(everyMember)) assert.equal(typeof (assets as unknown as Record<string, unknown>)[member], 'function', member);
    assert.equal(assets.url('app.css'), '/static/app.css');
  });

  it('what the types refuse is refused at run time too, with the code and the option name', async () => {
    for (const [option, call] of refusedServeOptions) {
      assert.throws(
        call,
        (err: TypeError & { code?: string }) => {
          assert.ok(err instanceof TypeError, `${option}: ${err}`);
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION', option);
          assert.ok(err.message.startsWith(`static-origin: option "${option}" must be `), err.message);
          return true;
        },
        option,
      );
    }
    for (const [option, call] of refusedCollectOptions) {
      await assert.rejects(
        call(),
        (err: TypeError & { code?: string }) => {
          assert.ok(err instanceof TypeError, `${option}: ${err}`);
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION', option);
          assert.ok(err.message.startsWith(`static-origin: option "${option}" must be `), err.message);
          return true;
        },
        option,
      );
    }
  });

  it('StaticOriginError is an Error with a code', () => {
    const err = new StaticOriginError('ERR_STATIC_ORIGIN_MANIFEST', 'static-origin: bad manifest');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'StaticOriginError');
    assert.equal(err.code, 'ERR_STATIC_ORIGIN_MANIFEST');
  });
});
