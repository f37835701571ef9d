// Names and digests (src/contract/names.ts): the hash collect puts in a name and serve
// recognises there, the SRI value, and the suggestions for a name nobody knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAME_HASH_LENGTH, carriesHash, closestNames, digest, hashedName, integrityOf, splitSuffix, unknownNameError } from '../src/contract/names.js';

const H = '3f2a9c1b7d4e' + '0123456789abcdef'.repeat(3) + '0123';
const H12 = '3f2a9c1b7d4e';

test('digest: sha256 hex of the bytes, strings as UTF-8', () => {
  // FIPS 180-2 vectors.
  assert.equal(digest(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(digest('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(digest(Buffer.from('abc')), digest('abc'));
  assert.equal(digest(new Uint8Array([0x61, 0x62, 0x63])), digest('abc'));
  assert.equal(digest('é'), digest(Buffer.from([0xc3, 0xa9])));
  assert.match(digest('x'), /^[0-9a-f]{64}$/);
});

test('integrityOf: sha384, base64, as browsers check it', () => {
  assert.equal(integrityOf(Buffer.from('')), 'sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb');
  assert.equal(integrityOf(Buffer.from('abc')), 'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn');
  assert.equal(integrityOf(new Uint8Array([0x61, 0x62, 0x63])), integrityOf(Buffer.from('abc')));
});

test('splitSuffix: the path and the ?query#fragment kept as written', () => {
  // [name, path, suffix]
  const cases: Array<[string, string, string]> = [
    ['a.css', 'a.css', ''],
    ['a.css?v=1', 'a.css', '?v=1'],
    ['a.css#x', 'a.css', '#x'],
    ['a.css?v#x', 'a.css', '?v#x'],
    ['a.css#x?v', 'a.css', '#x?v'], // the first of ? and # starts the suffix
    ['img/a.png??', 'img/a.png', '??'],
    ['?x', '', '?x'],
    ['#x', '', '#x'],
    ['', '', ''],
  ];
  for (const [name, path, suffix] of cases) assert.deepEqual(splitSuffix(name), [path, suffix], name);
});

// [name, hashed name]
const HASHED: Array<[string, string]> = [
  ['style.css', `style.${H12}.css`],
  ['css/style.css', `css/style.${H12}.css`],
  ['app.js.map', `app.js.${H12}.map`],
  ['jquery.min.js', `jquery.min.${H12}.js`],
  ['img/a.png?v#x', `img/a.${H12}.png?v#x`],
  ['x.css#a?b', `x.${H12}.css#a?b`],
  ['dir.d/file.txt', `dir.d/file.${H12}.txt`],
  ['Makefile', `Makefile.${H12}`],
  ['fonts/LICENSE', `fonts/LICENSE.${H12}`],
  ['dir.d/README', `dir.d/README.${H12}`],
  ['.htaccess', `.htaccess.${H12}`],
  ['a/.env', `a/.env.${H12}`],
  ['é x.svg', `é x.${H12}.svg`],
];

test('hashedName: the first 12 hex digits before the last extension of the base name', () => {
  assert.equal(NAME_HASH_LENGTH, 12);
  for (const [name, hashed] of HASHED) {
    assert.equal(hashedName(name, H), hashed, name);
    assert.equal(hashedName(name, H12), hashed, `${name} with a 12-digit hash`);
  }
});

test('carriesHash: a name carries a hash where hashedName puts it', () => {
  // [name, hash, carries]
  const cases: Array<[string, string, boolean]> = [
    [`style.${H12}.css`, H, true],
    [`css/style.${H12}.css`, H, true],
    [`app.js.${H12}.map`, H, true],
    [`style.${H12}.css`, H12, true],
    [`style.3f2a9c1b7d4f.css`, H, false], // one digit off
    [`style.${H12.toUpperCase()}.css`, H, false],
    [`style.${H12.slice(0, 11)}.css`, H, false],
    [`style-${H12}.css`, H, false], // a dash is not where hashedName puts it
    [`x${H12}.css`, H, false],
    [`${H12}.css`, H, false],
    [`style.${H12}.css.map`, H, false], // the hash before the last extension only
    [`style.css`, H, false],
    [`${H12}/style.css`, H, false], // in a directory, not the base name
  ];
  for (const [name, hash, carries] of cases) assert.equal(carriesHash(name, hash), carries, name);
});

test('carriesHash recognises every name hashedName makes (extensionless files and dotfiles too)', () => {
  for (const [name] of HASHED) {
    if (name.includes('?') || name.includes('#')) continue; // names on disk carry no query
    const hashed = hashedName(name, H);
    assert.equal(carriesHash(hashed, H), true, `carriesHash(${JSON.stringify(hashed)}) for ${JSON.stringify(name)}`);
  }
});

test('closestNames: nearest by edit distance, ties by name, nothing too far', () => {
  const known = ['css/app.css', 'css/ap.css', 'css/app.js', 'js/app.js', 'img/logo.png', 'totally/unrelated/name.woff2'];
  // [name, count, expected]
  const cases: Array<[string, number, string[]]> = [
    ['css/app.cs', 3, ['css/app.css', 'css/app.js', 'css/ap.css']], // distances 1, 1, 2: the tie by name
    ['css/app.css', 1, ['css/app.css']],
    ['css/app.css', 2, ['css/app.css', 'css/ap.css']],
    ['img/logo.svg', 3, ['img/logo.png']],
    ['js/ap.js', 3, ['js/app.js', 'css/app.js', 'css/ap.css']], // 1, 3, 4 (css/app.css, 5, is fourth)
    ['zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 3, []],
    ['css/app.css', 0, []],
  ];
  for (const [name, count, expected] of cases) assert.deepEqual(closestNames(name, known, count), expected, name);
  assert.deepEqual(closestNames('x', ['d', 'c', 'b', 'a'], 3), ['a', 'b', 'c']); // ties by name
  assert.deepEqual(closestNames('x', [], 3), []);
  assert.deepEqual(closestNames('app.css', new Set(['app.css', 'app.js']), 3), ['app.css', 'app.js']); // any iterable
});

test('unknownNameError: code, the name, and the closest names', () => {
  const err = unknownNameError('css/app.cs', ['css/app.css', 'img/logo.png']);
  assert.equal(err.code, 'ERR_STATIC_ORIGIN_UNKNOWN_NAME');
  assert.equal(err.message, 'static-origin: unknown static file "css/app.cs"; did you mean "css/app.css"?');
  assert.equal(unknownNameError('q', []).message, 'static-origin: unknown static file "q"');
});
