// Collect options are normalised once into a frozen shape; bad values throw a TypeError naming the option.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { optionError } from '../errors.js';
import { normalizeEncodings, requireCompressors, type EncodingName } from '../contract/encodings.js';
import { normalizePrefix } from '../contract/prefix.js';
import { isAlreadyHashed } from './already-hashed.js';
import { compileIgnore, normalizeSource, type NormalizedSource, type SourceSpec } from '../contract/sources.js';

export type { NormalizedSource, SourceSpec };

/** What collect reports while it runs (the CLI draws its progress bar from these). */
export type CollectEvent =
  | { type: 'phase'; phase: 'find' | 'hash' | 'compress' | 'write'; total: number }
  | { type: 'progress'; phase: 'hash' | 'compress' | 'write'; done: number; total: number; name: string }
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
  /**
   * Names that already carry a bundler's content hash (Vite's `index-BxK3a9Zq.js`, webpack's
   * `main.3f2a9c1b.js`) keep them: not hashed again, mapped to themselves in the manifest.
   * A RegExp (or its source, in a config file) tested against the path relative to the root; `false` hashes
   * every name. Default: `DEFAULT_HASHED_PATTERN` (see the README).
   */
  alreadyHashed?: RegExp | string | false;
  /**
   * The persistent compression cache: a directory shared by collects on this machine, so a
   * fresh checkout compresses nothing compressed before. Default
   * `node_modules/.cache/static-origin` under `cwd` when `node_modules` exists there, else
   * none; `false` turns it off.
   */
  cacheDir?: string | false;
  /** The cache's bound in bytes; past it, the entries used longest ago go. Default 512 MiB. */
  cacheMaxBytes?: number;
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
  readonly alreadyHashed: (name: string) => boolean;
  readonly cacheDir: string | false;
  readonly cacheMaxBytes: number;
  readonly onEvent: (event: CollectEvent) => void;
}

/** The options a config file (and so the CLI) may set: all but `cwd` and `onEvent`, which only code can give. */
export const CONFIG_OPTION_NAMES: readonly string[] = Object.freeze([
  'sources',
  'out',
  'prefix',
  'ignore',
  'keepOriginals',
  'encodings',
  'strict',
  'clear',
  'dryRun',
  'alreadyHashed',
  'cacheDir',
  'cacheMaxBytes',
]);
const KNOWN = new Set([...CONFIG_OPTION_NAMES, 'cwd', 'onEvent']);

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

  const prefix = normalizePrefix(options.prefix);

  const ignore = compileIgnore(options.ignore);

  const encodings = normalizeEncodings(options.encodings);
  requireCompressors(encodings);

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
    alreadyHashed: alreadyHashedTest(options.alreadyHashed),
    cacheDir: cacheDirOf(options.cacheDir, cwd),
    cacheMaxBytes: cacheBound(options.cacheMaxBytes),
    onEvent: fn('onEvent', options.onEvent),
  });
}

function cacheDirOf(value: unknown, cwd: string): string | false {
  if (value === false) return false;
  if (value === undefined) {
    const modules = resolve(cwd, 'node_modules');
    return existsSync(modules) ? join(modules, '.cache', 'static-origin') : false;
  }
  if (typeof value !== 'string' || value === '') throw optionError('cacheDir', 'a directory path, or false', value);
  return resolve(cwd, value);
}

function cacheBound(value: unknown): number {
  if (value === undefined) return 512 * 1024 * 1024;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw optionError('cacheMaxBytes', 'a whole number of bytes', value);
  return value;
}

function alreadyHashedTest(value: unknown): (name: string) => boolean {
  if (value === false) return () => false;
  if (value === undefined) return (name) => isAlreadyHashed(name);
  let pattern: RegExp;
  try {
    if (value instanceof RegExp) pattern = new RegExp(value.source, value.flags.replace(/[gy]/g, ''));
    else if (typeof value === 'string' && value !== '') pattern = new RegExp(value);
    else throw new TypeError('not a pattern');
  } catch {
    throw optionError('alreadyHashed', 'a RegExp (or its source as a string), or false', value);
  }
  return (name) => isAlreadyHashed(name, pattern);
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
