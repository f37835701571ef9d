// Content codings (src/contract/encodings.ts): sibling suffixes and the `encodings` option,
// shared by collect and serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENCODING_NAMES, ENCODING_SUFFIX, ENCODING_TAG, normalizeEncodings, variantBase, type EncodingName } from '../src/contract/encodings.js';

test('the codings, their sibling suffixes and ETag forms', () => {
  assert.deepEqual([...ENCODING_NAMES], ['br', 'gzip', 'zstd']);
  assert.deepEqual({ ...ENCODING_SUFFIX }, { br: '.br', gzip: '.gz', zstd: '.zst' });
  assert.deepEqual({ ...ENCODING_TAG }, { br: 'br', gzip: 'gz', zstd: 'zst' });
  assert.ok(Object.isFrozen(ENCODING_NAMES) && Object.isFrozen(ENCODING_SUFFIX) && Object.isFrozen(ENCODING_TAG));
});

test('variantBase: the file a sibling name belongs to', () => {
  // [name, expected]
  const cases: Array<[string, [string, EncodingName] | undefined]> = [
    ['x.css.br', ['x.css', 'br']],
    ['x.css.gz', ['x.css', 'gzip']],
    ['x.css.zst', ['x.css', 'zstd']],
    ['dir/a b.js.br', ['dir/a b.js', 'br']],
    ['Makefile.gz', ['Makefile', 'gzip']],
    ['x.br.gz', ['x.br', 'gzip']], // only the last suffix
    ['a.br', ['a', 'br']],
    ['.br', undefined], // nothing before the suffix
    ['.gz', undefined],
    ['br', undefined],
    ['x.css', undefined],
    ['x.BR', undefined], // suffixes are case-sensitive, as collect writes them
    ['x.gzip', undefined],
    ['x.zstd', undefined],
    ['x.tgz', undefined],
    ['', undefined],
  ];
  for (const [name, expected] of cases) assert.deepEqual(variantBase(name), expected, name);
  for (const coding of ENCODING_NAMES) assert.deepEqual(variantBase(`a/b.css${ENCODING_SUFFIX[coding]}`), ['a/b.css', coding]);
});

test('normalizeEncodings: accepted values, in order, frozen, the caller’s array untouched', () => {
  // [input, expected]
  const cases: Array<[unknown, EncodingName[]]> = [
    [undefined, ['br', 'gzip']],
    [[], []],
    [['br'], ['br']],
    [
      ['gzip', 'br'],
      ['gzip', 'br'],
    ],
    [
      ['zstd', 'br', 'gzip'],
      ['zstd', 'br', 'gzip'],
    ],
  ];
  for (const [input, expected] of cases) {
    const copy = Array.isArray(input) ? [...input] : input;
    const out = normalizeEncodings(input);
    assert.deepEqual([...out], expected, JSON.stringify(input));
    assert.ok(Object.isFrozen(out), JSON.stringify(input));
    assert.notEqual(out, input);
    assert.deepEqual(input, copy);
  }
});

test('normalizeEncodings: refuses unknown, duplicate and non-array values, naming the option and the value', () => {
  // [input, the value the message shows, "array" when the message asks for an array]
  const cases: Array<[unknown, string, boolean]> = [
    [['lzma'], '"lzma"', false],
    [['deflate'], '"deflate"', false],
    [['BR'], '"BR"', false],
    [['gz'], '"gz"', false],
    [['identity'], '"identity"', false],
    [['br', 'lzma'], '"lzma"', false],
    [['br', 'br'], '"br"', false],
    [['gzip', 'br', 'gzip'], '"gzip"', false],
    [[1], '1', false],
    [[null], 'null', false],
    [[['br']], 'an array', false],
    ['br', '"br"', true],
    ['br,gzip', '"br,gzip"', true],
    [null, 'null', true],
    [{ 0: 'br', length: 1 }, 'an object', true],
    [new Set(['br']), 'an object', true],
    [true, 'true', true],
    [1, '1', true],
  ];
  for (const [input, shown, array] of cases) {
    assert.throws(
      () => normalizeEncodings(input),
      (err: TypeError & { code?: string }) => {
        assert.ok(err instanceof TypeError, err.message);
        assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION');
        assert.ok(err.message.startsWith('static-origin: option "encodings" must be '), err.message);
        assert.ok(err.message.includes('"br", "gzip", "zstd"'), err.message);
        assert.equal(err.message.includes('an array of'), array, err.message);
        assert.ok(err.message.endsWith(`; got ${shown}`), err.message);
        return true;
      },
      JSON.stringify(input),
    );
  }
});
