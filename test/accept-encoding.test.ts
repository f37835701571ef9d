import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNegotiator, rankEncodings, type Coding } from '../src/serve/accept-encoding.js';
import type { EncodingName } from '../src/contract/encodings.js';

const BR_GZIP: EncodingName[] = ['br', 'gzip'];
const ALL: EncodingName[] = ['br', 'gzip', 'zstd'];

// [header, offered, expected]
const cases: Array<[string | undefined, EncodingName[], Coding[]]> = [
  // No preference expressed: no compression
  [undefined, BR_GZIP, ['identity']],
  ['', BR_GZIP, ['identity']],
  ['   ', BR_GZIP, ['identity']],
  [',', BR_GZIP, ['identity']],
  [' , ,\t, ', BR_GZIP, ['identity']],
  // The brief's examples
  ['gzip, deflate, br', BR_GZIP, ['br', 'gzip', 'identity']],
  ['br;q=0, gzip', BR_GZIP, ['gzip', 'identity']],
  ['gzip;q=0.5, br;q=0.8', BR_GZIP, ['br', 'gzip', 'identity']],
  ['GZIP', BR_GZIP, ['gzip', 'identity']],
  ['identity;q=1, br;q=0.5', BR_GZIP, ['identity', 'br']],
  ['*', BR_GZIP, ['br', 'gzip', 'identity']],
  ['*;q=0', BR_GZIP, []],
  ['br;q=0, *', BR_GZIP, ['gzip', 'identity']],
  ['gzip;q=1.001', BR_GZIP, ['identity']],
  ['zstd', ALL, ['zstd', 'identity']],
  ['br, gzip', ['gzip', 'br'], ['gzip', 'br', 'identity']],
  // What browsers send
  ['gzip, deflate, br, zstd', BR_GZIP, ['br', 'gzip', 'identity']],
  ['gzip, deflate, br, zstd', ALL, ['br', 'gzip', 'zstd', 'identity']],
  ['gzip, deflate', BR_GZIP, ['gzip', 'identity']],
  ['deflate, gzip;q=1.0, *;q=0.5', BR_GZIP, ['gzip', 'br', 'identity']],
  // q=0 refuses, whatever the spelling (universal-middleware#336: sirv served br to br;q=0)
  ['br;q=0', BR_GZIP, ['identity']],
  ['br;q=0.0', BR_GZIP, ['identity']],
  ['br;q=0.000', BR_GZIP, ['identity']],
  ['br;q=0.', BR_GZIP, ['identity']],
  ['br;Q=0', BR_GZIP, ['identity']],
  ['br ; q=0', BR_GZIP, ['identity']],
  ['br;\tq=0', BR_GZIP, ['identity']],
  ['br;q=0 ', BR_GZIP, ['identity']],
  // Malformed qvalues count as q=0
  ['br;q=2', BR_GZIP, ['identity']],
  ['br;q=abc', BR_GZIP, ['identity']],
  ['br;q=', BR_GZIP, ['identity']],
  ['br;q', BR_GZIP, ['identity']],
  ['br;q=0.1234', BR_GZIP, ['identity']],
  ['br;q=1.1', BR_GZIP, ['identity']],
  ['br;q=-1', BR_GZIP, ['identity']],
  ['br;q=.5', BR_GZIP, ['identity']],
  ['br;q=01', BR_GZIP, ['identity']],
  ['br;q=0.5x', BR_GZIP, ['identity']],
  ['br;q=1e0', BR_GZIP, ['identity']],
  ['br;q = 0.5', BR_GZIP, ['identity']],
  ['br;q= 0.5', BR_GZIP, ['identity']],
  ['br;q =1', BR_GZIP, ['identity']],
  ['br;q=0.5;q=1', BR_GZIP, ['br', 'identity']], // first q parameter counts
  // Valid qvalues
  ['br;q=1', BR_GZIP, ['br', 'identity']],
  ['br;q=1.', BR_GZIP, ['br', 'identity']],
  ['br;q=1.000', BR_GZIP, ['br', 'identity']],
  ['br;q=0.001', BR_GZIP, ['br', 'identity']],
  ['gzip;q=0.001, br;q=0.002', BR_GZIP, ['br', 'gzip', 'identity']],
  ['gzip;q=0.999, br;q=0.99', BR_GZIP, ['gzip', 'br', 'identity']],
  ['gzip;q=0.5, br;q=0.500', BR_GZIP, ['br', 'gzip', 'identity']], // a tie: server order
  // Other parameters are ignored
  ['br;level=5', BR_GZIP, ['br', 'identity']],
  ['br;foo=bar;q=0.3, gzip;q=0.4;foo', BR_GZIP, ['gzip', 'br', 'identity']],
  ['br;qq=0', BR_GZIP, ['br', 'identity']],
  ['br;;q=0', BR_GZIP, ['identity']],
  // Tokens: case, x-gzip, unknown and junk
  ['Br, GZip', BR_GZIP, ['br', 'gzip', 'identity']],
  ['x-gzip', BR_GZIP, ['gzip', 'identity']],
  ['X-GZIP;q=0.5, br;q=0.4', BR_GZIP, ['gzip', 'br', 'identity']],
  ['deflate', BR_GZIP, ['identity']],
  ['compress, deflate, sdch', BR_GZIP, ['identity']],
  ['brotli', BR_GZIP, ['identity']],
  ['gzipp, xgzip, b r, gz ip', BR_GZIP, ['identity']],
  ['"gzip"', BR_GZIP, ['identity']],
  ['gzip\r', BR_GZIP, ['identity']],
  ['x\rgzip', BR_GZIP, ['identity']],
  ['x\u00adgzip', BR_GZIP, ['identity']],
  ['\u0130dentity;q=0', BR_GZIP, ['identity']],
  // Duplicates: the first occurrence counts (gzip and x-gzip are one coding)
  ['br;q=0, br', BR_GZIP, ['identity']],
  ['br, br;q=0', BR_GZIP, ['br', 'identity']],
  ['gzip;q=0, x-gzip', BR_GZIP, ['identity']],
  ['x-gzip;q=0.2, gzip', BR_GZIP, ['gzip', 'identity']],
  ['*;q=0, *', BR_GZIP, []],
  // Codings not offered are never returned
  ['br, gzip', ['gzip'], ['gzip', 'identity']],
  ['zstd', BR_GZIP, ['identity']],
  ['*', ['gzip'], ['gzip', 'identity']],
  ['br, gzip', [], ['identity']],
  ['*', ALL, ['br', 'gzip', 'zstd', 'identity']],
  ['zstd;q=0.9, *;q=0.5', ALL, ['zstd', 'br', 'gzip', 'identity']],
  // Empty elements and whitespace around them
  [',br,,gzip,', BR_GZIP, ['br', 'gzip', 'identity']],
  [' \t br \t , \t gzip \t ', BR_GZIP, ['br', 'gzip', 'identity']],
  // Identity: refused, listed, implied, or via `*`
  ['identity;q=0', BR_GZIP, []],
  ['identity;q=0, gzip', BR_GZIP, ['gzip']],
  ['identity', BR_GZIP, ['identity']],
  ['IDENTITY, gzip', BR_GZIP, ['gzip', 'identity']], // a tie: identity after the offered codings
  ['identity;q=0.5, gzip;q=0.4', BR_GZIP, ['identity', 'gzip']],
  ['gzip;q=0.001', BR_GZIP, ['gzip', 'identity']], // implied identity ranks after any explicit coding
  ['*;q=0.5, gzip', BR_GZIP, ['gzip', 'br', 'identity']],
  ['*;q=0, gzip', BR_GZIP, ['gzip']],
  ['*;q=0, identity', BR_GZIP, ['identity']],
  ['*;q=0.5, identity;q=0.8', BR_GZIP, ['identity', 'br', 'gzip']],
  ['*;q=0.9, identity;q=0', BR_GZIP, ['br', 'gzip']],
];

test('rankEncodings table', () => {
  for (const [header, offered, expected] of cases) {
    assert.deepEqual(rankEncodings(header, offered), expected, `${JSON.stringify(header)} offered ${JSON.stringify(offered)}`);
  }
});

test('the negotiator gives the same answers as rankEncodings', () => {
  const negotiators = new Map<string, (h: string | undefined) => readonly Coding[]>();
  for (const [header, offered, expected] of cases) {
    const key = offered.join();
    if (!negotiators.has(key)) negotiators.set(key, createNegotiator(offered));
    assert.deepEqual(negotiators.get(key)!(header), expected, JSON.stringify(header));
  }
});

test('the negotiator returns the same frozen array for the same header', () => {
  const negotiate = createNegotiator(BR_GZIP);
  const a = negotiate('gzip, deflate, br');
  const b = negotiate('gzip, deflate, br');
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a));
  assert.deepEqual(a, ['br', 'gzip', 'identity']);
  assert.equal(negotiate(undefined), negotiate(''));
  assert.equal(negotiate(undefined), negotiate(' , '));
  assert.ok(Object.isFrozen(negotiate(undefined)));
  assert.throws(() => (a as Coding[]).push('zstd'), TypeError);
});

test('the negotiator keeps answering correctly past its cache bound', () => {
  const negotiate = createNegotiator(BR_GZIP);
  for (let i = 0; i < 2000; i++) {
    const header = `gzip;q=0.${String(i % 1000).padStart(3, '0')}, br;q=0.5, x${i}`;
    assert.deepEqual(negotiate(header), rankEncodings(header, BR_GZIP), header);
  }
  const again = negotiate('br');
  assert.equal(negotiate('br'), again);
});

test('the negotiator cache is bounded: it is cleared when full', () => {
  const negotiate = createNegotiator(BR_GZIP);
  const first = negotiate('br');
  for (let i = 0; i < 499; i++) negotiate(`br, x${i}`);
  assert.equal(negotiate('br'), first); // 500 entries: still there
  negotiate('br, one-too-many');
  assert.notEqual(negotiate('br'), first); // cleared, parsed again
  assert.deepEqual(negotiate('br'), first);
});

test('very long headers are answered (and not kept)', () => {
  const negotiate = createNegotiator(BR_GZIP);
  const header = 'x'.repeat(5000) + ', gzip';
  assert.deepEqual(negotiate(header), ['gzip', 'identity']);
  assert.deepEqual(negotiate(header), ['gzip', 'identity']);
  assert.ok(Object.isFrozen(negotiate(header)));
  assert.notEqual(negotiate(header), negotiate(header)); // not memoised
});

test('the negotiator does not see later changes to the offered array', () => {
  const offered: EncodingName[] = ['br', 'gzip'];
  const negotiate = createNegotiator(offered);
  offered.reverse();
  assert.deepEqual(negotiate('gzip, br'), ['br', 'gzip', 'identity']);
});

test('the negotiator matches rankEncodings on generated headers', () => {
  const parts = ['br', 'gzip', 'x-gzip', 'zstd', 'identity', '*', 'deflate', 'BR', ';q=0', ';q=1', ';q=0.5', ';q=0.50', ';q=2', ';Q=0.3', ' ', ',', ';', 'q', '='];
  let seed = 11;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const offered of [BR_GZIP, ALL, ['gzip', 'br'] as EncodingName[], ['zstd'] as EncodingName[]]) {
    const negotiate = createNegotiator(offered);
    for (let n = 0; n < 3000; n++) {
      let header = '';
      const len = rand(8);
      for (let i = 0; i < len; i++) header += parts[rand(parts.length)];
      const expected = rankEncodings(header, offered);
      assert.deepEqual(negotiate(header), expected, header);
      assert.equal(negotiate(header), negotiate(header), header);
      // Invariants: only offered codings and identity, no duplicates.
      assert.equal(new Set(expected).size, expected.length, header);
      for (const c of expected) assert.ok(c === 'identity' || offered.includes(c), header);
    }
  }
});

test('never throws on odd input', () => {
  const odd: unknown[] = [null, 42, {}, ['gzip'], ';', ';;;', 'q=1', ';q=0', '\0', '\uD800', 'gzip;q=0.5;'.repeat(2000)];
  for (const header of odd) {
    assert.doesNotThrow(() => rankEncodings(header as string, BR_GZIP));
    assert.doesNotThrow(() => createNegotiator(BR_GZIP)(header as string));
  }
  assert.deepEqual(rankEncodings(['gzip'] as unknown as string, BR_GZIP), ['identity']);
  assert.deepEqual(rankEncodings('br', ['deflate', 'toString'] as unknown as EncodingName[]), ['identity']);
});
