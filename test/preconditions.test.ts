import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { evaluatePreconditions, ifRangeAllows, type PreconditionResult, type Validators } from '../src/serve/preconditions.js';

const ETAG = '"3f2a9c1b-br"';
const LM = 'Fri, 16 Jul 2021 09:09:37 GMT';
const LM_MS = Date.UTC(2021, 6, 16, 9, 9, 37);
const BEFORE = 'Fri, 16 Jul 2021 09:09:36 GMT';
const AFTER = 'Fri, 16 Jul 2021 09:09:38 GMT';
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';

const FILE: Validators = { etag: ETAG, lastModified: LM, lastModifiedMs: LM_MS };
const NO_ETAG: Validators = { etag: undefined, lastModified: LM, lastModifiedMs: LM_MS };
const NO_DATE: Validators = { etag: ETAG, lastModified: undefined, lastModifiedMs: NaN };
const BARE: Validators = { etag: undefined, lastModified: undefined, lastModifiedMs: NaN };

const PASS = 'pass';
const FAIL = 'precondition-failed';
const NOT_MODIFIED = 'not-modified';

// [what, request headers, validators, expected]
const cases: Array<[string, IncomingHttpHeaders, Validators, PreconditionResult]> = [
  ['no conditional headers', {}, FILE, PASS],
  ['unrelated headers', { 'cache-control': 'no-cache', range: 'bytes=0-1', 'if-range': ETAG }, FILE, PASS],
  // Step 1: If-Match, strong comparison
  ['If-Match: the ETag', { 'if-match': ETAG }, FILE, PASS],
  ['If-Match: another ETag', { 'if-match': '"other"' }, FILE, FAIL],
  ['If-Match: a list holding the ETag', { 'if-match': `"a", ${ETAG}, "b"` }, FILE, PASS],
  ['If-Match: a list without spaces', { 'if-match': `"a",${ETAG}` }, FILE, PASS],
  ['If-Match: a list with tabs and empty elements', { 'if-match': `,\t"a" ,\t, ${ETAG}\t,` }, FILE, PASS],
  ['If-Match: a list without the ETag', { 'if-match': '"a", "b"' }, FILE, FAIL],
  ['If-Match: W/ never matches (strong comparison)', { 'if-match': `W/${ETAG}` }, FILE, FAIL],
  ['If-Match: W/ then the strong tag', { 'if-match': `W/${ETAG}, ${ETAG}` }, FILE, PASS],
  ['If-Match: a weak tag with a comma inside', { 'if-match': `W/"x,${ETAG.slice(1)}` }, FILE, FAIL],
  ['If-Match: a tag with a comma inside', { 'if-match': `"x,y", ${ETAG}` }, FILE, PASS],
  ['If-Match: the ETag without quotes', { 'if-match': ETAG.slice(1, -1) }, FILE, FAIL],
  ['If-Match: the ETag in another case', { 'if-match': ETAG.toUpperCase() }, FILE, FAIL],
  ['If-Match: a prefix of the ETag', { 'if-match': '"3f2a9c1b"' }, FILE, FAIL],
  ['If-Match: the ETag followed by junk', { 'if-match': `${ETAG}x` }, FILE, FAIL],
  ['If-Match: an unterminated tag', { 'if-match': '"3f2a9c1b-br' }, FILE, FAIL],
  ['If-Match: *', { 'if-match': '*' }, FILE, PASS],
  ['If-Match: * in a list', { 'if-match': '"a", *' }, FILE, PASS],
  ['If-Match: *x is not *', { 'if-match': '*x' }, FILE, FAIL],
  ['If-Match: * on a file without an ETag', { 'if-match': '*' }, NO_ETAG, PASS],
  ['If-Match: a tag on a file without an ETag', { 'if-match': ETAG }, NO_ETAG, FAIL],
  ['If-Match: empty (no condition)', { 'if-match': '' }, FILE, PASS],
  ['If-Match: only commas and spaces (no condition)', { 'if-match': ' , ,' }, FILE, PASS],
  ['If-Match: junk', { 'if-match': 'junk' }, FILE, FAIL],
  // Step 2: If-Unmodified-Since
  ['IUS: the same instant', { 'if-unmodified-since': LM }, FILE, PASS],
  ['IUS: later than Last-Modified', { 'if-unmodified-since': AFTER }, FILE, PASS],
  ['IUS: earlier than Last-Modified', { 'if-unmodified-since': BEFORE }, FILE, FAIL],
  ['IUS: invalid date is ignored', { 'if-unmodified-since': 'yesterday' }, FILE, PASS],
  ['IUS: Date.parse-able junk is ignored', { 'if-unmodified-since': '1' }, FILE, PASS],
  ['IUS: empty is ignored', { 'if-unmodified-since': '' }, FILE, PASS],
  ['IUS: file without Last-Modified', { 'if-unmodified-since': BEFORE }, NO_DATE, PASS],
  ['IUS: ignored when If-Match is present', { 'if-match': ETAG, 'if-unmodified-since': BEFORE }, FILE, PASS],
  ['IUS: evaluated when If-Match is empty', { 'if-match': '', 'if-unmodified-since': BEFORE }, FILE, FAIL],
  ['IUS: RFC 850 date', { 'if-unmodified-since': 'Friday, 16-Jul-21 09:09:36 GMT' }, FILE, FAIL],
  ['IUS: asctime date', { 'if-unmodified-since': 'Fri Jul 16 09:09:36 2021' }, FILE, FAIL],
  // Step 3: If-None-Match, weak comparison
  ['INM: the ETag', { 'if-none-match': ETAG }, FILE, NOT_MODIFIED],
  ['INM: another ETag', { 'if-none-match': '"other"' }, FILE, PASS],
  ['INM: W/ matches (weak comparison)', { 'if-none-match': `W/${ETAG}` }, FILE, NOT_MODIFIED],
  ['INM: lower-case w/ is not a weak tag', { 'if-none-match': `w/${ETAG}` }, FILE, PASS],
  ['INM: a list with spaces', { 'if-none-match': `"a", ${ETAG}` }, FILE, NOT_MODIFIED],
  ['INM: a list without spaces', { 'if-none-match': `"a",${ETAG},"b"` }, FILE, NOT_MODIFIED],
  ['INM: spaces before commas', { 'if-none-match': `"a" , ${ETAG} , "b"` }, FILE, NOT_MODIFIED],
  ['INM: a list with tabs', { 'if-none-match': `"a",\t${ETAG}` }, FILE, NOT_MODIFIED],
  ['INM: a list with W/ and empty elements', { 'if-none-match': `, "a", ,W/${ETAG},` }, FILE, NOT_MODIFIED],
  ['INM: a list without the ETag', { 'if-none-match': '"a", "b"' }, FILE, PASS],
  ['INM: the ETag without quotes', { 'if-none-match': ETAG.slice(1, -1) }, FILE, PASS],
  ['INM: a prefix of the ETag', { 'if-none-match': '"3f2a9c1b"' }, FILE, PASS],
  ['INM: the identity ETag does not match the br one', { 'if-none-match': '"3f2a9c1b"' }, FILE, PASS],
  ['INM: *', { 'if-none-match': '*' }, FILE, NOT_MODIFIED],
  ['INM: * on a file without an ETag', { 'if-none-match': '*' }, NO_ETAG, NOT_MODIFIED],
  ['INM: a tag on a file without an ETag', { 'if-none-match': ETAG }, NO_ETAG, PASS],
  ['INM: empty (no condition)', { 'if-none-match': '' }, FILE, PASS],
  ['INM: only commas (no condition)', { 'if-none-match': ',' }, FILE, PASS],
  // Step 3 overrides step 4
  ['INM mismatch beats a matching IMS (whitenoise#202)', { 'if-none-match': '"old"', 'if-modified-since': LM }, FILE, PASS],
  ['INM match with a stale IMS', { 'if-none-match': ETAG, 'if-modified-since': BEFORE }, FILE, NOT_MODIFIED],
  ['INM on a file without an ETag does not fall back to IMS', { 'if-none-match': '"x"', 'if-modified-since': LM }, NO_ETAG, PASS],
  ['empty INM falls back to IMS', { 'if-none-match': '', 'if-modified-since': LM }, FILE, NOT_MODIFIED],
  // Step 4: If-Modified-Since
  ['IMS: the same instant', { 'if-modified-since': LM }, FILE, NOT_MODIFIED],
  ['IMS: later than Last-Modified', { 'if-modified-since': AFTER }, FILE, NOT_MODIFIED],
  ['IMS: in the future', { 'if-modified-since': FUTURE }, FILE, NOT_MODIFIED],
  ['IMS: earlier than Last-Modified', { 'if-modified-since': BEFORE }, FILE, PASS],
  ['IMS: file without Last-Modified', { 'if-modified-since': AFTER }, NO_DATE, PASS],
  ['IMS: nothing to compare', { 'if-modified-since': AFTER }, BARE, PASS],
  ['IMS: malformed seconds', { 'if-modified-since': 'Fri, 16 Jul 2021 09:09:1626426577S GMT' }, FILE, PASS],
  ['IMS: Date.parse-able but not an HTTP date ("2100")', { 'if-modified-since': '2100' }, FILE, PASS],
  ['IMS: Date.parse-able but not an HTTP date ("1" is 2001 to Date.parse)', { 'if-modified-since': '1' }, FILE, PASS],
  ['IMS: ISO 8601 is not an HTTP date', { 'if-modified-since': '2100-01-01T00:00:00Z' }, FILE, PASS],
  ['IMS: a time zone other than GMT', { 'if-modified-since': 'Fri, 16 Jul 2021 09:09:37 UTC' }, FILE, PASS],
  ['IMS: +0000 instead of GMT', { 'if-modified-since': 'Fri, 16 Jul 2021 09:09:37 +0000' }, FILE, PASS],
  ['IMS: lower-case month', { 'if-modified-since': 'Fri, 16 jul 2021 09:09:37 GMT' }, FILE, PASS],
  ['IMS: no leading zero on the day', { 'if-modified-since': 'Fri, 6 Jul 2021 09:09:37 GMT' }, FILE, PASS],
  ['IMS: two members', { 'if-modified-since': `${LM}, ${LM}` }, FILE, PASS],
  ['IMS: empty', { 'if-modified-since': '' }, FILE, PASS],
  ['IMS: RFC 850 form', { 'if-modified-since': 'Friday, 16-Jul-21 09:09:37 GMT' }, FILE, NOT_MODIFIED],
  ['IMS: RFC 850 form, earlier', { 'if-modified-since': 'Friday, 16-Jul-21 09:09:36 GMT' }, FILE, PASS],
  ['IMS: asctime form', { 'if-modified-since': 'Fri Jul 16 09:09:37 2021' }, FILE, NOT_MODIFIED],
  ['IMS: asctime form with a one-digit day', { 'if-modified-since': 'Tue Nov  6 08:49:37 2040' }, FILE, NOT_MODIFIED],
  ['IMS: second 61', { 'if-modified-since': 'Fri, 16 Jul 2100 23:59:61 GMT' }, FILE, PASS],
  ['IMS: minute 60', { 'if-modified-since': 'Fri, 16 Jul 2100 23:60:00 GMT' }, FILE, PASS],
  ['IMS: day 32', { 'if-modified-since': 'Fri, 32 Jul 2100 00:00:00 GMT' }, FILE, PASS],
  ['IMS: day 00', { 'if-modified-since': 'Fri, 00 Jul 2100 00:00:00 GMT' }, FILE, PASS],
  ['IMS: hour 24', { 'if-modified-since': 'Fri, 16 Jul 2100 24:00:00 GMT' }, FILE, PASS],
  ['IMS: 30 February', { 'if-modified-since': 'Fri, 30 Feb 2100 00:00:00 GMT' }, FILE, PASS],
  ['IMS: 29 February of a leap year', { 'if-modified-since': 'Tue, 29 Feb 2028 00:00:00 GMT' }, FILE, NOT_MODIFIED],
  ['IMS: 29 February of 2100 (not a leap year)', { 'if-modified-since': 'Mon, 29 Feb 2100 00:00:00 GMT' }, FILE, PASS],
  // Cache-Control: no-cache is a forced reload: a full 200 (fresh's rule)
  ['no-cache with a matching INM', { 'if-none-match': ETAG, 'cache-control': 'no-cache' }, FILE, PASS],
  ['no-cache in a list with a matching INM', { 'if-none-match': `W/${ETAG}`, 'cache-control': 'max-age=0, no-cache' }, FILE, PASS],
  ['no-cache with INM *', { 'if-none-match': '*', 'cache-control': 'no-cache' }, FILE, PASS],
  ['no-cache with a matching IMS', { 'if-modified-since': LM, 'cache-control': 'no-cache' }, FILE, PASS],
  ['max-age=0 still revalidates', { 'if-none-match': ETAG, 'cache-control': 'max-age=0' }, FILE, NOT_MODIFIED],
  ['max-age=0 still revalidates by date', { 'if-modified-since': LM, 'cache-control': 'max-age=0' }, FILE, NOT_MODIFIED],
  ['no-cache does not affect If-Match', { 'if-match': '"other"', 'cache-control': 'no-cache' }, FILE, FAIL],
  // Interactions between the steps
  ['If-Match failure beats a matching INM', { 'if-match': '"other"', 'if-none-match': ETAG }, FILE, FAIL],
  ['If-Match success then a matching INM', { 'if-match': ETAG, 'if-none-match': ETAG }, FILE, NOT_MODIFIED],
  ['If-Match success then a mismatching INM', { 'if-match': ETAG, 'if-none-match': '"x"' }, FILE, PASS],
  ['IUS failure beats a matching INM', { 'if-unmodified-since': BEFORE, 'if-none-match': ETAG }, FILE, FAIL],
  ['IUS failure beats a matching IMS', { 'if-unmodified-since': BEFORE, 'if-modified-since': LM }, FILE, FAIL],
  ['IUS success then a matching IMS', { 'if-unmodified-since': LM, 'if-modified-since': LM }, FILE, NOT_MODIFIED],
  ['If-Match * then IMS', { 'if-match': '*', 'if-modified-since': AFTER }, FILE, NOT_MODIFIED],
  // Repeated fields, as a caller might hand them over
  ['INM as an array', { 'if-none-match': ['"a"', ETAG] as unknown as string }, FILE, NOT_MODIFIED],
  ['If-Match as an array', { 'if-match': ['"a"', '"b"'] as unknown as string }, FILE, FAIL],
  ['IMS as an array (two members: ignored)', { 'if-modified-since': [LM, LM] as unknown as string }, FILE, PASS],
  ['INM not a string', { 'if-none-match': 42 as unknown as string }, FILE, PASS],
];

test('evaluatePreconditions table', () => {
  for (const [what, headers, validators, expected] of cases) {
    assert.equal(evaluatePreconditions(headers, validators), expected, what);
  }
});

test('the fast path does not skip If-Match, If-Unmodified-Since or no-cache', () => {
  assert.equal(evaluatePreconditions({ 'if-none-match': ETAG }, FILE), NOT_MODIFIED);
  assert.equal(evaluatePreconditions({ 'if-none-match': ETAG, 'if-match': '"x"' }, FILE), FAIL);
  assert.equal(evaluatePreconditions({ 'if-none-match': ETAG, 'if-unmodified-since': BEFORE }, FILE), FAIL);
  assert.equal(evaluatePreconditions({ 'if-none-match': ETAG, 'cache-control': 'no-cache' }, FILE), PASS);
});

test('no ETag and no If-None-Match is not a match (undefined === undefined)', () => {
  assert.equal(evaluatePreconditions({ 'if-modified-since': BEFORE }, NO_ETAG), PASS);
  assert.equal(evaluatePreconditions({ 'if-unmodified-since': LM }, BARE), PASS);
  assert.equal(evaluatePreconditions({ 'if-modified-since': AFTER }, BARE), PASS);
});

test('a 304 for a compressed variant needs that variant’s ETag', () => {
  const br: Validators = { ...FILE, etag: '"3f2a9c1b-br"' };
  const identity: Validators = { ...FILE, etag: '"3f2a9c1b"' };
  assert.equal(evaluatePreconditions({ 'if-none-match': '"3f2a9c1b"' }, br), PASS);
  assert.equal(evaluatePreconditions({ 'if-none-match': '"3f2a9c1b"' }, identity), NOT_MODIFIED);
  assert.equal(evaluatePreconditions({ 'if-none-match': '"3f2a9c1b", "3f2a9c1b-br"' }, br), NOT_MODIFIED);
});

test('never throws on odd input', () => {
  const odd: unknown[] = ['', '"', 'W/', 'W/"', ',', '*,*', '\0', '\uD800', '"'.repeat(10_000), 'W/"a",'.repeat(2000), ['"a"', 1], {}, null];
  for (const value of odd) {
    for (const name of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'cache-control']) {
      const headers = { [name]: value } as IncomingHttpHeaders;
      for (const v of [FILE, NO_ETAG, NO_DATE, BARE]) {
        assert.doesNotThrow(() => evaluatePreconditions(headers, v), `${name}: ${String(value).slice(0, 20)}`);
        assert.doesNotThrow(() => ifRangeAllows(headers, v), `${name}: ${String(value).slice(0, 20)}`);
      }
    }
  }
});

// [what, If-Range value, validators, expected]
const ifRangeCases: Array<[string, string | undefined, Validators, boolean]> = [
  ['absent', undefined, FILE, true],
  ['absent, file without validators', undefined, BARE, true],
  ['the ETag', ETAG, FILE, true],
  ['another ETag', '"other"', FILE, false],
  ['the weak form of the ETag (W/ never matches)', `W/${ETAG}`, FILE, false],
  ['a list is not one entity-tag', `"a", ${ETAG}`, FILE, false],
  ['the ETag twice', `${ETAG}, ${ETAG}`, FILE, false],
  ['an ETag on a file without one', ETAG, NO_ETAG, false],
  ['*', '*', FILE, false],
  ['empty', '', FILE, false],
  ['the ETag without quotes', ETAG.slice(1, -1), FILE, false],
  ['Last-Modified exactly', LM, FILE, true],
  ['Last-Modified in RFC 850 form', 'Friday, 16-Jul-21 09:09:37 GMT', FILE, true],
  ['Last-Modified in asctime form', 'Fri Jul 16 09:09:37 2021', FILE, true],
  ['one second earlier', BEFORE, FILE, false],
  ['one second later', AFTER, FILE, false],
  ['a date on a file without Last-Modified', LM, NO_DATE, false],
  ['a malformed date', 'Fri, 16 Jul 2021 09:09:1626426577S GMT', FILE, false],
  ['a date Date.parse would accept', '2021-07-16T09:09:37Z', FILE, false],
  ['junk', 'junk', FILE, false],
];

test('ifRangeAllows table', () => {
  for (const [what, value, validators, expected] of ifRangeCases) {
    const headers: IncomingHttpHeaders = value === undefined ? {} : { 'if-range': value };
    assert.equal(ifRangeAllows(headers, validators), expected, what);
  }
});

test('If-Range compares dates to the second, across every day of a leap year', () => {
  // Exercises the date parser: each IMF-fixdate Node prints must read back exactly.
  for (let day = 0; day < 366; day++) {
    const ms = Date.UTC(2024, 0, 1 + day, day % 24, (day * 7) % 60, (day * 13) % 60);
    const v: Validators = { etag: ETAG, lastModified: new Date(ms).toUTCString(), lastModifiedMs: ms };
    assert.equal(ifRangeAllows({ 'if-range': v.lastModified }, v), true, v.lastModified);
    assert.equal(ifRangeAllows({ 'if-range': new Date(ms + 1000).toUTCString() }, v), false);
  }
  for (const ms of [0, Date.UTC(1969, 11, 31, 23, 59, 59), Date.UTC(1900, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59)]) {
    const v: Validators = { etag: undefined, lastModified: new Date(ms).toUTCString(), lastModifiedMs: ms };
    assert.equal(ifRangeAllows({ 'if-range': v.lastModified }, v), true, v.lastModified);
  }
});

test('two-digit RFC 850 years: 00–69 are 20xx, 70–99 are 19xx', () => {
  const at = (ms: number): Validators => ({ etag: undefined, lastModified: new Date(ms).toUTCString(), lastModifiedMs: ms });
  assert.equal(ifRangeAllows({ 'if-range': 'Thursday, 01-Jan-70 00:00:00 GMT' }, at(0)), true);
  assert.equal(ifRangeAllows({ 'if-range': 'Wednesday, 31-Dec-69 00:00:00 GMT' }, at(Date.UTC(2069, 11, 31))), true);
  assert.equal(ifRangeAllows({ 'if-range': 'Sunday, 06-Nov-94 08:49:37 GMT' }, at(Date.UTC(1994, 10, 6, 8, 49, 37))), true);
  assert.equal(ifRangeAllows({ 'if-range': 'Sunday, 06-Nov-94 08:49:37 UTC' }, at(Date.UTC(1994, 10, 6, 8, 49, 37))), false);
  assert.equal(ifRangeAllows({ 'if-range': 'Sun, 06-Nov-94 08:49:37 GMT' }, at(Date.UTC(1994, 10, 6, 8, 49, 37))), false);
  assert.equal(ifRangeAllows({ 'if-range': 'Funday, 06-Nov-94 08:49:37 GMT' }, at(Date.UTC(1994, 10, 6, 8, 49, 37))), false);
});
