// One index entry per servable file: its variants, validators and every answer that does
// not depend on the request, built once.
import { extname } from 'node:path';
import mime from 'mime-types';
import { ENCODING_TAG, type EncodingName } from '../contract/encodings.js';
import type { Manifest } from '../contract/manifest.js';
import { carriesHash } from '../contract/names.js';
import type { Coding } from './accept-encoding.js';
import type { MultipartLayout } from './range.js';
import { HTML_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL, fullHeaders, headerValue, notModifiedHeaders, pickHeaders, toHeaderMap, withoutHeaders, type HeaderValue } from './headers.js';
import type { NormalizedOptions, StaticFileInfo } from './options.js';
import type { Validators } from './preconditions.js';
import { absolutePath, type FoundFile } from './scan.js';

export type Body =
  | { readonly kind: 'whole'; readonly variant: Variant }
  | { readonly kind: 'slice'; readonly variant: Variant; readonly start: number; readonly end: number }
  | { readonly kind: 'multipart'; readonly variant: Variant; readonly layout: MultipartLayout };

export interface Decision {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: Body | null;
}

export interface Variant {
  readonly coding: Coding;
  readonly abs: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Which file this is: a different inode under the same name is a changed file. */
  readonly ino: number;
  readonly dev: number;
  readonly ctimeMs: number;
  readonly validators: Validators;
  /** 200 with the whole body. */
  readonly ok: Decision;
  /** 304 for this variant's validators. */
  readonly notModified: Decision;
  /** The body, once read, when it fits the memory cache (its bytes are counted there). */
  body: Buffer | undefined;
  /** Set when the variant leaves the index: it keeps no body from then on. */
  retired: boolean;
}

export interface FileEntry {
  readonly kind: 'file';
  readonly rel: string;
  readonly identity: Variant;
  /** Precompressed variants actually served, by coding. */
  readonly variants: Readonly<Partial<Record<EncodingName, Variant>>>;
  readonly contentType: string;
  readonly immutable: boolean;
  /** The identity 200 list without Content-Length: the base of a 206. */
  readonly rangeHeaders: readonly string[];
  /** The same without Content-Type either: the base of a multipart/byteranges 206. */
  readonly multipartHeaders: readonly string[];
  readonly methodNotAllowed: Decision;
  readonly options: Decision;
  readonly preconditionFailed: Decision;
  readonly unsatisfiable: Decision;
}

/** `dir` → `dir/`: the Location is built per request from the URL the client used. */
export interface RedirectEntry {
  readonly kind: 'redirect';
  readonly headers: readonly string[];
  readonly methodNotAllowed: Decision;
  readonly options: Decision;
}

export type Entry = FileEntry | RedirectEntry;

export interface EntryContext {
  readonly options: NormalizedOptions;
  readonly manifest: Manifest | undefined;
  /** Hashed names the manifest vouches for (the values of `paths`). */
  readonly hashedNames: ReadonlySet<string>;
  /** When collect wrote the manifest: a file modified after it is not what the manifest describes. */
  readonly manifestMtimeMs: number;
  readonly realRoot: string;
  /** Development: every answer `no-cache`, nothing immutable. */
  readonly dev: boolean;
  /**
   * For files seen changing after startup (a re-index, development): a sibling must also be
   * written after its file (ctime), since an edit may put the old mtime back (`cp -p`). Not at
   * startup, where a deploy tool may have copied siblings first.
   */
  readonly siblingsByCtime?: boolean;
}

const ALLOW = 'GET, HEAD, OPTIONS';
const CORS_PREFLIGHT = [
  'Access-Control-Allow-Methods',
  'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers',
  'Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range',
  'Access-Control-Max-Age',
  '86400',
];
const NO_LENGTH = new Set(['content-length']);
const NO_LENGTH_OR_TYPE = new Set(['content-length', 'content-type']);

function contentTypeFor(rel: string, options: NormalizedOptions): string {
  const ext = extname(rel).slice(1).toLowerCase();
  const type = options.mimeTypes[ext] ?? mime.lookup(rel);
  if (!type) return 'application/octet-stream';
  return mime.contentType(type) || type;
}

/**
 * Whether the manifest describes this file as it is on disk: listed with its size, and not
 * modified after the manifest was written (a same-size edit keeps the size, not the mtime).
 * Only then do its hash, integrity and hashed name stand for its bytes.
 */
export function trustsManifest(file: FoundFile, ctx: EntryContext): boolean {
  const listed = ctx.manifest?.files[file.rel];
  return listed !== undefined && listed.size === file.size && file.mtimeMs <= ctx.manifestMtimeMs;
}

/**
 * A hashed file of an earlier collect, carried over for pages still cached by browsers
 * and CDNs: the manifest lists it and its name carries its own content hash, so it can
 * never change under that name and is as immutable as the current ones.
 */
function namedByContent(file: FoundFile, ctx: EntryContext): boolean {
  return trustsManifest(file, ctx) && carriesHash(file.rel, ctx.manifest!.files[file.rel].hash);
}

/**
 * Whether a precompressed sibling still describes its file: not older than it (collect
 * gives both the same mtime; a file rewritten after its siblings were written has
 * outdated siblings), of the size the manifest lists when it vouches for the file, and
 * smaller than it (a variant that is not smaller is never worth sending).
 */
function describes(sib: FoundFile, coding: EncodingName, file: FoundFile, trusted: boolean, ctx: EntryContext): boolean {
  if (sib.size >= file.size || sib.mtimeMs < file.mtimeMs) return false;
  if (ctx.siblingsByCtime && sib.ctimeMs < file.ctimeMs) return false;
  const listed = trusted ? ctx.manifest!.files[file.rel].encodings[coding] : undefined;
  return listed === undefined || listed === sib.size;
}

function cacheControlFor(immutable: boolean, contentType: string, maxAge: number, dev: boolean): string {
  if (dev) return HTML_CACHE_CONTROL;
  if (immutable) return IMMUTABLE_CACHE_CONTROL;
  if (contentType.startsWith('text/html')) return HTML_CACHE_CONTROL;
  return `public, max-age=${maxAge}`;
}

/** `"x"` → `"x-br"`, `W/"x"` → `W/"x-br"`: distinct per coding, still derived from the content. */
function variantTag(tag: string | undefined, coding: EncodingName): string | undefined {
  if (tag === undefined || !tag.endsWith('"')) return tag;
  return `${tag.slice(0, -1)}-${ENCODING_TAG[coding]}"`;
}

function validatorsOf(etagValue: string | undefined, lastModified: string | undefined): Validators {
  return { etag: etagValue, lastModified, lastModifiedMs: lastModified === undefined ? NaN : Date.parse(lastModified) };
}

/**
 * Everything about one file that does not depend on the request. `tag` is the
 * content-derived ETag body (`h` in `"h"`, `"h-br"`), taken at scan time.
 */
export function buildFileEntry(file: FoundFile, siblings: Readonly<Partial<Record<EncodingName, FoundFile>>> | undefined, tag: string, ctx: EntryContext): FileEntry {
  const { options } = ctx;
  const contentType = contentTypeFor(file.rel, options);
  const trusted = trustsManifest(file, ctx);
  const immutable = !ctx.dev && ((trusted && ctx.hashedNames.has(file.rel)) || namedByContent(file, ctx) || (options.immutable?.(file.rel) ?? false));

  const served: Array<[EncodingName, FoundFile]> = [];
  for (const coding of options.encodings) {
    const sib = siblings?.[coding];
    if (sib !== undefined && describes(sib, coding, file, trusted, ctx)) served.push([coding, sib]);
  }

  const record: Record<string, HeaderValue> = {
    'content-type': contentType,
    'cache-control': cacheControlFor(immutable, contentType, options.maxAge, ctx.dev),
  };
  if (options.cors) record['access-control-allow-origin'] = '*';
  record['x-content-type-options'] = 'nosniff';
  record['accept-ranges'] = 'bytes';
  if (served.length > 0) record.vary = 'Accept-Encoding';
  record['last-modified'] = new Date(Math.floor(file.mtimeMs / 1000) * 1000).toUTCString();
  record.etag = `"${tag}"`;
  if (options.headers) {
    const info: StaticFileInfo = Object.freeze({
      path: file.rel,
      absolutePath: absolutePath(ctx.realRoot, file),
      size: file.size,
      mtime: new Date(file.mtimeMs),
      contentType,
      immutable,
      encodings: Object.freeze(served.map(([c]) => c)),
    });
    options.headers(record, info);
  }
  const map = toHeaderMap(record, file.rel);
  const identityTag = headerValue(map, 'etag');
  const lastModified = headerValue(map, 'last-modified');

  const makeVariant = (coding: Coding, found: FoundFile, tag: string | undefined): Variant => {
    // The 200 answer's body points back at its variant, so the variant is made first.
    const variant: Omit<Variant, 'ok'> & { ok?: Decision } = {
      coding,
      abs: absolutePath(ctx.realRoot, found),
      size: found.size,
      mtimeMs: found.mtimeMs,
      ino: found.ino,
      dev: found.dev,
      ctimeMs: found.ctimeMs,
      validators: validatorsOf(tag, lastModified),
      notModified: { status: 304, headers: notModifiedHeaders(map, tag), body: null },
      body: undefined,
      retired: false,
    };
    const headers = fullHeaders(map, tag, found.size, coding === 'identity' ? undefined : coding);
    variant.ok = { status: 200, headers, body: found.size > 0 ? { kind: 'whole', variant: variant as Variant } : null };
    return variant as Variant;
  };

  const identity = makeVariant('identity', file, identityTag);
  const variants: Partial<Record<EncodingName, Variant>> = {};
  for (const [coding, sib] of served) variants[coding] = makeVariant(coding, sib, variantTag(identityTag, coding));

  // Statuses without a representation keep the cache, CORS and Vary headers so that
  // caches and browsers treat them like the file's other answers.
  const plain = ['cache-control', 'access-control-allow-origin', 'vary'];
  return {
    kind: 'file',
    rel: file.rel,
    identity,
    variants,
    contentType: headerValue(map, 'content-type') ?? contentType,
    immutable,
    rangeHeaders: withoutHeaders(identity.ok.headers, NO_LENGTH),
    multipartHeaders: withoutHeaders(identity.ok.headers, NO_LENGTH_OR_TYPE),
    methodNotAllowed: { status: 405, headers: pickHeaders(map, ['vary'], ['Allow', ALLOW, 'Content-Length', '0']), body: null },
    options: { status: 204, headers: pickHeaders(map, ['access-control-allow-origin', 'vary'], ['Allow', ALLOW, ...(options.cors ? CORS_PREFLIGHT : [])]), body: null },
    preconditionFailed: { status: 412, headers: pickHeaders(map, plain, ['Content-Length', '0']), body: null },
    unsatisfiable: { status: 416, headers: pickHeaders(map, plain, ['Content-Range', `bytes */${file.size}`, 'Content-Length', '0']), body: null },
  };
}

export function buildRedirectEntry(options: NormalizedOptions): RedirectEntry {
  return {
    kind: 'redirect',
    headers: ['Cache-Control', `public, max-age=${options.maxAge}`, 'Content-Length', '0'],
    methodNotAllowed: { status: 405, headers: ['Allow', ALLOW, 'Content-Length', '0'], body: null },
    options: { status: 204, headers: ['Allow', ALLOW], body: null },
  };
}
