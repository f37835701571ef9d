// Collect options are normalised once into a frozen shape; bad values throw a TypeError naming the option.
import { resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { optionError, StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, type EncodingName } from '../manifest.js';
import { compileIgnore, normalizeSource, type NormalizedSource, type SourceSpec } from '../sources.js';

export type { NormalizedSource, SourceSpec };

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
  const sources = options.sources.map((spec, i) => normalizeSource(spec, `sources[${i}]`, cwd));

  if (typeof options.out !== 'string' || options.out === '') throw optionError('out', 'a directory path', options.out);
  const out = resolve(cwd, options.out);

  const prefix = normalizePrefix(options.prefix ?? '/static/');

  const ignore = compileIgnore(options.ignore);

  const encodings = normalizeEncodings(options.encodings);

  return Object.freeze({
    sources: Object.freeze(sources),
    out,
    prefix,
    ignore,
    keepOriginals: bool('keepOriginals', options.keepOriginals, true),
    encodings,
    strict: bool('strict', options.strict, true),
    clear: bool('clear', options.clear, false),
    dryRun: bool('dryRun', options.dryRun, false),
    onEvent: fn('onEvent', options.onEvent),
  });
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
