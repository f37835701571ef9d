// Options are validated and normalised once, into a frozen shape the rest of serve reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { optionError } from '../errors.js';
import { normalizeEncodings, type EncodingName } from '../contract/encodings.js';
import { normalizePrefix } from '../contract/prefix.js';
import { compileIgnore, normalizeSource, type NormalizedSource, type SourceSpec } from '../contract/sources.js';
import type { ImportMap, ImportMapSpecifiers } from './import-map.js';

export interface MemoryCacheOptions {
  /** Total bytes of file bodies kept in memory. Default 64 MiB. */
  maxBytes?: number;
  /** Files larger than this are always streamed from disk. Default 1 MiB. */
  maxFileBytes?: number;
}

/** What the `headers` hook learns about each file, once, at scan time. */
export interface StaticFileInfo {
  /** Path relative to `root`, `/`-separated: `myapp/style.3f2a9c1b7d4e.css`. */
  readonly path: string;
  readonly absolutePath: string;
  readonly size: number;
  readonly mtime: Date;
  readonly contentType: string;
  readonly immutable: boolean;
  /** Precompressed variants that will be served, in the server's order. */
  readonly encodings: readonly EncodingName[];
}

/** Called once per file at scan time with lower-case header names; may add, change or delete. */
export type HeadersHook = (headers: Record<string, string | number | string[] | undefined>, file: StaticFileInfo) => void;

export interface StaticOriginOptions {
  /** The collected root; in development mode, optional when `sources` are given. */
  root?: string;
  prefix?: string;
  baseUrl?: string;
  maxAge?: number;
  immutable?: RegExp | ((relPath: string) => boolean);
  index?: string | boolean;
  encodings?: readonly EncodingName[];
  cors?: boolean;
  headers?: HeadersHook;
  mimeTypes?: Record<string, string>;
  fallthrough?: boolean;
  sources?: readonly SourceSpec[];
  dev?: boolean;
  /** Development only: an event stream and a client script that restyle or reload the page when a file changes. */
  liveReload?: boolean;
  /** Development with `sources` only: glob patterns to ignore, as collect's `ignore`. */
  ignore?: string[];
  memoryCache?: MemoryCacheOptions | false;
  /** Seconds a cache may keep a miss under the prefix (a 404 for a name a newer replica may have). Default 5. */
  missMaxAge?: number;
}

export type NextFunction = (err?: unknown) => void;

export interface StaticOriginMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  /** The public URL of a static file: its hashed name when the manifest lists it. */
  url(name: string): string;
  /** The Subresource Integrity value (`sha384-…`) of a static file. */
  integrity(name: string): string;
  /**
   * For plain `node:http`: answers and returns true, or returns false on a miss. Given a
   * `next` (as Connect does for objects with a `handle` member), it acts as the middleware.
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: NextFunction): boolean;
  /** Rescans `root` and swaps the index in one step. */
  refresh(): void;
  /** Drops the index and cached bodies, and stops live reload; later requests fall through. */
  close(): void;
  /** The `<script>` tag that turns on live reload in a page; `''` unless `dev` and `liveReload` are on. */
  liveReloadTag(): string;
  /**
   * The import map of the JavaScript modules (`.js`, `.mjs`) the manifest lists (without a
   * manifest, the root's; in development, the sources'): logical name → URL as `url()` gives
   * it, plus `specifiers` (bare name → logical name), and each URL's integrity. Frozen.
   */
  importMap(specifiers?: ImportMapSpecifiers): ImportMap;
  /** `importMap(specifiers)` as a `<script type="importmap">` element, escaped for the page. */
  importMapTag(specifiers?: ImportMapSpecifiers): string;
  /**
   * A `(req, res, next)` middleware for page routes that sends `103 Early Hints` with a `Link`
   * preload for each named file, and the same `Link` values on the final response (but for
   * JavaScript modules, hinted in the `103` only: see the README's Early Hints). Names
   * are resolved now: an unknown name throws as `url()` does, a file no browser can
   * preload (by extension) throws a TypeError.
   */
  preload(names: readonly string[]): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
}

export interface NormalizedOptions {
  /** Undefined only in development mode with `sources`. */
  readonly root: string | undefined;
  readonly prefix: string;
  /** `prefix` without its trailing slash: what `toKey` strips. */
  readonly mount: string;
  readonly baseUrl: string;
  readonly maxAge: number;
  readonly immutable: ((relPath: string) => boolean) | undefined;
  readonly index: string | false;
  readonly encodings: readonly EncodingName[];
  readonly cors: boolean;
  readonly headers: HeadersHook | undefined;
  readonly mimeTypes: Readonly<Record<string, string>>;
  readonly fallthrough: boolean;
  readonly memoryCache: { readonly maxBytes: number; readonly maxFileBytes: number };
  readonly missMaxAge: number;
  readonly dev: boolean;
  /** Development: what to serve live, in order (the root alone when no `sources` are given). Relative dirs resolve against the working directory. */
  readonly sources: readonly NormalizedSource[];
  /** Development serves `sources` (collect's rules) rather than a root (the scan's rules). */
  readonly fromSources: boolean;
  readonly ignore: readonly RegExp[];
  readonly liveReload: boolean;
}

const KNOWN = new Set([
  'root',
  'prefix',
  'baseUrl',
  'maxAge',
  'immutable',
  'index',
  'encodings',
  'cors',
  'headers',
  'mimeTypes',
  'fallthrough',
  'sources',
  'dev',
  'liveReload',
  'ignore',
  'memoryCache',
  'missMaxAge',
]);
const MiB = 1024 * 1024;

export function normalizeOptions(input: unknown): NormalizedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw optionError('options', 'an object with at least { root }', input);
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw optionError(key, `one of the known options (${[...KNOWN].join(', ')})`, key);
  }
  // `sources`, `ignore` and `liveReload` are read only in development mode, so one options
  // object can say `dev: process.env.NODE_ENV !== 'production'`; they are validated always.
  const dev = optionalBoolean('dev', o.dev, false);
  const sources = normalizeSources(o.sources);
  if (!(dev && sources.length > 0) || o.root !== undefined) {
    if (typeof o.root !== 'string' || o.root === '') throw optionError('root', dev ? 'a non-empty directory path (or give "sources")' : 'a non-empty directory path', o.root);
  }
  const devSources = dev && sources.length > 0 ? sources : Object.freeze([Object.freeze({ dir: o.root as string, prefix: '', given: o.root as string, strict: undefined })]);
  const prefix = normalizePrefix(o.prefix);
  const baseUrl = o.baseUrl === undefined ? prefix : normalizeBaseUrl(o.baseUrl);
  const maxAge = o.maxAge === undefined ? 60 : o.maxAge;
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 31536000 * 10) {
    throw optionError('maxAge', 'a whole number of seconds from 0 to 315360000', o.maxAge);
  }
  return Object.freeze({
    root: o.root as string | undefined,
    prefix,
    mount: prefix.slice(0, -1),
    baseUrl,
    maxAge,
    immutable: normalizeImmutable(o.immutable),
    index: normalizeIndex(o.index),
    encodings: normalizeEncodings(o.encodings),
    cors: optionalBoolean('cors', o.cors, true),
    headers: optionalFunction('headers', o.headers) as HeadersHook | undefined,
    mimeTypes: normalizeMimeTypes(o.mimeTypes),
    fallthrough: optionalBoolean('fallthrough', o.fallthrough, true),
    memoryCache: normalizeMemoryCache(o.memoryCache),
    missMaxAge: seconds('missMaxAge', o.missMaxAge, 5),
    dev,
    sources: devSources,
    fromSources: dev && sources.length > 0,
    ignore: compileIgnore(o.ignore),
    liveReload: optionalBoolean('liveReload', o.liveReload, false) && dev,
  });
}

function normalizeSources(value: unknown): readonly NormalizedSource[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) throw optionError('sources', 'a non-empty array of directories (as collect takes them)', value);
  return Object.freeze(value.map((spec, i) => normalizeSource(spec as SourceSpec, `sources[${i}]`, process.cwd())));
}

function normalizeBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[\s"'<>\\]/.test(value)) {
    throw optionError('baseUrl', 'a URL or path such as "https://cdn.example.com/static/"', value);
  }
  return value.endsWith('/') ? value : `${value}/`;
}

function normalizeImmutable(value: unknown): ((relPath: string) => boolean) | undefined {
  if (value === undefined) return undefined;
  if (value instanceof RegExp) {
    // A fresh copy without the stateful flags, so `lastIndex` never makes a test flip.
    const re = new RegExp(value.source, value.flags.replace(/[gy]/g, ''));
    return (relPath) => re.test(relPath);
  }
  if (typeof value === 'function') return (relPath) => Boolean((value as (p: string) => unknown)(relPath));
  throw optionError('immutable', 'a RegExp or a function (relPath) => boolean', value);
}

function normalizeIndex(value: unknown): string | false {
  if (value === undefined || value === true) return 'index.html';
  if (value === false) return false;
  if (typeof value !== 'string' || value === '' || /[/\\\0]/.test(value) || value === '.' || value === '..') {
    throw optionError('index', 'a file name such as "index.html", or false', value);
  }
  return value;
}

function normalizeMimeTypes(value: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = Object.create(null);
  if (value === undefined) return Object.freeze(out);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw optionError('mimeTypes', 'an object { ext: "type/subtype" }', value);
  for (const [rawExt, type] of Object.entries(value)) {
    const ext = rawExt.replace(/^\./, '').toLowerCase();
    if (ext === '' || /[/\\\s]/.test(ext)) throw optionError(`mimeTypes.${rawExt}`, 'an extension without a path', rawExt);
    if (typeof type !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(type) || /[\r\n]/.test(type)) {
      throw optionError(`mimeTypes.${rawExt}`, 'a media type such as "text/plain"', type);
    }
    out[ext] = type;
  }
  return Object.freeze(out);
}

function normalizeMemoryCache(value: unknown): { maxBytes: number; maxFileBytes: number } {
  if (value === false) return Object.freeze({ maxBytes: 0, maxFileBytes: 0 });
  if (value === undefined) return Object.freeze({ maxBytes: 64 * MiB, maxFileBytes: MiB });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw optionError('memoryCache', 'an object { maxBytes, maxFileBytes } or false', value);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (key !== 'maxBytes' && key !== 'maxFileBytes') throw optionError(`memoryCache.${key}`, 'maxBytes or maxFileBytes', key);
  const size = (name: string, given: unknown, fallback: number): number => {
    if (given === undefined) return fallback;
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0) throw optionError(`memoryCache.${name}`, 'a whole number of bytes, 0 or more', given);
    return given;
  };
  return Object.freeze({ maxBytes: size('maxBytes', v.maxBytes, 64 * MiB), maxFileBytes: size('maxFileBytes', v.maxFileBytes, MiB) });
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 31536000) throw optionError(name, 'a whole number of seconds from 0 to 31536000', value);
  return value;
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(name, 'a boolean', value);
  return value;
}

function optionalFunction(name: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw optionError(name, 'a function', value);
  return value;
}
