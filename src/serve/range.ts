// Range (RFC 9110 §14.1–14.4, §14.6): parse a `Range: bytes=…` header against a
// size, and frame several ranges as multipart/byteranges. Hand-written rather
// than range-parser so that every rule below is ours and tested.

export interface ByteRange {
  start: number;
  end: number;
} // inclusive byte offsets

export type RangeResult =
  | { kind: 'none' } // no header, syntactically invalid, or we choose to answer 200 with the whole file
  | { kind: 'unsatisfiable' } // 416 with Content-Range: bytes */size
  | { kind: 'ranges'; ranges: ByteRange[] }; // 1 → a single 206; more → multipart/byteranges, in request order

/** multipart/byteranges framing (RFC 9110 §14.6): the bytes that go around each part, and the total body length. */
export interface MultipartPart {
  head: Buffer;
  start: number;
  end: number;
}
export interface MultipartLayout {
  parts: MultipartPart[];
  tail: Buffer;
  length: number;
  contentType: string;
}

const NONE: RangeResult = Object.freeze({ kind: 'none' });
const UNSATISFIABLE: RangeResult = Object.freeze({ kind: 'unsatisfiable' });

const COMMA = 0x2c;
const DASH = 0x2d;

/**
 * Parses `header` for a representation of `size` bytes. More than `maxRanges`
 * range-specs, or two ranges that share a byte, answer 'none' (the whole file):
 * that is the defence against `bytes=0-,0-,0-,…` amplification.
 */
export function parseRange(header: string | undefined, size: number, maxRanges: number): RangeResult {
  if (typeof header !== 'string' || !hasBytesUnit(header) || !Number.isSafeInteger(size) || size < 0) return NONE;
  const ranges: ByteRange[] = [];
  let specs = 0;
  let pos = 6; // after `bytes=`
  for (;;) {
    pos = skipOws(header, pos);
    if (pos === header.length) break;
    if (header.charCodeAt(pos) === COMMA) {
      pos++; // empty list elements are allowed
      continue;
    }
    const spec = parseSpec(header, pos, size);
    if (spec === INVALID) return NONE;
    // `!(a <= b)` so that a NaN cap refuses rather than allows.
    if (!(++specs <= maxRanges)) return NONE;
    if (spec.satisfiable) ranges.push({ start: spec.start, end: spec.end });
    pos = skipOws(header, spec.next);
    if (pos < header.length && header.charCodeAt(pos) !== COMMA) return NONE;
  }
  if (specs === 0) return NONE; // `bytes=` names no range at all
  if (ranges.length === 0) return UNSATISFIABLE;
  if (ranges.length > 1 && anyOverlap(ranges)) return NONE;
  return { kind: 'ranges', ranges };
}

/** `Content-Range` of a 206 part: `bytes 0-99/1000`. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/**
 * The framing of a multipart/byteranges body. `boundary` must be a token the
 * caller chose (1–70 safe characters), so it needs no quoting. The first part
 * starts the body with `--boundary`: the CRLF before a delimiter is optional there.
 */
export function multipartLayout(ranges: ByteRange[], size: number, partContentType: string, boundary: string): MultipartLayout {
  // A part has a Content-Type only when the whole file would have had one.
  const typeLine = partContentType ? `Content-Type: ${partContentType}\r\n` : '';
  const parts: MultipartPart[] = [];
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  let length = tail.length;
  for (let i = 0; i < ranges.length; i++) {
    const { start, end } = ranges[i];
    const lead = i === 0 ? '' : '\r\n';
    const head = Buffer.from(`${lead}--${boundary}\r\n${typeLine}Content-Range: ${contentRange(ranges[i], size)}\r\n\r\n`, 'latin1');
    parts.push({ head, start, end });
    length += head.length + (end - start + 1);
  }
  return { parts, tail, length, contentType: `multipart/byteranges; boundary=${boundary}` };
}

interface Spec {
  satisfiable: boolean;
  /** The range clamped to the file, when satisfiable. */
  start: number;
  end: number;
  /** Where the spec ended in the header. */
  next: number;
}
const INVALID = null;

/** One range-spec at `pos`: `a-b`, `a-` or `-n`, digits only; INVALID otherwise. */
function parseSpec(s: string, pos: number, size: number): Spec | null {
  if (s.charCodeAt(pos) === DASH) {
    const digitsEnd = skipDigits(s, pos + 1);
    if (digitsEnd === pos + 1) return INVALID;
    const suffix = digitsToNumber(s, pos + 1, digitsEnd);
    if (suffix === 0 || size === 0) return unsatisfiable(digitsEnd);
    // A suffix longer than the file is the whole file.
    return { satisfiable: true, start: suffix >= size ? 0 : size - suffix, end: size - 1, next: digitsEnd };
  }
  const firstEnd = skipDigits(s, pos);
  if (firstEnd === pos || s.charCodeAt(firstEnd) !== DASH) return INVALID;
  const lastStart = firstEnd + 1;
  const lastEnd = skipDigits(s, lastStart);
  const open = lastEnd === lastStart;
  // `5-3` is invalid, not unsatisfiable: the whole header is ignored.
  if (!open && compareDigits(s, pos, firstEnd, lastStart, lastEnd) > 0) return INVALID;
  const first = digitsToNumber(s, pos, firstEnd);
  if (first >= size) return unsatisfiable(lastEnd);
  const last = open ? size - 1 : Math.min(digitsToNumber(s, lastStart, lastEnd), size - 1);
  return { satisfiable: true, start: first, end: last, next: lastEnd };
}

function unsatisfiable(next: number): Spec {
  return { satisfiable: false, start: -1, end: -1, next };
}

/** Whether two ranges share a byte (after clamping). */
function anyOverlap(ranges: ByteRange[]): boolean {
  const sorted = ranges.slice().sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start <= sorted[i - 1].end) return true;
  return false;
}

/** `bytes=`, the unit in any case, nothing around it. */
function hasBytesUnit(s: string): boolean {
  if (s.length < 6 || s.charCodeAt(5) !== 0x3d /* = */) return false;
  const unit = 'bytes';
  for (let i = 0; i < 5; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== unit.charCodeAt(i)) return false;
  }
  return true;
}

function skipDigits(s: string, pos: number): number {
  while (pos < s.length && isDigit(s.charCodeAt(pos))) pos++;
  return pos;
}

/** The value of a run of digits; Infinity beyond 2^53, which is past any real size. */
function digitsToNumber(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    n = n * 10 + (s.charCodeAt(i) - 0x30);
    if (n > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return n;
}

/** Compares two runs of digits as integers of any length (sign of a - b). */
function compareDigits(s: string, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  while (aStart < aEnd - 1 && s.charCodeAt(aStart) === 0x30) aStart++;
  while (bStart < bEnd - 1 && s.charCodeAt(bStart) === 0x30) bStart++;
  const byLength = aEnd - aStart - (bEnd - bStart);
  if (byLength !== 0) return byLength;
  for (let i = 0; i < aEnd - aStart; i++) {
    const d = s.charCodeAt(aStart + i) - s.charCodeAt(bStart + i);
    if (d !== 0) return d;
  }
  return 0;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipOws(s: string, pos: number): number {
  while (pos < s.length && (s.charCodeAt(pos) === 0x20 || s.charCodeAt(pos) === 0x09)) pos++;
  return pos;
}
