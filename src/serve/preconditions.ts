// Conditional requests (RFC 9110 §13) for GET and HEAD: If-Match,
// If-Unmodified-Since, If-None-Match, If-Modified-Since, in the order of
// §13.2.2, and If-Range (§13.1.5). The freshness step (If-None-Match /
// If-Modified-Since) is `fresh`'s, fed only inputs it reads the way we mean.
import type { IncomingHttpHeaders } from 'node:http';
import fresh from 'fresh';

export interface Validators {
  /** Strong ETag as sent, e.g. '"3f2a9c1b-br"', or undefined when the file has none. */
  etag: string | undefined;
  /** Last-Modified as sent (IMF-fixdate), or undefined. */
  lastModified: string | undefined;
  /** The same instant in ms since the epoch (whole seconds), or NaN when absent. */
  lastModifiedMs: number;
}

export type PreconditionResult = 'pass' | 'precondition-failed' | 'not-modified';

/** RFC 9110 §13.2.2 evaluation order, for GET and HEAD. */
export function evaluatePreconditions(headers: IncomingHttpHeaders, validators: Validators): PreconditionResult {
  const ifMatch = field(headers['if-match']);
  const ifNoneMatch = field(headers['if-none-match']);
  const ifUnmodifiedSince = field(headers['if-unmodified-since']);
  const ifModifiedSince = field(headers['if-modified-since']);
  if (ifMatch === undefined && ifNoneMatch === undefined && ifUnmodifiedSince === undefined && ifModifiedSince === undefined) return 'pass';
  // The common revalidation: the browser sends back exactly the ETag it got.
  if (ifNoneMatch !== undefined && ifNoneMatch === validators.etag && ifMatch === undefined && ifUnmodifiedSince === undefined && headers['cache-control'] === undefined) {
    return 'not-modified';
  }

  // Steps 1 and 2: the client only wants this exact representation.
  if (ifMatch !== undefined && hasMembers(ifMatch)) {
    if (!strongListMatch(ifMatch, validators.etag)) return 'precondition-failed';
  } else if (ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(ifUnmodifiedSince);
    if (validators.lastModifiedMs > since) return 'precondition-failed'; // false when either is NaN
  }

  // Step 3: when If-None-Match is there, it alone decides (whitenoise#202).
  const cacheControl = field(headers['cache-control']);
  if (ifNoneMatch !== undefined && hasMembers(ifNoneMatch)) {
    // fresh splits lists on spaces only; tabs are OWS too.
    const list = ifNoneMatch.includes('\t') ? ifNoneMatch.replaceAll('\t', ' ') : ifNoneMatch;
    const isFresh = fresh({ 'if-none-match': list, 'cache-control': cacheControl }, { etag: validators.etag });
    return isFresh ? 'not-modified' : 'pass';
  }

  // Step 4: fresh's Date.parse accepts almost anything ("1" is 2001), so the
  // date is checked here, and fresh (which also honours a request's no-cache)
  // only sees a valid date in its canonical form.
  if (ifModifiedSince !== undefined && validators.lastModified !== undefined) {
    const since = parseHttpDate(ifModifiedSince);
    if (Number.isNaN(since) || validators.lastModifiedMs > since) return 'pass';
    const request = { 'if-modified-since': new Date(since).toUTCString(), 'cache-control': cacheControl };
    return fresh(request, { 'last-modified': validators.lastModified }) ? 'not-modified' : 'pass';
  }
  return 'pass';
}

/** If-Range (RFC 9110 §13.1.5): true when the range may be honoured. */
export function ifRangeAllows(headers: IncomingHttpHeaders, validators: Validators): boolean {
  const value = field(headers['if-range']);
  if (value === undefined) return true;
  // An entity-tag: strong comparison, so a weak tag (`W/"…"`) never matches.
  if (value.charCodeAt(0) === QUOTE) return value === validators.etag;
  if (value.startsWith('W/')) return false;
  return parseHttpDate(value) === validators.lastModifiedMs; // false when either is NaN
}

const QUOTE = 0x22;
const COMMA = 0x2c;

/** A header as one string: repeated fields joined as HTTP would, anything else absent. */
function field(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return undefined;
}

/**
 * Whether a list header names anything. An empty If-Match or If-None-Match
 * (``, `,`, spaces) states no condition and counts as absent, as in fresh and send.
 */
function hasMembers(list: string): boolean {
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== COMMA) return true;
  }
  return false;
}

/**
 * If-Match: `*` matches any current representation; otherwise some entity-tag
 * in the list must equal ours character for character, and neither may be weak.
 */
function strongListMatch(list: string, etag: string | undefined): boolean {
  let pos = 0;
  while (pos < list.length) {
    const c = list.charCodeAt(pos);
    if (c === 0x20 || c === 0x09 || c === COMMA) {
      pos++;
      continue;
    }
    let end = pos;
    const weak = c === 0x57 /* W */ && list.startsWith('/"', pos + 1);
    if (c === QUOTE || weak) {
      // An entity-tag may hold commas: skip to its closing quote first.
      const open = weak ? pos + 2 : pos;
      end = list.indexOf('"', open + 1);
      if (end === -1) return false;
      end++;
      if (!weak && etag !== undefined && end - pos === etag.length && list.startsWith(etag, pos) && isElementEnd(list, end)) return true;
    } else if (c === 0x2a /* * */ && isElementEnd(list, pos + 1)) {
      return true;
    }
    // Anything else (a weak tag, junk) matches nothing; go to the next element.
    end = list.indexOf(',', end);
    if (end === -1) return false;
    pos = end + 1;
  }
  return false;
}

/** Whether only OWS separates `pos` from the next comma or the end. */
function isElementEnd(s: string, pos: number): boolean {
  while (pos < s.length && (s.charCodeAt(pos) === 0x20 || s.charCodeAt(pos) === 0x09)) pos++;
  return pos === s.length || s.charCodeAt(pos) === COMMA;
}

// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and
// asctime forms that recipients must still accept. Case-sensitive, exact
// spacing, GMT only; anything else is NaN.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Milliseconds since the epoch of an HTTP-date, or NaN. */
function parseHttpDate(s: string): number {
  if (s.length === 29 && s.charCodeAt(3) === COMMA) return imfFixdate(s);
  if (s.length === 24) return asctime(s);
  return rfc850(s);
}

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
function imfFixdate(s: string): number {
  if (!startsWithAny(s, 0, DAYS) || s.charCodeAt(4) !== 0x20 || s.charCodeAt(7) !== 0x20 || s.charCodeAt(11) !== 0x20 || s.charCodeAt(16) !== 0x20) return NaN;
  if (!s.endsWith(' GMT')) return NaN;
  return toMs(digits(s, 12, 4), monthAt(s, 8), digits(s, 5, 2), s, 17);
}

/** `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit year: 70–99 → 19xx, 00–69 → 20xx) */
function rfc850(s: string): number {
  const comma = s.indexOf(',');
  if (comma < 6 || !LONG_DAYS.includes(s.slice(0, comma))) return NaN;
  const d = comma + 2; // the day of the month
  if (s.length !== d + 22 || s.charCodeAt(comma + 1) !== 0x20 || !s.endsWith(' GMT')) return NaN;
  if (s.charCodeAt(d + 2) !== 0x2d || s.charCodeAt(d + 6) !== 0x2d || s.charCodeAt(d + 9) !== 0x20) return NaN;
  const yy = digits(s, d + 7, 2);
  return toMs(yy < 0 ? NaN : yy < 70 ? 2000 + yy : 1900 + yy, monthAt(s, d + 3), digits(s, d, 2), s, d + 10);
}

/** `Sun Nov  6 08:49:37 1994` */
function asctime(s: string): number {
  if (!startsWithAny(s, 0, DAYS) || s.charCodeAt(3) !== 0x20 || s.charCodeAt(7) !== 0x20 || s.charCodeAt(10) !== 0x20 || s.charCodeAt(19) !== 0x20) return NaN;
  // The day is `SP DIGIT` or `2DIGIT`.
  const day = s.charCodeAt(8) === 0x20 ? digits(s, 9, 1) : digits(s, 8, 2);
  return toMs(digits(s, 20, 4), monthAt(s, 4), day, s, 11);
}

/** Combines a date with the `HH:MM:SS` at `t` in `s`; NaN when any part is out of range. */
function toMs(year: number, month: number, day: number, s: string, t: number): number {
  if (s.charCodeAt(t + 2) !== 0x3a || s.charCodeAt(t + 5) !== 0x3a) return NaN;
  const hour = digits(s, t, 2);
  const minute = digits(s, t + 3, 2);
  const second = digits(s, t + 6, 2);
  if (!(year >= 0) || month < 0 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
  // Date.UTC reads years 0–99 as 1900–1999; 400 Gregorian years are exactly 146097 days.
  return Date.UTC(year + 400, month, day, hour, minute, second) - 146097 * 86_400_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** The month index (0–11) of the three letters at `i`, or -1. */
function monthAt(s: string, i: number): number {
  for (let m = 0; m < 12; m++) if (s.startsWith(MONTHS[m], i)) return m;
  return -1;
}

function startsWithAny(s: string, i: number, words: readonly string[]): boolean {
  for (const w of words) if (s.startsWith(w, i)) return true;
  return false;
}

/** The value of exactly `count` ASCII digits at `i`, or -1. */
function digits(s: string, i: number, count: number): number {
  let n = 0;
  for (let k = i; k < i + count; k++) {
    const d = s.charCodeAt(k) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}
