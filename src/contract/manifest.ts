// The manifest (`staticfiles.json`): what collect wrote, read by serve. Format and validation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticOriginError } from '../errors.js';
import { ENCODING_NAMES, type EncodingName } from './encodings.js';

export const MANIFEST_NAME = 'staticfiles.json';
export const MANIFEST_VERSION = 1;

export interface ManifestFile {
  /** Size in bytes of the file as written. */
  size: number;
  /** Full hex digest of the file's bytes; its first 12 digits are the ones in a hashed name. */
  hash: string;
  /** Subresource Integrity value, `sha384-…`. */
  integrity: string;
  /** Sizes of the precompressed siblings that collect kept. */
  encodings: Partial<Record<EncodingName, number>>;
}

export interface Manifest {
  version: 1;
  /** Source name → hashed name, both relative to the root with `/` separators. */
  paths: Record<string, string>;
  /** Every file collect wrote (hashed names, and kept originals), keyed by relative path. */
  files: Record<string, ManifestFile>;
}

/** 12 to 128 lower-case hex digits (a loop: a regular expression cost ~10 ms over 20,000 entries at startup). */
function isHexDigest(v: unknown): boolean {
  if (typeof v !== 'string' || v.length < 12 || v.length > 128) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export type { EncodingName };
const SRI = /^sha(256|384|512)-[A-Za-z0-9+/=]+$/;

/** Parses and validates manifest text; errors name `source`. */
export function parseManifest(text: string, source: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_MANIFEST', `static-origin: the manifest ${source} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const fail = (what: string): never => {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_MANIFEST', `static-origin: the manifest ${source} is malformed: ${what}`);
  };
  if (!isObject(data)) fail('expected a JSON object');
  const obj = data as Record<string, unknown>;
  if (obj.version !== MANIFEST_VERSION) fail(`"version" must be ${MANIFEST_VERSION}, got ${JSON.stringify(obj.version)}`);
  if (!isObject(obj.paths)) fail('"paths" must be an object');
  if (!isObject(obj.files)) fail('"files" must be an object');
  // Validated in place, not copied: a large root's manifest is megabytes, and startup
  // memory matters. Null prototypes keep `files['constructor']` from finding Object's.
  const paths = Object.setPrototypeOf(obj.paths as object, null) as Record<string, unknown>;
  for (const name in paths) {
    const hashed = paths[name];
    if (typeof hashed !== 'string' || !isSafeRelative(name) || !isSafeRelative(hashed)) fail(`paths[${JSON.stringify(name)}] must map a relative path to a relative path`);
  }
  const files = Object.setPrototypeOf(obj.files as object, null) as Record<string, unknown>;
  for (const name in files) {
    const f = files[name] as Record<string, unknown>;
    const where = `files[${JSON.stringify(name)}]`;
    if (!isSafeRelative(name) || !isObject(f)) fail(`${where} must be an object keyed by a relative path`);
    if (!isSize(f.size)) fail(`${where}.size must be a non-negative integer`);
    if (!isHexDigest(f.hash)) fail(`${where}.hash must be a lower-case hex digest`);
    if (typeof f.integrity !== 'string' || !SRI.test(f.integrity)) fail(`${where}.integrity must be an SRI value such as "sha384-…"`);
    if (f.encodings === undefined) f.encodings = {};
    else if (!isObject(f.encodings)) fail(`${where}.encodings must be an object`);
    const encodings = f.encodings as Record<string, unknown>;
    for (const enc in encodings) {
      if (!(ENCODING_NAMES as string[]).includes(enc) || !isSize(encodings[enc])) fail(`${where}.encodings.${enc} must be a known encoding with a size`);
    }
  }
  return { version: MANIFEST_VERSION, paths: paths as Record<string, string>, files: files as unknown as Record<string, ManifestFile> };
}

/** Reads `root/staticfiles.json`; undefined when there is none. */
export function readManifest(root: string): Manifest | undefined {
  const file = join(root, MANIFEST_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StaticOriginError('ERR_STATIC_ORIGIN_MANIFEST', `static-origin: cannot read the manifest ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(text, file);
}

/** Serialises with sorted keys at every level, so equal manifests are equal bytes. */
export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(sortKeys(manifest), null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  // No prototype: a file named `__proto__` is a key like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value as object).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSize(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** A `/`-separated relative path with no empty, `.` or `..` segment and no backslash or NUL. */
export function isSafeRelative(p: string): boolean {
  if (p === '' || p.includes('\\') || p.includes('\0')) return false;
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 47 /* / */) continue;
    const len = i - start;
    if (len === 0) return false;
    if (len <= 2 && p.charCodeAt(start) === 46 && (len === 1 || p.charCodeAt(start + 1) === 46)) return false;
    start = i + 1;
  }
  return true;
}
