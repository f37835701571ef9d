// Canonical path: raw `req.url` → index key, or null. The index holds only
// canonical keys, so anything that is not canonical is a miss: this module
// never normalises a path into another one, it only refuses.

/** Longest raw path (after the mount, query excluded) we look up; longer is a miss. */
export const MAX_PATH_LENGTH = 4096;

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const QUESTION = 0x3f;

// What the raw pass found: refuse, use as is, or decode first.
const RAW_BAD = 0;
const RAW_PLAIN = 1;
const RAW_ENCODED = 2;

/** Maps a raw request URL to an index key, or null when it is not ours or not canonical. */
export function toKey(url: string, mount: string): string | null {
  if (typeof url !== 'string' || typeof mount !== 'string' || !url.startsWith(mount)) return null;
  const start = mount.length;
  const next = url.charCodeAt(start); // NaN at the end
  if (next !== SLASH) {
    // `/static` and `/static?x` ask for the mount itself (the caller redirects);
    // `/staticfoo` is someone else's. With mount '' there is no "mount itself".
    if (start < url.length && next !== QUESTION) return null;
    return start === 0 ? null : '';
  }
  let end = url.indexOf('?', start);
  if (end === -1) end = url.length;
  if (end - start > MAX_PATH_LENGTH) return null;

  const raw = checkRaw(url, start, end);
  if (raw === RAW_BAD) return null;
  const path = start === 0 && end === url.length ? url : url.slice(start, end);
  if (raw === RAW_PLAIN) return path;

  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null; // malformed escape or invalid UTF-8 (including overlong forms)
  }
  return checkDecoded(decoded) ? decoded : null;
}

/**
 * One pass over the raw path: printable ASCII only, no `\` or `#`, no empty,
 * `.` or `..` segment, no encoded separator. Tells whether decoding is needed.
 */
function checkRaw(s: string, start: number, end: number): number {
  let result = RAW_PLAIN;
  let segStart = start + 1; // s[start] is the leading '/'
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === BACKSLASH || c === HASH) return RAW_BAD;
    if (c === SLASH) {
      if (isEmptyOrDotSegment(s, segStart, i)) return RAW_BAD;
      segStart = i + 1;
    } else if (c === PERCENT) {
      // An encoded separator would turn one segment into two after decoding.
      if (isEncodedSeparator(s, i)) return RAW_BAD;
      result = RAW_ENCODED;
    }
  }
  // A trailing slash (empty last segment) is a directory key; dots are not.
  if (segStart < end && isDotSegment(s, segStart, end)) return RAW_BAD;
  return result;
}

/**
 * The decoded key: no control character (NUL included), no `\`, no empty, `.`
 * or `..` segment, and nothing a second decoding (by a proxy, a CDN or a
 * storage backend) would turn into a separator, NUL or dot segment.
 */
function checkDecoded(s: string): boolean {
  let segStart = 1;
  let dotUnits = 0; // `.` or `%2e` in this segment
  let onlyDots = true; // …and nothing else so far
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === BACKSLASH) return false;
    if (c === SLASH) {
      if (i === segStart || (onlyDots && dotUnits <= 2)) return false;
      segStart = i + 1;
      dotUnits = 0;
      onlyDots = true;
    } else if (c === DOT) {
      dotUnits++;
    } else if (c === PERCENT) {
      // A literal `%` (from `%25`): what would a second decoding make of it?
      const byte = hexByte(s, i);
      if (byte === SLASH || byte === BACKSLASH || byte === 0) return false;
      if (byte === DOT) {
        dotUnits++;
        i += 2;
      } else {
        onlyDots = false;
      }
    } else {
      onlyDots = false;
    }
  }
  return !(segStart < s.length && onlyDots && dotUnits <= 2);
}

function isEmptyOrDotSegment(s: string, from: number, to: number): boolean {
  return from === to || isDotSegment(s, from, to);
}

function isDotSegment(s: string, from: number, to: number): boolean {
  const len = to - from;
  if (len === 1) return s.charCodeAt(from) === DOT;
  return len === 2 && s.charCodeAt(from) === DOT && s.charCodeAt(from + 1) === DOT;
}

/** `%2f`, `%2F`, `%5c` or `%5C` at `i`. */
function isEncodedSeparator(s: string, i: number): boolean {
  const byte = hexByte(s, i);
  return byte === SLASH || byte === BACKSLASH;
}

/** The byte that the escape `%XX` at `i` stands for, or -1 when it is not one. */
function hexByte(s: string, i: number): number {
  const hi = hexDigit(s.charCodeAt(i + 1));
  const lo = hexDigit(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
