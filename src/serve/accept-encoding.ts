// Accept-Encoding (RFC 9110 §12.5.3): which of our precompressed codings the
// client accepts, best first. Parsed by hand with charCode scans: the header is
// attacker-controlled and read on every request.
import type { EncodingName } from '../contract/encodings.js';

export type Coding = EncodingName | 'identity';

const IDENTITY_ONLY: readonly Coding[] = Object.freeze(['identity'] as Coding[]);

/** Headers longer than this are answered but not memoised, so the cache stays small. */
const MAX_CACHED_HEADER = 256;
const CACHE_ENTRIES = 500;

// Weights are thousandths (0–1000) so ties compare exactly.
const NOT_LISTED = -1;
const Q_MAX = 1000;

// The codings we recognise, as indexes into the `listed` weights.
const BR = 0;
const GZIP = 1;
const ZSTD = 2;
const IDENTITY = 3;
const STAR = 4;
const UNKNOWN = -1;
const INDEX_OF: ReadonlyMap<string, number> = new Map([
  ['br', BR],
  ['gzip', GZIP],
  ['zstd', ZSTD],
]);

/** Acceptable codings among `offered` (the server's order) plus 'identity', best first. */
export function rankEncodings(header: string | undefined, offered: readonly EncodingName[]): readonly Coding[] {
  if (typeof header !== 'string' || header === '') return IDENTITY_ONLY;
  const listed = parseWeights(header);
  if (listed === undefined) return IDENTITY_ONLY;
  return rank(listed, offered);
}

/** Memoising wrapper: same answers, parsed once per distinct header string (bounded cache, e.g. 500 entries, cleared when full). Returned arrays are frozen and shared. */
export function createNegotiator(offered: readonly EncodingName[]): (header: string | undefined) => readonly Coding[] {
  const order = Object.freeze([...offered]);
  const cache = new Map<string, readonly Coding[]>();
  return (header) => {
    if (typeof header !== 'string' || header === '') return IDENTITY_ONLY;
    const hit = cache.get(header);
    if (hit !== undefined) return hit;
    const answer = Object.freeze(rankEncodings(header, order)) as readonly Coding[];
    if (header.length <= MAX_CACHED_HEADER) {
      // Clearing beats LRU bookkeeping: real traffic has a handful of distinct values.
      if (cache.size >= CACHE_ENTRIES) cache.clear();
      cache.set(header, answer);
    }
    return answer;
  };
}

/**
 * The first weight listed for each coding (`NOT_LISTED` when absent), indexed
 * by BR…STAR; undefined when the header lists nothing we know.
 */
function parseWeights(header: string): number[] | undefined {
  let listed: number[] | undefined;
  let pos = 0;
  while (pos <= header.length) {
    let end = header.indexOf(',', pos);
    if (end === -1) end = header.length;
    const element = elementWeight(header, pos, end);
    if (element !== undefined) {
      listed ??= [NOT_LISTED, NOT_LISTED, NOT_LISTED, NOT_LISTED, NOT_LISTED];
      // A coding listed twice: the first occurrence counts.
      if (listed[element.coding] === NOT_LISTED) listed[element.coding] = element.q;
    }
    pos = end + 1;
  }
  return listed;
}

/** One list element, `coding *( OWS ";" OWS param )`; undefined when empty or not a coding we know. */
function elementWeight(s: string, start: number, end: number): { coding: number; q: number } | undefined {
  start = skipOws(s, start, end);
  if (start === end) return undefined; // empty elements are allowed and ignored
  let semi = s.indexOf(';', start);
  if (semi === -1 || semi > end) semi = end;
  const coding = codingAt(s, start, trimOwsEnd(s, start, semi));
  if (coding === UNKNOWN) return undefined;
  return { coding, q: weightOf(s, semi, end) };
}

/** The q of the parameters in s[semi, end): the first `q` parameter, Q_MAX when there is none, 0 when it is malformed. */
function weightOf(s: string, semi: number, end: number): number {
  let pos = semi;
  while (pos < end) {
    const nameStart = skipOws(s, pos + 1, end); // pos is on a ';'
    let paramEnd = s.indexOf(';', nameStart);
    if (paramEnd === -1 || paramEnd > end) paramEnd = end;
    if (isQName(s, nameStart, paramEnd)) {
      // `q=` then a qvalue, with nothing between; OWS may only follow it.
      if (s.charCodeAt(nameStart + 1) !== 0x3d /* = */) return 0;
      return parseQ(s, nameStart + 2, trimOwsEnd(s, nameStart + 2, paramEnd));
    }
    pos = paramEnd;
  }
  return Q_MAX;
}

/** Whether the parameter at s[start, end) is named `q` (any case), however malformed its value. */
function isQName(s: string, start: number, end: number): boolean {
  if (start >= end || (s.charCodeAt(start) | 0x20) !== 0x71 /* q */) return false;
  const after = skipOws(s, start + 1, end);
  return after === end || s.charCodeAt(after) === 0x3d;
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; anything else is 0. */
function parseQ(s: string, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 5) return 0;
  const whole = s.charCodeAt(start);
  if (whole !== 0x30 && whole !== 0x31) return 0;
  if (len > 1 && s.charCodeAt(start + 1) !== 0x2e /* . */) return 0;
  let frac = 0;
  for (let i = start + 2, scale = 100; i < end; i++, scale /= 10) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 0;
    frac += d * scale;
  }
  if (whole === 0x31) return frac === 0 ? Q_MAX : 0;
  return frac;
}

/** Which known coding s[start, end) names, case-insensitively; `x-gzip` is `gzip`. */
function codingAt(s: string, start: number, end: number): number {
  switch (end - start) {
    case 1:
      return s.charCodeAt(start) === 0x2a /* * */ ? STAR : UNKNOWN;
    case 2:
      return matches(s, start, 'br') ? BR : UNKNOWN;
    case 4:
      return matches(s, start, 'gzip') ? GZIP : matches(s, start, 'zstd') ? ZSTD : UNKNOWN;
    case 6:
      return matches(s, start, 'x-gzip') ? GZIP : UNKNOWN;
    case 8:
      return matches(s, start, 'identity') ? IDENTITY : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Case-insensitive comparison of s at `start` with a lower-case ASCII `word`. */
function matches(s: string, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = s.charCodeAt(start + i);
    const lower = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    if (lower !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Orders the acceptable codings: q descending, ties in the server's order with identity last. */
function rank(listed: number[], offered: readonly EncodingName[]): readonly Coding[] {
  const star = listed[STAR];
  const candidates: Array<{ coding: Coding; q: number }> = [];
  for (const coding of offered) {
    const index = INDEX_OF.get(coding);
    if (index === undefined || candidates.some((c) => c.coding === coding)) continue;
    const q = listed[index] !== NOT_LISTED ? listed[index] : star;
    if (q > 0) candidates.push({ coding, q });
  }
  const identity = listed[IDENTITY] !== NOT_LISTED ? listed[IDENTITY] : star;
  // Not listed and no `*`: acceptable, but after everything the client asked for.
  if (identity === NOT_LISTED) candidates.push({ coding: 'identity', q: 0.5 });
  else if (identity > 0) candidates.push({ coding: 'identity', q: identity });
  candidates.sort((a, b) => b.q - a.q); // stable: ties keep the order pushed
  return candidates.map((c) => c.coding);
}

function skipOws(s: string, pos: number, end: number): number {
  while (pos < end && isOws(s.charCodeAt(pos))) pos++;
  return pos;
}

function trimOwsEnd(s: string, start: number, end: number): number {
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return end;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
