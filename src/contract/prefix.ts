// The URL prefix a root is served under: collect resolves absolute references under it,
// serve matches requests against it. One rule, so collect never builds a root for a
// prefix the server would refuse.
import { optionError } from '../errors.js';

/**
 * `'static'`, `'/static'`, `'/static/'` → `'/static/'`; `''` or `'/'` → `'/'` (the site root).
 * A plain path only: characters a client sends as they are (no query, fragment, `%`,
 * backslash, white space, quotes, non-ASCII), no scheme, `//` or dot segments (use serve's
 * `baseUrl` for a CDN address).
 */
export function normalizePrefix(value: unknown): string {
  if (value === undefined) return '/static/';
  if (typeof value !== 'string') throw optionError('prefix', 'a URL path such as "/static/"', value);
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '/';
  // Only characters a client sends as they are in a path (RFC 3986 pchar, without `%`): a
  // prefix a browser would percent-encode (`é`, `"`, `<`, spaces) could never match a request.
  const bad = !/^[A-Za-z0-9\-._~!$&'()*+,;=:@/]+$/.test(trimmed) || trimmed.includes('//') || /^[a-z][a-z0-9+.-]*:/i.test(value) || trimmed.split('/').some((seg) => seg === '.' || seg === '..');
  if (bad) throw optionError('prefix', 'a plain URL path such as "/static/" (use "baseUrl" for a CDN address)', value);
  return `/${trimmed}/`;
}
