// The URL prefix (src/contract/prefix.ts): one rule for collect and serve alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePrefix } from '../src/contract/prefix.js';

// [input, normalised]
const accepted: Array<[unknown, string]> = [
  [undefined, '/static/'],
  ['', '/'],
  ['/', '/'],
  ['//', '/'],
  ['///', '/'],
  ['static', '/static/'],
  ['/static', '/static/'],
  ['static/', '/static/'],
  ['/static/', '/static/'],
  ['///static///', '/static/'],
  ['assets/v1', '/assets/v1/'],
  ['/assets/v1/', '/assets/v1/'],
  ['.well-known', '/.well-known/'],
  ['a..b', '/a..b/'],
  ['...', '/.../'],
  ['_next/static', '/_next/static/'],
  ['a-b~c', '/a-b~c/'],
  ['/a:b', '/a:b/'], // a colon after the first segment is no scheme
  ['a;b=c', '/a;b=c/'],
  ['a@b', '/a@b/'],
  ['a+b', '/a+b/'],
];

// [what, input]
const refused: Array<[string, unknown]> = [
  ['%', 'a%20b'],
  ['% alone', '%'],
  ['an encoded slash', 'a%2Fb'],
  ['a space', 'a b'],
  ['a leading space', ' static'],
  ['a tab', 'a\tb'],
  ['a newline', 'static\n'],
  ['a NUL', 'a\0b'],
  ['?', 'static?v=1'],
  ['? alone', '?'],
  ['#', 'static#x'],
  ['a backslash', 'a\\b'],
  ['a leading backslash', '\\static'],
  ['//', 'a//b'],
  ['// in the middle', '/assets//v1/'],
  ['.', '.'],
  ['..', '..'],
  ['./a', './a'],
  ['a/./b', 'a/./b'],
  ['a/../b', 'a/../b'],
  ['a/..', 'a/..'],
  ['/static/../admin/', '/static/../admin/'],
  ['http scheme', 'http://cdn.example.com/static/'],
  ['https scheme', 'https://cdn.example.com/static/'],
  ['a bare scheme', 'https:'],
  ['javascript:', 'javascript:alert(1)'],
  ['data:', 'data:text/html,x'],
  ['a scheme-like first segment', 'a:b'],
  ['a drive letter', 'C:/static'],
  ['a number', 1],
  ['null', null],
  ['an array', ['static']],
  ['an object', { path: '/static/' }],
  ['true', true],
];

test('normalizePrefix: accepted forms', () => {
  for (const [input, expected] of accepted) assert.equal(normalizePrefix(input), expected, JSON.stringify(input));
});

test('normalizePrefix: refused forms throw a TypeError naming the option', () => {
  for (const [what, input] of refused) {
    assert.throws(
      () => normalizePrefix(input),
      (err: TypeError & { code?: string }) => {
        assert.ok(err instanceof TypeError, what);
        assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION', what);
        assert.ok(err.message.startsWith('static-origin: option "prefix" must be '), err.message);
        return true;
      },
      what,
    );
  }
  // Strings are told to use baseUrl for a CDN; other types are told what a prefix is.
  assert.throws(() => normalizePrefix('https://cdn.example.com/'), /use "baseUrl" for a CDN address/);
  assert.throws(() => normalizePrefix(5), /option "prefix" must be a URL path such as "\/static\/"; got 5/);
});

test('normalizePrefix: a prefix it accepts is the path a client sends for it (else no request could match it)', () => {
  // Characters a URL parser percent-encodes in a path (and non-ASCII, and control characters):
  // requests arrive as /%C3%A9/…, /a%22b/…, which never start with the prefix as written.
  const inputs = [...accepted.map(([input]) => input).filter((v): v is string => typeof v === 'string'), 'é', 'assets/ü', 'a"b', 'a<b', 'a>b', 'a`b', 'a{b', 'a}b', 'a\x01b', 'a\x7fb'];
  for (const input of inputs) {
    let prefix: string;
    try {
      prefix = normalizePrefix(input);
    } catch {
      continue; // refused: fine
    }
    assert.equal(new URL(prefix, 'http://origin.example/').pathname, prefix, `${JSON.stringify(input)} → ${JSON.stringify(prefix)}`);
  }
});
