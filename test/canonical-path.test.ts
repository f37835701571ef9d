import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toKey, MAX_PATH_LENGTH } from '../src/serve/canonical-path.js';

// [raw url, mount, expected key]
const cases: Array<[string, string, string | null]> = [
  // The mount and the query
  ['/static/a/b.css?v=1', '/static', '/a/b.css'],
  ['/static/a/b.css', '/static', '/a/b.css'],
  ['/static/dir/', '/static', '/dir/'],
  ['/static/a/', '/static', '/a/'],
  ['/static/', '/static', '/'],
  ['/static/?x=1', '/static', '/'],
  ['/static', '/static', ''],
  ['/static?x=1', '/static', ''],
  ['/x.css', '', '/x.css'],
  ['/', '', '/'],
  ['/?q', '', '/'],
  ['/staticfoo/x.css', '/static', null],
  ['/static.css', '/static', null],
  ['/other/x.css', '/static', null],
  ['/Static/x.css', '/static', null],
  ['', '/static', null],
  ['', '', null],
  ['?x', '', null],
  ['*', '', null],
  ['http://example.com/static/x.css', '/static', null],
  ['http://example.com/x.css', '', null],
  ['x.css', '', null],
  // The query never matters, whatever it holds
  ['/static/a.css?x=/../', '/static', '/a.css'],
  ['/static/a.css?x=%2f..%00\\#', '/static', '/a.css'],
  ['/static/a.css??', '/static', '/a.css'],
  ['/static/a.css?', '/static', '/a.css'],
  // Raw characters
  ['/static/a\\b.css', '/static', null],
  ['/static/..\\x', '/static', null],
  ['/static/a\0.css', '/static', null],
  ['/static/a b.css', '/static', null],
  ['/static/a\tb.css', '/static', null],
  ['/static/a\x7f.css', '/static', null],
  ['/static/café.css', '/static', null],
  ['/static/a.css#frag', '/static', null],
  ['/static/a.css\r\n', '/static', null],
  ["/static/~user/a-b_c.d!$&'()*+,;=:@.css", '/static', "/~user/a-b_c.d!$&'()*+,;=:@.css"],
  // Segments
  ['/static//x', '/static', null],
  ['//x', '', null],
  ['/static/a//b', '/static', null],
  ['/static/a/b//', '/static', null],
  ['/static/..', '/static', null],
  ['/static/../x', '/static', null],
  ['/static/.', '/static', null],
  ['/static/./x', '/static', null],
  ['/static/a/./b', '/static', null],
  ['/static/a/..', '/static', null],
  ['/static/a/../a/b.css', '/static', null],
  ['/static/../../etc/passwd', '/static', null],
  ['/static/.well-known/x', '/static', '/.well-known/x'],
  ['/static/.../x', '/static', '/.../x'],
  ['/static/..x/y', '/static', '/..x/y'],
  ['/static/x../y', '/static', '/x../y'],
  ['/static/a.b', '/static', '/a.b'],
  // Encoded dots and separators
  ['/static/%2e%2e/x', '/static', null],
  ['/static/%2E%2e/x', '/static', null],
  ['/static/%2E%2E', '/static', null],
  ['/static/.%2e/x', '/static', null],
  ['/static/%2e./x', '/static', null],
  ['/static/%2e/x', '/static', null],
  ['/static/a/%2e', '/static', null],
  ['/static/%2e%2e%2e/x', '/static', '/.../x'],
  ['/static/%2ex', '/static', '/.x'],
  ['/static/a%2fb', '/static', null],
  ['/static/a%2Fb', '/static', null],
  ['/static/..%2f..%2fetc', '/static', null],
  ['/static/a%5cb', '/static', null],
  ['/static/a%5Cb', '/static', null],
  ['/static/%2f', '/static', null],
  // Double encoding: what a second decoding would make of the key
  ['/static/%252e%252e/x', '/static', null],
  ['/static/%252E%252e', '/static', null],
  ['/static/.%252e/x', '/static', null],
  ['/static/%252e/x', '/static', null],
  ['/static/a%252fb', '/static', null],
  ['/static/a%252Fb', '/static', null],
  ['/static/a%255cb', '/static', null],
  ['/static/a%2500b', '/static', null],
  ['/static/%252e%252e%252e', '/static', '/%2e%2e%2e'],
  ['/static/%252ex', '/static', '/%2ex'],
  ['/static/a%2520b.css', '/static', '/a%20b.css'],
  // Literal percent and malformed escapes
  ['/static/50%25.png', '/static', '/50%.png'],
  ['/static/%25', '/static', '/%'],
  ['/static/%25%25', '/static', '/%%'],
  ['/static/%', '/static', null],
  ['/static/a%', '/static', null],
  ['/static/%2', '/static', null],
  ['/static/%zz', '/static', null],
  ['/static/%g0', '/static', null],
  ['/static/%00', '/static', null],
  ['/static/a%00.css', '/static', null],
  ['/static/%0a.css', '/static', null],
  ['/static/%7f.css', '/static', null],
  ['/static/%1F.css', '/static', null],
  // UTF-8
  ['/static/caf%C3%A9.css', '/static', '/caf\u00e9.css'],
  ['/static/cafe%CC%81.css', '/static', '/cafe\u0301.css'], // NFD stays NFD: no normalisation
  ['/static/%E2%82%AC/x', '/static', '/€/x'],
  ['/static/%F0%9F%98%80.png', '/static', '/😀.png'],
  ['/static/%E0%A4%A', '/static', null],
  ['/static/%E0%A4', '/static', null],
  ['/static/%C0%AE%C0%AE/x', '/static', null], // overlong '.'
  ['/static/%C0%AF', '/static', null], // overlong '/'
  ['/static/%ED%A0%80', '/static', null], // UTF-16 surrogate
  ['/static/%FF', '/static', null],
  ['/static/%80', '/static', null],
  // Other escapes decode to themselves, once
  ['/static/a%20b.css', '/static', '/a b.css'],
  ['/static/%61.css', '/static', '/a.css'],
  ['/static/a%3Fb', '/static', '/a?b'],
  ['/static/a%23b', '/static', '/a#b'],
];

test('toKey table', () => {
  for (const [url, mount, expected] of cases) {
    assert.equal(toKey(url, mount), expected, `toKey(${JSON.stringify(url)}, ${JSON.stringify(mount)})`);
  }
});

test('the table is at least 40 cases', () => {
  assert.ok(cases.length >= 40);
});

test('MAX_PATH_LENGTH is 4096 and applies to the raw path after the mount', () => {
  assert.equal(MAX_PATH_LENGTH, 4096);
  const atLimit = '/' + 'a'.repeat(MAX_PATH_LENGTH - 1);
  assert.equal(toKey('/static' + atLimit, '/static'), atLimit);
  assert.equal(toKey('/static' + atLimit + 'a', '/static'), null);
  assert.equal(toKey(atLimit, ''), atLimit);
  assert.equal(toKey(atLimit + 'a', ''), null);
});

test('10 KB paths are a miss, plain or encoded; a long query is not', () => {
  assert.equal(toKey('/static/' + 'a'.repeat(10 * 1024), '/static'), null);
  assert.equal(toKey('/static/' + '%61'.repeat(4000), '/static'), null);
  assert.equal(toKey('/static/' + 'a/'.repeat(5000), '/static'), null);
  assert.equal(toKey('/static/a.css?' + 'q'.repeat(10 * 1024), '/static'), '/a.css');
});

test('a plain URL with mount "" is returned as the same string', () => {
  const url = '/a/b.css';
  assert.equal(toKey(url, ''), url);
});

test('never throws on odd input', () => {
  const odd: unknown[] = [undefined, null, 42, {}, '%', '/%', '/%%%', '/\uD800', '/a\uDFFF', '\0', '/'.repeat(100_000)];
  for (const url of odd) {
    assert.doesNotThrow(() => toKey(url as string, '/static'));
    assert.doesNotThrow(() => toKey(url as string, ''));
  }
  assert.equal(toKey(undefined as unknown as string, ''), null);
  assert.equal(toKey('/x', undefined as unknown as string), null);
});

test('every single-byte escape decodes or misses without throwing', () => {
  for (let b = 0; b < 256; b++) {
    const hex = b.toString(16).padStart(2, '0');
    for (const esc of [hex, hex.toUpperCase()]) {
      const key = toKey(`/static/a%${esc}b`, '/static');
      if (b === 0x2f || b === 0x5c || b < 0x20 || b === 0x7f || b >= 0x80) assert.equal(key, null, esc);
      else assert.equal(key, `/a${String.fromCharCode(b)}b`, esc);
    }
  }
});

test('every returned key is canonical (fuzz)', () => {
  const alphabet = ['/', '.', 'a', '%', '2', 'e', 'E', 'f', '5', 'c', '0', '%2e', '%2f', '%25', '\\', '?'];
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let n = 0; n < 20_000; n++) {
    let url = '/static/';
    const len = rand(10);
    for (let i = 0; i < len; i++) url += alphabet[rand(alphabet.length)];
    const key = toKey(url, '/static');
    if (key === null) continue;
    assert.ok(key.startsWith('/'), url);
    assert.ok(!key.includes('//') && !key.includes('\\') && !key.includes('\0'), url);
    const once = safeDecode(key) ?? key;
    for (const form of [key, once]) {
      for (const seg of form.split('/').slice(1, -1)) assert.ok(seg !== '' && seg !== '.' && seg !== '..', `${url} → ${key}`);
      const last = form.slice(form.lastIndexOf('/') + 1);
      assert.ok(last !== '.' && last !== '..', `${url} → ${key}`);
    }
    assert.ok(!once.includes('\\') && !once.includes('\0') && once.split('/').length === key.split('/').length, `${url} → ${key}`);
  }
});

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
