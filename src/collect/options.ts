// Collect options are normalised once into a frozen shape; bad values throw a TypeError naming the option.
import { isAbsolute, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { optionError, StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, type EncodingName } from '../manifest.js';
import { compileGlob } from './glob.js';

/** A source directory, optionally collected under a sub-path (`{ dir: 'vendor/static', prefix: 'vendor' }`). */
export type SourceSpec = string | { dir: string; prefix?: string };

/** What collect reports while it runs (the CLI draws its progress bar from these). */
export type CollectEvent =
  | { type: 'phase'; phase: 'find' | 'hash' | 'compress' | 'write'; total: number }
  | { type: 'progress'; phase: 'hash' | 'compress'; done: number; total: number; name: string }
  | { type: 'warning'; message: string };

export interface CollectOptions {
  /** Source directories, in order: the first file found for a destination path wins. */
  sources: SourceSpec[];
  /** The static root to build. */
  out: string;
  /** URL prefix the app serves the root at; absolute references under it are rewritten. Default `'/static/'`. */
  prefix?: string;
  /** Extra glob patterns to ignore, matched against a file's base name and its path inside the source. */
  ignore?: string[];
  /** Keep the unhashed originals beside the hashed copies. Default `true`. */
  keepOriginals?: boolean;
  /** Precompressed siblings to write. Default `['br', 'gzip']`; `[]` turns compression off. */
  encodings?: EncodingName[];
  /** A reference to a missing file fails the build (`true`, default) or warns and is left as written. */
  strict?: boolean;
  /** Drop files left by earlier collects instead of carrying them over. Default `false`. */
  clear?: boolean;
  /** Do everything but write. Default `false`. */
  dryRun?: boolean;
  /** Relative `sources` and `out` are resolved against this. Default `process.cwd()`. */
  cwd?: string;
  /** Receives progress events and warnings. */
  onEvent?: (event: CollectEvent) => void;
}

export interface NormalizedSource {
  readonly dir: string;
  /** Destination sub-path with no leading or trailing slash; `''` for the root. */
  readonly prefix: string;
  /** As the user wrote it, for messages. */
  readonly given: string;
}

export interface NormalizedOptions {
  readonly sources: readonly NormalizedSource[];
  readonly out: string;
  readonly prefix: string;
  readonly ignore: readonly RegExp[];
  readonly keepOriginals: boolean;
  readonly encodings: readonly EncodingName[];
  readonly strict: boolean;
  readonly clear: boolean;
  readonly dryRun: boolean;
  readonly onEvent: (event: CollectEvent) => void;
}

const KNOWN = new Set(['sources', 'out', 'prefix', 'ignore', 'keepOriginals', 'encodings', 'strict', 'clear', 'dryRun', 'cwd', 'onEvent']);

export function normalizeOptions(options: CollectOptions): NormalizedOptions {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw optionError(key, `one of the known options (${[...KNOWN].join(', ')})`, 'an unknown option');
  }
  const cwd = options.cwd ?? process.cwd();
  if (typeof cwd !== 'string' || cwd === '') throw optionError('cwd', 'a directory path', cwd);

  if (!Array.isArray(options.sources) || options.sources.length === 0) throw optionError('sources', 'a non-empty array of directories', options.sources);
  const sources = options.sources.map((spec, i) => normalizeSource(spec, i, cwd));

  if (typeof options.out !== 'string' || options.out === '') throw optionError('out', 'a directory path', options.out);
  const out = resolve(cwd, options.out);

  const prefix = normalizePrefix(options.prefix ?? '/static/');

  const ignoreList = options.ignore ?? [];
  if (!Array.isArray(ignoreList) || ignoreList.some((p) => typeof p !== 'string' || p === '')) throw optionError('ignore', 'an array of glob patterns', options.ignore);
  const ignore = ignoreList.map((p) => compileGlob(p));

  const encodings = normalizeEncodings(options.encodings);

  return Object.freeze({
    sources: Object.freeze(sources),
    out,
    prefix,
    ignore: Object.freeze(ignore),
    keepOriginals: bool('keepOriginals', options.keepOriginals, true),
    encodings,
    strict: bool('strict', options.strict, true),
    clear: bool('clear', options.clear, false),
    dryRun: bool('dryRun', options.dryRun, false),
    onEvent: fn('onEvent', options.onEvent),
  });
}

function normalizeSource(spec: SourceSpec, i: number, cwd: string): NormalizedSource {
  const name = `sources[${i}]`;
  let dir: unknown;
  let prefix: unknown = '';
  if (typeof spec === 'string') dir = spec;
  else if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    dir = spec.dir;
    prefix = spec.prefix ?? '';
    for (const key of Object.keys(spec)) if (key !== 'dir' && key !== 'prefix') throw optionError(`${name}.${key}`, 'absent (a source takes "dir" and "prefix")', (spec as Record<string, unknown>)[key]);
  } else throw optionError(name, 'a directory path or { dir, prefix }', spec);
  if (typeof dir !== 'string' || dir === '') throw optionError(`${name}.dir`, 'a directory path', dir);
  if (typeof prefix !== 'string') throw optionError(`${name}.prefix`, 'a relative path such as "vendor"', prefix);
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed !== '' && trimmed.split('/').some((seg) => seg === '' || seg === '.' || seg === '..' || seg.includes('\\') || seg.includes('\0'))) {
    throw optionError(`${name}.prefix`, 'a relative path without "." or ".." segments', prefix);
  }
  return Object.freeze({ dir: isAbsolute(dir) ? resolve(dir) : resolve(cwd, dir), prefix: trimmed, given: dir });
}

function normalizePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix === '' || /[?#\\\0]/.test(prefix)) throw optionError('prefix', 'a URL path such as "/static/"', prefix);
  let p = prefix;
  if (!p.startsWith('/')) p = '/' + p;
  if (!p.endsWith('/')) p += '/';
  if (p.startsWith('//')) throw optionError('prefix', 'a URL path such as "/static/" (not protocol-relative)', prefix);
  return p;
}

function normalizeEncodings(value: unknown): readonly EncodingName[] {
  if (value === undefined) return Object.freeze(['br', 'gzip'] as EncodingName[]);
  if (!Array.isArray(value)) throw optionError('encodings', `an array of ${ENCODING_NAMES.join(', ')}`, value);
  const out: EncodingName[] = [];
  for (const enc of value) {
    if (!(ENCODING_NAMES as readonly unknown[]).includes(enc)) throw optionError('encodings', `an array of ${ENCODING_NAMES.join(', ')}`, enc);
    if (!out.includes(enc)) out.push(enc);
  }
  if (out.includes('zstd') && typeof (zlib as Record<string, unknown>).zstdCompress !== 'function') {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_ENCODING', `static-origin: zstd needs a Node.js with zlib.zstdCompress (22.15 or later); this is ${process.version}. Leave "zstd" out of encodings.`);
  }
  return Object.freeze(out);
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(name, 'a boolean', value);
  return value;
}

function fn(name: string, value: unknown): (event: CollectEvent) => void {
  if (value === undefined) return () => {};
  if (typeof value !== 'function') throw optionError(name, 'a function', value);
  return value as (event: CollectEvent) => void;
}
