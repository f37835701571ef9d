import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, multipartLayout, parseRange, type ByteRange, type MultipartLayout, type RangeResult } from '../src/serve/range.js';

const NONE: RangeResult = { kind: 'none' };
const UNSAT: RangeResult = { kind: 'unsatisfiable' };
const ranges = (...pairs: Array<[number, number]>): RangeResult => ({ kind: 'ranges', ranges: pairs.map(([start, end]) => ({ start, end })) });

// [header, size, expected]; maxRanges is 5 unless a test says otherwise
const cases: Array<[string | undefined, number, RangeResult]> = [
  [undefined, 1000, NONE],
  ['', 1000, NONE],
  // Single ranges
  ['bytes=0-99', 1000, ranges([0, 99])],
  ['bytes=500-999', 1000, ranges([500, 999])],
  ['bytes=999-999', 1000, ranges([999, 999])],
  ['bytes=0-', 1000, ranges([0, 999])],
  ['bytes=999-', 1000, ranges([999, 999])],
  ['bytes=-1', 1000, ranges([999, 999])],
  ['bytes=-500', 1000, ranges([500, 999])],
  ['bytes=-1000', 1000, ranges([0, 999])],
  ['bytes=-0', 1000, UNSAT],
  ['bytes=-000', 1000, UNSAT],
  ['bytes=000-001', 1000, ranges([0, 1])],
  // Clamping
  ['bytes=0-1000', 1000, ranges([0, 999])],
  ['bytes=900-99999', 1000, ranges([900, 999])],
  ['bytes=-500', 100, ranges([0, 99])],
  ['bytes=0-99999999999999999999', 1000, ranges([0, 999])],
  ['bytes=-99999999999999999999', 1000, ranges([0, 999])],
  ['bytes=9007199254740993-', 1000, UNSAT],
  ['bytes=99999999999999999999-', 1000, UNSAT],
  ['bytes=99999999999999999999-99999999999999999999', 1000, UNSAT],
  ['bytes=99999999999999999999-99999999999999999998', 1000, NONE], // b < a, even past 2^53
  ['bytes=00000000000000000000000001-2', 1000, ranges([1, 2])],
  // Unsatisfiable
  ['bytes=1000-', 1000, UNSAT],
  ['bytes=1000-2000', 1000, UNSAT],
  ['bytes=5000-5001', 1000, UNSAT],
  ['bytes=1000-,2000-', 1000, UNSAT],
  ['bytes=-0,1000-', 1000, UNSAT],
  // Invalid headers are ignored (200), never 416
  ['bytes=5-3', 1000, NONE],
  ['bytes=5000-3', 1000, NONE],
  ['bytes=abc', 1000, NONE],
  ['bytes=1-2-3', 1000, NONE],
  ['bytes=+1-2', 1000, NONE],
  ['bytes=1-+2', 1000, NONE],
  ['bytes=-1-2', 1000, NONE],
  ['bytes=--1', 1000, NONE],
  ['bytes=-', 1000, NONE],
  ['bytes=1', 1000, NONE],
  ['bytes=0x10-0x20', 1000, NONE],
  ['bytes=1e3-', 1000, NONE],
  ['bytes=1.5-2', 1000, NONE],
  ['bytes=0 - 1', 1000, NONE],
  ['bytes=0- 1', 1000, NONE],
  ['bytes=0-1 2', 1000, NONE],
  ['bytes=0-1;x', 1000, NONE],
  ['bytes=0-1,junk', 1000, NONE],
  ['bytes=0-1,4-5,x', 1000, NONE],
  ['bytes=\u0661-\u0662', 1000, NONE], // Arabic-Indic digits are not DIGIT
  ['bytes=', 1000, NONE],
  ['bytes=,', 1000, NONE],
  ['bytes= , ', 1000, NONE],
  // The unit
  ['BYTES=0-1', 1000, ranges([0, 1])],
  ['Bytes=0-1', 1000, ranges([0, 1])],
  [' bytes=0-1', 1000, NONE],
  ['bytes =0-1', 1000, NONE],
  ['bytes = 0-1', 1000, NONE],
  ['bytes:0-1', 1000, NONE],
  ['bytes0-1', 1000, NONE],
  ['items=0-1', 1000, NONE],
  ['byte=0-1', 1000, NONE],
  ['bytesx=0-1', 1000, NONE],
  ['0-1', 1000, NONE],
  ['=0-1', 1000, NONE],
  ['\u0130tems=0-1', 1000, NONE],
  // OWS around elements, empty elements
  ['bytes=0-1,4-5', 1000, ranges([0, 1], [4, 5])],
  ['bytes=0-1, 4-5', 1000, ranges([0, 1], [4, 5])],
  ['bytes=0-1 ,\t4-5', 1000, ranges([0, 1], [4, 5])],
  ['bytes=0-1, ,4-5', 1000, ranges([0, 1], [4, 5])],
  ['bytes=,0-1,,4-5,', 1000, ranges([0, 1], [4, 5])],
  ['bytes= 0-1 ', 1000, ranges([0, 1])],
  // Several ranges: request order kept, unsatisfiable ones dropped
  ['bytes=4-5,0-1', 1000, ranges([4, 5], [0, 1])],
  ['bytes=0-0,-1', 1000, ranges([0, 0], [999, 999])],
  ['bytes=0-1,2-3', 1000, ranges([0, 1], [2, 3])], // adjacent is not overlapping
  ['bytes=0-1,2000-3000', 1000, ranges([0, 1])],
  ['bytes=-0,5-6', 1000, ranges([5, 6])],
  // Overlap (after clamping) → the whole file
  ['bytes=0-5,3-8', 1000, NONE],
  ['bytes=0-,0-', 1000, NONE],
  ['bytes=0-0,0-0', 1000, NONE],
  ['bytes=10-20,-995', 1000, NONE],
  ['bytes=990-5000,995-', 1000, NONE],
  ['bytes=900-,-50', 1000, NONE],
  ['bytes=0-1,5-9,8-8', 1000, NONE],
  // More than maxRanges (5), counted before satisfiability
  ['bytes=0-0,2-2,4-4,6-6,8-8', 1000, ranges([0, 0], [2, 2], [4, 4], [6, 6], [8, 8])],
  ['bytes=0-0,2-2,4-4,6-6,8-8,10-10', 1000, NONE],
  ['bytes=0-0,2-2,4-4,6-6,8-8,5000-', 1000, NONE],
  ['bytes=0-0,,,,,,,,,,2-2', 1000, ranges([0, 0], [2, 2])], // empty elements are not ranges
  // Empty file: every range is unsatisfiable
  ['bytes=0-', 0, UNSAT],
  ['bytes=0-0', 0, UNSAT],
  ['bytes=-1', 0, UNSAT],
  ['bytes=-0', 0, UNSAT],
  ['bytes=5-3', 0, NONE],
  // One-byte file
  ['bytes=0-0', 1, ranges([0, 0])],
  ['bytes=-1', 1, ranges([0, 0])],
  ['bytes=-2', 1, ranges([0, 0])],
  ['bytes=1-', 1, UNSAT],
];

test('parseRange table', () => {
  for (const [header, size, expected] of cases) {
    assert.deepEqual(parseRange(header, size, 5), expected, `${JSON.stringify(header)} on ${size} bytes`);
  }
});

test('bytes=0-0 is one byte (whitenoise#711)', () => {
  assert.deepEqual(parseRange('bytes=0-0', 1000, 5), ranges([0, 0]));
});

test('bytes=-1 is the last byte (whitenoise#711)', () => {
  assert.deepEqual(parseRange('bytes=-1', 1000, 5), ranges([999, 999]));
});

test('bytes=-0 is unsatisfiable, not the whole file (whitenoise gives 206)', () => {
  assert.deepEqual(parseRange('bytes=-0', 1000, 5), UNSAT);
});

test('bytes=5-3 is ignored, not 416 (whitenoise gives 416)', () => {
  assert.deepEqual(parseRange('bytes=5-3', 1000, 5), NONE);
});

test('a suffix range is the last bytes, not the first (sirv: bytes=-500 returned the first 501)', () => {
  assert.deepEqual(parseRange('bytes=-500', 1000, 5), ranges([500, 999]));
});

test('bytes=0-0 is not the whole file (sirv: 0 is falsy)', () => {
  assert.deepEqual(parseRange('bytes=0-0', 1000, 5), ranges([0, 0]));
});

test('the unit is checked (sirv ignores it)', () => {
  assert.deepEqual(parseRange('items=0-1', 1000, 5), NONE);
});

test('a-b,c-d is two ranges, not the first one (sirv) nor ignored (whitenoise)', () => {
  assert.deepEqual(parseRange('bytes=0-1,4-5', 1000, 5), ranges([0, 1], [4, 5]));
});

test('bytes=0-,0-,0-… is answered with the whole file (amplification)', () => {
  assert.deepEqual(parseRange('bytes=' + Array(5).fill('0-').join(','), 1000, 5), NONE);
  assert.deepEqual(parseRange('bytes=' + Array(5000).fill('0-').join(','), 1000, 5), NONE);
  assert.deepEqual(parseRange('bytes=' + Array(5000).fill('0-').join(','), 1000, Infinity), NONE);
});

test('maxRanges: 1 allows single ranges only; 0 or NaN disables ranges', () => {
  assert.deepEqual(parseRange('bytes=0-1', 1000, 1), ranges([0, 1]));
  assert.deepEqual(parseRange('bytes=0-1,4-5', 1000, 1), NONE);
  assert.deepEqual(parseRange('bytes=0-1', 1000, 0), NONE);
  assert.deepEqual(parseRange('bytes=0-1', 1000, NaN), NONE);
  assert.deepEqual(parseRange('bytes=0-1', 1000, -1), NONE);
});

test('many disjoint ranges under a high cap', () => {
  const specs: string[] = [];
  const expected: ByteRange[] = [];
  for (let i = 0; i < 1000; i++) {
    specs.push(`${i * 10}-${i * 10 + 4}`);
    expected.push({ start: i * 10, end: i * 10 + 4 });
  }
  // Descending order: the overlap check must not depend on request order.
  assert.deepEqual(parseRange('bytes=' + [...specs].reverse().join(','), 100_000, 1000), { kind: 'ranges', ranges: [...expected].reverse() });
  assert.deepEqual(parseRange('bytes=' + specs.join(',') + ',5-5', 100_000, 1001), { kind: 'ranges', ranges: [...expected, { start: 5, end: 5 }] });
  assert.deepEqual(parseRange('bytes=' + specs.join(',') + ',4-5', 100_000, 1001), NONE);
});

test('never throws, and rejects odd sizes', () => {
  const odd: unknown[] = [null, 42, {}, ['bytes=0-1'], 'bytes=' + '9'.repeat(10_000) + '-', 'bytes=' + '-'.repeat(10_000), 'bytes=\0-1', '\uD800'];
  for (const header of odd) assert.doesNotThrow(() => parseRange(header as string, 1000, 5));
  assert.deepEqual(parseRange(['bytes=0-1'] as unknown as string, 1000, 5), NONE);
  assert.deepEqual(parseRange('bytes=0-1', NaN, 5), NONE);
  assert.deepEqual(parseRange('bytes=0-1', -1, 5), NONE);
  assert.deepEqual(parseRange('bytes=0-1', 1.5, 5), NONE);
  assert.deepEqual(parseRange('bytes=0-1', Infinity, 5), NONE);
});

test('every satisfiable answer lies inside the file (fuzz)', () => {
  const parts = ['0', '1', '5', '9', '-', ',', ' ', '99', '00'];
  let seed = 3;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let n = 0; n < 20_000; n++) {
    let header = 'bytes=';
    const len = rand(9);
    for (let i = 0; i < len; i++) header += parts[rand(parts.length)];
    const size = rand(20);
    const result = parseRange(header, size, 4);
    if (result.kind !== 'ranges') continue;
    assert.ok(result.ranges.length >= 1 && result.ranges.length <= 4, header);
    for (const r of result.ranges) {
      assert.ok(Number.isInteger(r.start) && Number.isInteger(r.end), header);
      assert.ok(r.start >= 0 && r.start <= r.end && r.end < size, `${header} on ${size}: ${JSON.stringify(r)}`);
    }
  }
});

test('contentRange', () => {
  assert.equal(contentRange({ start: 0, end: 99 }, 1000), 'bytes 0-99/1000');
  assert.equal(contentRange({ start: 0, end: 0 }, 1), 'bytes 0-0/1');
  assert.equal(contentRange({ start: 999, end: 999 }, 1000), 'bytes 999-999/1000');
});

/** Assembles a body the way a writer would: each head, its slice, then the tail. */
function assemble(layout: MultipartLayout, file: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const part of layout.parts) chunks.push(part.head, file.subarray(part.start, part.end + 1));
  chunks.push(layout.tail);
  return Buffer.concat(chunks);
}

test('multipartLayout frames each part and counts the exact length', () => {
  const file = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  const layout = multipartLayout(
    [
      { start: 10, end: 12 },
      { start: 0, end: 0 },
      { start: 33, end: 35 },
    ],
    file.length,
    'text/plain; charset=utf-8',
    'BOUNDARY',
  );
  assert.equal(layout.contentType, 'multipart/byteranges; boundary=BOUNDARY');
  assert.deepEqual(
    layout.parts.map((p) => [p.start, p.end]),
    [
      [10, 12],
      [0, 0],
      [33, 35],
    ],
  );
  assert.equal(layout.parts[0].head.toString('latin1'), '--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-12/36\r\n\r\n');
  assert.equal(layout.parts[1].head.toString('latin1'), '\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-0/36\r\n\r\n');
  assert.equal(layout.tail.toString('latin1'), '\r\n--BOUNDARY--\r\n');
  const body = assemble(layout, file);
  assert.equal(layout.length, body.length);
  assert.equal(
    body.toString('latin1'),
    '--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-12/36\r\n\r\nabc' +
      '\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-0/36\r\n\r\n0' +
      '\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 33-35/36\r\n\r\nxyz' +
      '\r\n--BOUNDARY--\r\n',
  );
});

test('multipartLayout: binary bodies and parsed ranges round-trip', () => {
  const file = Buffer.alloc(70_000);
  for (let i = 0; i < file.length; i++) file[i] = (i * 31 + 7) & 0xff;
  const parsed = parseRange('bytes=-100, 0-0, 1000-1999, 65535-65536', file.length, 10);
  assert.equal(parsed.kind, 'ranges');
  const list = (parsed as { ranges: ByteRange[] }).ranges;
  const layout = multipartLayout(list, file.length, 'application/octet-stream', 'b0undary-x');
  const body = assemble(layout, file);
  assert.equal(layout.length, body.length);
  // Walk the body back into parts and compare each slice with the file.
  let pos = 0;
  for (const [i, r] of list.entries()) {
    const head = `${i === 0 ? '' : '\r\n'}--b0undary-x\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${r.start}-${r.end}/70000\r\n\r\n`;
    assert.equal(body.subarray(pos, pos + head.length).toString('latin1'), head);
    pos += head.length;
    assert.ok(body.subarray(pos, pos + r.end - r.start + 1).equals(file.subarray(r.start, r.end + 1)));
    pos += r.end - r.start + 1;
  }
  assert.equal(body.subarray(pos).toString('latin1'), '\r\n--b0undary-x--\r\n');
});

test('multipartLayout: no Content-Type line when the file has no type', () => {
  const layout = multipartLayout(
    [
      { start: 0, end: 1 },
      { start: 3, end: 3 },
    ],
    4,
    '',
    'B',
  );
  assert.equal(layout.parts[0].head.toString('latin1'), '--B\r\nContent-Range: bytes 0-1/4\r\n\r\n');
  assert.equal(layout.parts[1].head.toString('latin1'), '\r\n--B\r\nContent-Range: bytes 3-3/4\r\n\r\n');
  assert.equal(layout.length, assemble(layout, Buffer.from('abcd')).length);
  assert.equal(assemble(layout, Buffer.from('abcd')).toString(), '--B\r\nContent-Range: bytes 0-1/4\r\n\r\nab\r\n--B\r\nContent-Range: bytes 3-3/4\r\n\r\nd\r\n--B--\r\n');
});
