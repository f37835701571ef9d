// The manifest (src/contract/manifest.ts): what collect writes and serve trusts. Every
// validation error names the file and the field; keys are data, never prototype lookups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_NAME, isSafeRelative, parseManifest, readManifest, serializeManifest, type Manifest } from '../src/contract/manifest.js';
import { tempDir } from './helpers/fixtures.js';

const SOURCE = '/srv/app/staticfiles/staticfiles.json';
const HASH = '3f2a9c1b7d4e' + 'ab'.repeat(26);
const SRI = 'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn';

function record(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { size: 10, hash: HASH, integrity: SRI, encodings: { br: 5, gzip: 7 }, ...extra };
}

/** A valid manifest as JSON data, changed by `patch` before it is written out. */
function text(patch: (m: { version: unknown; paths: Record<string, unknown>; files: Record<string, unknown> }) => void = () => {}): string {
  const m = {
    version: 1 as unknown,
    paths: { 'css/app.css': 'css/app.3f2a9c1b7d4e.css' } as Record<string, unknown>,
    files: { 'css/app.3f2a9c1b7d4e.css': record(), 'css/app.css': record() } as Record<string, unknown>,
  };
  patch(m);
  return JSON.stringify(m);
}

function manifestError(source: string, field: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    const e = err as Error & { code?: string };
    assert.equal(e.code, 'ERR_STATIC_ORIGIN_MANIFEST', e.message);
    assert.ok(e.message.includes(source), `names the file: ${e.message}`);
    if (typeof field === 'string') assert.ok(e.message.includes(field), `names ${field}: ${e.message}`);
    else assert.match(e.message, field);
    return true;
  };
}

const UNSAFE = ['../x', '/x', 'a//b', 'a\\b', 'a\0b', '', '.', '..', 'a/', 'a/./b', 'a/../b', './a', 'x/..'];

// [what, manifest text, what the message must name]
const invalid: Array<[string, string, string | RegExp]> = [
  ['not JSON', '{', /is not valid JSON/],
  ['empty text', '', /is not valid JSON/],
  ['trailing garbage', text() + 'x', /is not valid JSON/],
  ['an array', '[]', /expected a JSON object/],
  ['null', 'null', /expected a JSON object/],
  ['a string', '"staticfiles"', /expected a JSON object/],
  ['version missing', text((m) => delete m.version), /"version" must be 1, got undefined/],
  ['version 2', text((m) => (m.version = 2)), /"version" must be 1, got 2/],
  ['version as a string', text((m) => (m.version = '1')), /"version" must be 1, got "1"/],
  ['version 0', text((m) => (m.version = 0)), '"version"'],
  ['paths missing', text((m) => delete (m as Partial<typeof m>).paths), '"paths" must be an object'],
  ['paths an array', text((m) => ((m as Record<string, unknown>).paths = [])), '"paths" must be an object'],
  ['paths null', text((m) => ((m as Record<string, unknown>).paths = null)), '"paths" must be an object'],
  ['files missing', text((m) => delete (m as Partial<typeof m>).files), '"files" must be an object'],
  ['files an array', text((m) => ((m as Record<string, unknown>).files = [record()])), '"files" must be an object'],
  ['files a string', text((m) => ((m as Record<string, unknown>).files = 'x')), '"files" must be an object'],
  ...UNSAFE.map((p): [string, string, string] => [`paths key ${JSON.stringify(p)}`, text((m) => (m.paths[p] = 'css/app.3f2a9c1b7d4e.css')), `paths[${JSON.stringify(p)}]`]),
  ...UNSAFE.map((p): [string, string, string] => [`paths value ${JSON.stringify(p)}`, text((m) => (m.paths['css/app.css'] = p)), 'paths["css/app.css"] must map a relative path to a relative path']),
  ['paths value a number', text((m) => (m.paths['css/app.css'] = 1)), 'paths["css/app.css"]'],
  ['paths value null', text((m) => (m.paths['css/app.css'] = null)), 'paths["css/app.css"]'],
  ['paths value an object', text((m) => (m.paths['css/app.css'] = { name: 'x' })), 'paths["css/app.css"]'],
  ...UNSAFE.map((p): [string, string, string] => [`files key ${JSON.stringify(p)}`, text((m) => (m.files[p] = record())), `files[${JSON.stringify(p)}] must be an object keyed by a relative path`]),
  ['a file record that is a number', text((m) => (m.files['a.css'] = 5)), 'files["a.css"] must be an object'],
  ['a file record that is null', text((m) => (m.files['a.css'] = null)), 'files["a.css"] must be an object'],
  ['a file record that is an array', text((m) => (m.files['a.css'] = [])), 'files["a.css"] must be an object'],
  ['size missing', text((m) => (m.files['a.css'] = record({ size: undefined }))), 'files["a.css"].size'],
  ['size negative', text((m) => (m.files['a.css'] = record({ size: -1 }))), 'files["a.css"].size must be a non-negative integer'],
  ['size fractional', text((m) => (m.files['a.css'] = record({ size: 1.5 }))), 'files["a.css"].size'],
  ['size a string', text((m) => (m.files['a.css'] = record({ size: '10' }))), 'files["a.css"].size'],
  ['hash missing', text((m) => (m.files['a.css'] = record({ hash: undefined }))), 'files["a.css"].hash'],
  ['hash in upper case', text((m) => (m.files['a.css'] = record({ hash: HASH.toUpperCase() }))), 'files["a.css"].hash must be a lower-case hex digest'],
  ['hash of 11 digits', text((m) => (m.files['a.css'] = record({ hash: HASH.slice(0, 11) }))), 'files["a.css"].hash'],
  ['hash of 129 digits', text((m) => (m.files['a.css'] = record({ hash: 'a'.repeat(129) }))), 'files["a.css"].hash'],
  ['hash not hex', text((m) => (m.files['a.css'] = record({ hash: 'g' + HASH.slice(1) }))), 'files["a.css"].hash'],
  ['hash with a newline', text((m) => (m.files['a.css'] = record({ hash: HASH + '\n' }))), 'files["a.css"].hash'],
  ['hash a number', text((m) => (m.files['a.css'] = record({ hash: 123456789012 }))), 'files["a.css"].hash'],
  ['integrity missing', text((m) => (m.files['a.css'] = record({ integrity: undefined }))), 'files["a.css"].integrity'],
  ['integrity md5', text((m) => (m.files['a.css'] = record({ integrity: 'md5-abc' }))), 'files["a.css"].integrity must be an SRI value'],
  ['integrity sha1', text((m) => (m.files['a.css'] = record({ integrity: 'sha1-abc' }))), 'files["a.css"].integrity'],
  ['integrity without a digest', text((m) => (m.files['a.css'] = record({ integrity: 'sha384-' }))), 'files["a.css"].integrity'],
  ['integrity with a space', text((m) => (m.files['a.css'] = record({ integrity: 'sha384-ab cd' }))), 'files["a.css"].integrity'],
  ['integrity with two values', text((m) => (m.files['a.css'] = record({ integrity: `${SRI} ${SRI}` }))), 'files["a.css"].integrity'],
  ['encodings an array', text((m) => (m.files['a.css'] = record({ encodings: [] }))), 'files["a.css"].encodings must be an object'],
  ['encodings null', text((m) => (m.files['a.css'] = record({ encodings: null }))), 'files["a.css"].encodings must be an object'],
  ['encodings a string', text((m) => (m.files['a.css'] = record({ encodings: 'br' }))), 'files["a.css"].encodings must be an object'],
  ['an unknown encoding', text((m) => (m.files['a.css'] = record({ encodings: { deflate: 5 } }))), 'files["a.css"].encodings.deflate must be a known encoding with a size'],
  ['an encoding in upper case', text((m) => (m.files['a.css'] = record({ encodings: { BR: 5 } }))), 'files["a.css"].encodings.BR'],
  ['an encoding by its suffix', text((m) => (m.files['a.css'] = record({ encodings: { gz: 5 } }))), 'files["a.css"].encodings.gz'],
  ['an encoding size negative', text((m) => (m.files['a.css'] = record({ encodings: { br: -1 } }))), 'files["a.css"].encodings.br'],
  ['an encoding size a string', text((m) => (m.files['a.css'] = record({ encodings: { gzip: '7' } }))), 'files["a.css"].encodings.gzip'],
  ['an encoding size null', text((m) => (m.files['a.css'] = record({ encodings: { zstd: null } }))), 'files["a.css"].encodings.zstd'],
];

test('parseManifest: every error has the code, names the file and the field', () => {
  for (const [what, input, field] of invalid) {
    assert.throws(() => parseManifest(input, SOURCE), manifestError(SOURCE, field), what);
  }
});

test('parseManifest: the JSON error keeps the parser error as its cause', () => {
  assert.throws(
    () => parseManifest('{', SOURCE),
    (err: Error) => err.cause instanceof SyntaxError,
  );
});

test('parseManifest: what is valid', () => {
  const m = parseManifest(text(), SOURCE);
  assert.equal(m.version, 1);
  assert.equal(m.paths['css/app.css'], 'css/app.3f2a9c1b7d4e.css');
  assert.deepEqual({ ...m.files['css/app.css'] }, record());
  // [what, patch]
  const valid: Array<[string, Parameters<typeof text>[0]]> = [
    [
      'empty paths and files',
      (x) => {
        x.paths = {};
        x.files = {};
      },
    ],
    ['a hash of 12 digits', (x) => (x.files['a.css'] = record({ hash: HASH.slice(0, 12) }))],
    ['a hash of 128 digits', (x) => (x.files['a.css'] = record({ hash: 'f'.repeat(128) }))],
    ['sha256 integrity', (x) => (x.files['a.css'] = record({ integrity: 'sha256-abc=' }))],
    ['sha512 integrity', (x) => (x.files['a.css'] = record({ integrity: 'sha512-a+b/c==' }))],
    ['size 0', (x) => (x.files['a.css'] = record({ size: 0 }))],
    ['no encodings', (x) => (x.files['a.css'] = record({ encodings: undefined }))],
    ['empty encodings', (x) => (x.files['a.css'] = record({ encodings: {} }))],
    ['zstd', (x) => (x.files['a.css'] = record({ encodings: { zstd: 3 } }))],
    [
      'names with dots, spaces and non-ASCII',
      (x) => {
        x.files['.well-known/a..b/é x.css'] = record();
        x.paths['...'] = 'a/b';
      },
    ],
    ['extra top-level fields', (x) => ((x as Record<string, unknown>).generator = 'static-origin')],
  ];
  for (const [what, patch] of valid) assert.doesNotThrow(() => parseManifest(text(patch), SOURCE), what);
  // A record without encodings reads as one with none.
  const none = parseManifest(
    text((x) => (x.files['a.css'] = record({ encodings: undefined }))),
    SOURCE,
  );
  assert.deepEqual({ ...none.files['a.css'].encodings }, {});
});

test('parseManifest: files.constructor and __proto__ are names, not Object.prototype', () => {
  const plain = parseManifest(text(), SOURCE);
  // Names nobody collected find nothing, however Object.prototype spells them.
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.equal(plain.files[name], undefined, `files[${name}]`);
    assert.equal(plain.paths[name], undefined, `paths[${name}]`);
    assert.equal(name in plain.files, false, `${name} in files`);
    assert.equal(name in plain.paths, false, `${name} in paths`);
  }
  const raw = `{"version":1,"paths":{"__proto__":"x.3f2a9c1b7d4e.css","constructor":"c.css"},"files":{"__proto__":{"size":1,"hash":"${HASH}","integrity":"${SRI}"},"constructor":{"size":2,"hash":"${HASH}","integrity":"${SRI}","encodings":{"br":1}}}}`;
  const m = parseManifest(raw, SOURCE);
  assert.ok(Object.hasOwn(m.files, '__proto__'));
  // Keys in variables: as properties, these names would mean Object.prototype's members.
  const [proto, ctor] = ['__proto__', 'constructor'];
  assert.equal(m.files[proto].size, 1);
  assert.equal(m.files[ctor].size, 2);
  assert.equal(m.paths[proto], 'x.3f2a9c1b7d4e.css');
  assert.equal(m.paths[ctor], 'c.css');
  assert.deepEqual(Object.keys(m.files).sort(), ['__proto__', 'constructor']);
  // Nothing reached Object.prototype.
  const probe: Record<string, unknown> = {};
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  for (const key of ['size', 'hash', 'integrity', 'encodings']) assert.equal(key in probe, false, key);
  assert.equal(Object.prototype.constructor, Object);
  // A bad record under such a name is still validated.
  assert.throws(() => parseManifest(`{"version":1,"paths":{},"files":{"__proto__":5}}`, SOURCE), manifestError(SOURCE, 'files["__proto__"]'));
  assert.throws(() => parseManifest(`{"version":1,"paths":{"__proto__":{"a":1}},"files":{}}`, SOURCE), manifestError(SOURCE, 'paths["__proto__"]'));
  assert.throws(
    () => parseManifest(`{"version":1,"paths":{},"files":{"constructor":{"size":1,"hash":"${HASH}","integrity":"${SRI}","encodings":{"__proto__":1}}}}`, SOURCE),
    manifestError(SOURCE, 'files["constructor"].encodings.__proto__'),
  );
});

test('isSafeRelative', () => {
  const safe = ['a', 'a/b', 'a/b/c.css', 'a.b', '.well-known/x', '.a', '..a', 'a..', '...', 'a b', 'é/ü.css', 'a:b', '%2e%2e/x'];
  for (const p of safe) assert.equal(isSafeRelative(p), true, JSON.stringify(p));
  const unsafe = [...UNSAFE, '/', '//', 'a/.', 'a/..', '../../etc/passwd', 'a\\..\\b', '\\\\host\\share', 'a/\0', 'a//'];
  for (const p of unsafe) assert.equal(isSafeRelative(p), false, JSON.stringify(p));
});

const SORTED = `{
  "files": {
    "a.css": {
      "encodings": {
        "br": 5,
        "gzip": 7
      },
      "hash": "${HASH}",
      "integrity": "${SRI}",
      "size": 10
    },
    "z.css": {
      "encodings": {},
      "hash": "${HASH}",
      "integrity": "${SRI}",
      "size": 3
    }
  },
  "paths": {
    "b.css": "z.css",
    "y.css": "a.css"
  },
  "version": 1
}
`;

test('serializeManifest sorts keys at every level: equal manifests are equal bytes', () => {
  const shuffled = {
    version: 1,
    paths: { 'y.css': 'a.css', 'b.css': 'z.css' },
    files: {
      'z.css': { size: 3, integrity: SRI, hash: HASH, encodings: {} },
      'a.css': { size: 10, encodings: { gzip: 7, br: 5 }, integrity: SRI, hash: HASH },
    },
  } as Manifest;
  assert.equal(serializeManifest(shuffled), SORTED);
  // Insertion order does not matter; a parsed manifest (null prototypes) serialises the same.
  const ordered = JSON.parse(SORTED) as Manifest;
  assert.equal(serializeManifest(ordered), SORTED);
  assert.equal(serializeManifest(parseManifest(SORTED, SOURCE)), SORTED);
  assert.equal(serializeManifest(parseManifest(JSON.stringify(shuffled), SOURCE)), SORTED);
});

test('serializeManifest round-trips through parseManifest', () => {
  const m = parseManifest(
    text((x) => {
      x.files['img/é x.png'] = record({ encodings: {} });
      x.files['big.js'] = record({ size: 2 ** 40, encodings: { zstd: 1, br: 2, gzip: 3 } });
      x.paths['img/é x.png'] = 'img/é x.png';
    }),
    SOURCE,
  );
  const once = serializeManifest(m);
  const again = parseManifest(once, SOURCE);
  assert.equal(serializeManifest(again), once);
  assert.deepEqual(JSON.parse(once), JSON.parse(JSON.stringify(m)));
  assert.deepEqual(Object.keys(again.files).sort(), Object.keys(m.files).sort());
  assert.deepEqual({ ...again.paths }, { ...m.paths });
});

test('serializeManifest keeps files and paths named like Object.prototype members (__proto__, constructor)', () => {
  const raw = `{"version":1,"paths":{"__proto__":"__proto__.3f2a9c1b7d4e","constructor":"constructor.3f2a9c1b7d4e"},"files":{"__proto__":{"size":1,"hash":"${HASH}","integrity":"${SRI}","encodings":{}},"__proto__.3f2a9c1b7d4e":{"size":1,"hash":"${HASH}","integrity":"${SRI}","encodings":{}},"constructor":{"size":2,"hash":"${HASH}","integrity":"${SRI}","encodings":{}}}}`;
  const m = parseManifest(raw, SOURCE);
  const out = serializeManifest(m);
  const back = parseManifest(out, SOURCE);
  assert.deepEqual(Object.keys(back.files).sort(), ['__proto__', '__proto__.3f2a9c1b7d4e', 'constructor'], out);
  assert.deepEqual(Object.keys(back.paths).sort(), ['__proto__', 'constructor'], out);
  assert.equal(back.paths.__proto__, '__proto__.3f2a9c1b7d4e');
});

test('readManifest: undefined when there is none, parsed when there is', (t) => {
  const { dir, cleanup } = tempDir('manifest-read');
  t.after(cleanup);
  assert.equal(readManifest(dir), undefined);
  assert.equal(readManifest(join(dir, 'no-such-root')), undefined);
  writeFileSync(join(dir, MANIFEST_NAME), SORTED);
  const m = readManifest(dir);
  assert.equal(m?.paths['y.css'], 'a.css');
  assert.equal(m?.files['z.css'].size, 3);
  assert.equal(MANIFEST_NAME, 'staticfiles.json');
});

test('readManifest: a malformed manifest on disk is named by its path', (t) => {
  const { dir, cleanup } = tempDir('manifest-malformed');
  t.after(cleanup);
  const file = join(dir, MANIFEST_NAME);
  writeFileSync(
    file,
    text((m) => (m.files['a.css'] = record({ hash: 'nope' }))),
  );
  assert.throws(() => readManifest(dir), manifestError(file, 'files["a.css"].hash'));
  writeFileSync(file, '{"version":1,');
  assert.throws(() => readManifest(dir), manifestError(file, 'is not valid JSON'));
});

test('readManifest: an unreadable manifest throws, naming the path', (t) => {
  const { dir, cleanup } = tempDir('manifest-unreadable');
  t.after(cleanup);
  // A directory where the manifest should be (EISDIR): unreadable even for root.
  mkdirSync(join(dir, 'a', MANIFEST_NAME), { recursive: true });
  assert.throws(
    () => readManifest(join(dir, 'a')),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STATIC_ORIGIN_MANIFEST');
      assert.ok(err.message.includes(join(dir, 'a', MANIFEST_NAME)), err.message);
      assert.match(err.message, /cannot read the manifest/);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'EISDIR');
      return true;
    },
  );
  // A root that is a file (ENOTDIR) is not "no manifest" either.
  writeFileSync(join(dir, 'plain-file'), 'x');
  assert.throws(() => readManifest(join(dir, 'plain-file')), manifestError(join(dir, 'plain-file', MANIFEST_NAME), /cannot read the manifest/));
});
