// Header lists are built once per file at scan time, as flat [name, value, …] arrays that
// `res.writeHead` takes as they are.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { invalidOption } from '../errors.js';

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const HTML_CACHE_CONTROL = 'no-cache';

/** Lower-case name → the spelling we send. Unknown names are sent as the hook wrote them. */
const CANONICAL: Record<string, string> = {
  'accept-ranges': 'Accept-Ranges',
  'access-control-allow-origin': 'Access-Control-Allow-Origin',
  'cache-control': 'Cache-Control',
  'content-encoding': 'Content-Encoding',
  'content-length': 'Content-Length',
  'content-location': 'Content-Location',
  'content-type': 'Content-Type',
  etag: 'ETag',
  expires: 'Expires',
  'last-modified': 'Last-Modified',
  vary: 'Vary',
  'x-content-type-options': 'X-Content-Type-Options',
};

/** What a 304 keeps (RFC 9110 §15.4.5), plus the CORS header so caches keep it. */
const NOT_MODIFIED_KEEP = new Set(['cache-control', 'content-location', 'etag', 'expires', 'vary', 'last-modified', 'access-control-allow-origin']);
/** Ours alone: a hook cannot set them, because they depend on the bytes sent. */
const BODY_HEADERS = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding']);

export type HeaderValue = string | number | string[] | undefined;
/** Case-insensitive header map: lower-case name → [sent name, value]. */
export type HeaderMap = Map<string, [name: string, value: string | string[]]>;

/** Turns the hook's plain object into a validated header map; errors name the file and header. */
export function toHeaderMap(record: Record<string, HeaderValue>, file: string): HeaderMap {
  const map: HeaderMap = new Map();
  for (const [name, value] of Object.entries(record)) {
    const lower = name.toLowerCase();
    if (value === undefined || value === null) {
      map.delete(lower);
      continue;
    }
    if (BODY_HEADERS.has(lower)) continue;
    const text = Array.isArray(value) ? value.map(String) : String(value);
    try {
      validateHeaderName(name);
      for (const v of Array.isArray(text) ? text : [text]) validateHeaderValue(name, v);
    } catch (err) {
      throw invalidOption(`static-origin: the "headers" hook set an invalid header ${JSON.stringify(name)} for ${file}: ${(err as Error).message}`, err);
    }
    map.set(lower, [CANONICAL[lower] ?? name, text]);
  }
  return map;
}

export function headerValue(map: HeaderMap, lower: string): string | undefined {
  const entry = map.get(lower);
  if (entry === undefined) return undefined;
  return Array.isArray(entry[1]) ? entry[1].join(', ') : entry[1];
}

function push(out: string[], name: string, value: string | string[]): void {
  if (Array.isArray(value)) for (const v of value) out.push(name, v);
  else out.push(name, value);
}

/** The list for a full response of one variant: the file's headers with this variant's ETag and length. */
export function fullHeaders(map: HeaderMap, etag: string | undefined, size: number, encoding: string | undefined): string[] {
  const out: string[] = [];
  for (const [lower, [name, value]] of map) {
    if (lower === 'etag') {
      if (etag !== undefined) out.push(name, etag);
    } else {
      push(out, name, value);
    }
  }
  if (encoding !== undefined) out.push('Content-Encoding', encoding);
  out.push('Content-Length', String(size));
  return out;
}

/** The list for a 304: validators and cache headers only, no body headers. */
export function notModifiedHeaders(map: HeaderMap, etag: string | undefined): string[] {
  const out: string[] = [];
  for (const [lower, [name, value]] of map) {
    if (!NOT_MODIFIED_KEEP.has(lower)) continue;
    if (lower === 'etag') {
      if (etag !== undefined) out.push(name, etag);
    } else {
      push(out, name, value);
    }
  }
  return out;
}

/** A subset of the map, for statuses without a representation (405, 412, 416). */
export function pickHeaders(map: HeaderMap, names: readonly string[], extra: readonly string[]): string[] {
  const out: string[] = [];
  for (const lower of names) {
    const entry = map.get(lower);
    if (entry) push(out, entry[0], entry[1]);
  }
  out.push(...extra);
  return out;
}

/** Drops the named headers (lower-case) from a flat list. */
export function withoutHeaders(list: readonly string[], lowerNames: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!lowerNames.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  }
  return out;
}
