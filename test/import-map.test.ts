// Import maps: every module the manifest lists (or, in development, the sources hold) under
// its logical name, mapped to the URL url() gives, with its integrity; bare specifiers on
// request; a tag no file name can break out of; and URLs the same middleware serves.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import type { StaticOriginMiddleware } from '../src/index.js';
import { buildImportMap, importMapTag, normalizeSpecifiers } from '../src/serve/import-map.js';
import { hashedAndPrecompressed, put, sha256, sri, tempDir } from './helpers/fixtures.js';
import { get, listen, type Listening } from './helpers/http.js';

const later = (s: number): Date => new Date(Date.UTC(2026, 3, 1, 0, 0, s));

interface Manifest {
  paths: Record<string, string>;
  files: Record<string, { size: number; hash: string; integrity: string; encodings: Record<string, number> }>;
}

/**
 * `hashed-and-precompressed/` plus modules as collect writes them (hashed copy and original,
 * both listed): a vendored package, an `.mjs`, a name with `</script>` in it, and files
 * that are not modules (a source map, JSON).
 */
function collectedWithModules() {
  const fixture = hashedAndPrecompressed();
  const manifestFile = join(fixture.root, 'staticfiles.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  const add = (name: string, content: string): string => {
    const hash = sha256(content);
    const hashed = name.replace(/(\.[a-z]+)$/, `.${hash.slice(0, 12)}$1`);
    for (const rel of [name, hashed]) {
      put(fixture.root, rel, content);
      manifest.files[rel] = { size: Buffer.byteLength(content), hash, integrity: sri(content), encodings: {} };
    }
    manifest.paths[name] = hashed;
    return hashed;
  };
  const hashed = {
    'vendor/lit/index.js': add('vendor/lit/index.js', 'export const html = String.raw;\n'),
    'js/worker.mjs': add('js/worker.mjs', 'export default 1;\n'),
    'x</script>.js': add('x</script>.js', 'export const evil = true;\n'),
    'js/app.js': manifest.paths['js/app.js'],
  };
  add('js/app.js.map', '{"version":3}');
  add('data/config.json', '{}');
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return { ...fixture, manifest, hashed, manifestFile };
}

/** The `<script>` element's text, and whether the element ends exactly once, where it should. */
function scriptBody(tag: string): string {
  const open = '<script type="importmap">';
  assert.ok(tag.startsWith(open), tag);
  assert.ok(tag.endsWith('</script>'), tag);
  const body = tag.slice(open.length, -'</script>'.length);
  assert.doesNotMatch(body, /[<>&\u2028\u2029]/, 'nothing in the JSON can end the element or open a comment');
  return body;
}

describe('import map of a collected root', () => {
  let fx: ReturnType<typeof collectedWithModules>;
  let assets: StaticOriginMiddleware;
  let srv: Listening;

  before(async () => {
    fx = collectedWithModules();
    assets = staticOrigin({ root: fx.root });
    srv = await listen((req, res) =>
      assets(req, res, () => {
        res.statusCode = 418;
        res.end('app');
      }),
    );
  });
  after(async () => {
    await srv.close();
    fx.cleanup();
  });

  it('lists every .js and .mjs the manifest names, by logical name, at its hashed URL, keys sorted', () => {
    const map = assets.importMap();
    const url = (name: keyof typeof fx.hashed) => `/static/${fx.hashed[name].split('/').map(encodeURIComponent).join('/')}`;
    assert.deepEqual(map.imports, {
      'js/app.js': url('js/app.js'),
      'js/worker.mjs': url('js/worker.mjs'),
      'vendor/lit/index.js': url('vendor/lit/index.js'),
      'x</script>.js': url('x</script>.js'),
    });
    assert.deepEqual(Object.keys(map.imports), ['js/app.js', 'js/worker.mjs', 'vendor/lit/index.js', 'x</script>.js']);
    for (const [name, value] of Object.entries(map.imports)) assert.equal(value, assets.url(name), name);
    assert.equal(map.imports['x</script>.js'], `/static/x%3C/script%3E.${fx.hashed['x</script>.js'].split('.').at(-2)}.js`);
    assert.deepEqual(Object.keys(map.integrity), Object.values(map.imports).sort());
  });

  it('takes each integrity value from the manifest', () => {
    const map = assets.importMap();
    for (const [name, hashed] of Object.entries(fx.hashed)) {
      assert.equal(map.integrity[map.imports[name]], fx.manifest.files[hashed].integrity, name);
    }
  });

  it('maps bare specifiers to logical names, a specifier winning over a logical name spelled the same', () => {
    const map = assets.importMap({ lit: 'vendor/lit/index.js', 'js/app.js': 'js/worker.mjs', ['__proto__']: 'js/app.js' });
    assert.equal(map.imports.lit, assets.url('vendor/lit/index.js'));
    assert.equal(map.imports['js/app.js'], assets.url('js/worker.mjs'));
    assert.equal(Object.getOwnPropertyDescriptor(map.imports, '__proto__')?.value, assets.url('js/app.js'), 'a plain key, not the prototype');
    assert.equal(Object.keys(map.integrity).length, 4, 'one integrity entry per URL');
    assert.deepEqual(Object.keys(map.imports), [...Object.keys(map.imports)].sort());
    // Specifiers may name any file url() knows, and keep ?query as url() does.
    assert.equal(assets.importMap({ q: 'js/app.js?v=2' }).imports.q, assets.url('js/app.js?v=2'));
  });

  it('throws for an unknown logical name exactly as url() does', () => {
    let expected: Error | undefined;
    try {
      assets.url('vendor/lit/indx.js');
    } catch (err) {
      expected = err as Error;
    }
    assert.ok(expected);
    assert.throws(() => assets.importMap({ lit: 'vendor/lit/indx.js' }), { code: 'ERR_STATIC_ORIGIN_UNKNOWN_NAME', message: expected.message });
    assert.match(expected.message, /unknown static file "vendor\/lit\/indx\.js"; did you mean "vendor\/lit\/index\.js"/);
    assert.throws(() => assets.importMapTag({ lit: 'nope.js' }), { code: 'ERR_STATIC_ORIGIN_UNKNOWN_NAME' });
  });

  it('refuses bad specifiers with a TypeError naming them', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ lit: 42 }, /specifier "lit" must map to a logical name \(a string\); got 42/],
      [{ lit: undefined }, /specifier "lit" must map to a logical name \(a string\); got undefined/],
      [{ '': 'js/app.js' }, /a specifier must not be empty/],
      [{ 'lit/': 'vendor/lit/' }, /the specifier "lit\/" ends in "\/"/],
      [['js/app.js'], /takes an object \{ specifier: logicalName \}; got an array/],
      [null, /got null/],
      ['lit', /got "lit"/],
    ];
    for (const [specifiers, message] of bad) {
      assert.throws(
        () => assets.importMap(specifiers as Record<string, string>),
        (err: Error) => err instanceof TypeError && message.test(err.message),
        String(message),
      );
      assert.throws(() => assets.importMapTag(specifiers as Record<string, string>), TypeError);
    }
  });

  it('builds the map once per index and per specifiers content, frozen; refresh() builds it afresh', () => {
    const first = assets.importMap({ lit: 'vendor/lit/index.js' });
    assert.equal(assets.importMap({ lit: 'vendor/lit/index.js' }), first, 'equal content, same map');
    assert.notEqual(assets.importMap(), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.imports) && Object.isFrozen(first.integrity));
    assert.throws(() => {
      (first.imports as Record<string, string>).lit = 'x';
    }, TypeError);

    const content = 'export const added = 1;\n';
    const hashed = `js/added.${sha256(content).slice(0, 12)}.js`;
    put(fx.root, hashed, content);
    const manifest = JSON.parse(readFileSync(fx.manifestFile, 'utf8')) as Manifest;
    manifest.paths['js/added.js'] = hashed;
    manifest.files[hashed] = { size: content.length, hash: sha256(content), integrity: sri(content), encodings: {} };
    writeFileSync(fx.manifestFile, JSON.stringify(manifest));
    assert.equal(assets.importMap().imports['js/added.js'], undefined, 'the index in use has not changed');
    assets.refresh();
    const fresh = assets.importMap({ lit: 'vendor/lit/index.js' });
    assert.notEqual(fresh, first);
    assert.equal(fresh.imports['js/added.js'], `/static/${hashed}`);
    assert.equal(fresh.integrity[`/static/${hashed}`], sri(content));
  });

  it('importMapTag(): the map as JSON in a script element a file named x</script>.js cannot break out of', () => {
    const tag = assets.importMapTag({ lit: 'vendor/lit/index.js' });
    assert.equal(tag.match(/<\/script/gi)?.length, 1);
    assert.equal(tag.match(/<script/gi)?.length, 1);
    const body = scriptBody(tag);
    assert.ok(body.includes('"x\\u003c/script\\u003e.js"'), body);
    assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(assets.importMap({ lit: 'vendor/lit/index.js' }))));
    assert.equal(assets.importMapTag({ lit: 'vendor/lit/index.js' }), tag);
  });

  it('the escaping covers &, >, <!-- and the line separators (pure function)', () => {
    const map = buildImportMap(
      {
        modules: () => ['a&b.js', '<!--c.js', 'd>e.js', 'f\u2028g\u2029.js'],
        url: (name) => `/s/${name}`,
        integrity: () => 'sha384-x',
      },
      normalizeSpecifiers(undefined),
    );
    const body = scriptBody(importMapTag(map));
    assert.ok(body.includes('"\\u003c!--c.js"') && body.includes('"a\\u0026b.js"') && body.includes('"d\\u003ee.js"') && body.includes('"f\\u2028g\\u2029.js"'), body);
    assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(map)));
  });

  it('every URL in the map is served (200) by the same middleware, with the bytes its integrity describes', async () => {
    const map = assets.importMap({ lit: 'vendor/lit/index.js' });
    assert.ok(Object.keys(map.integrity).length >= 4);
    for (const [url, integrity] of Object.entries(map.integrity)) {
      const reply = await get(srv.port, url);
      assert.equal(reply.status, 200, url);
      assert.match(reply.headers['content-type'] as string, /^text\/javascript/, url);
      assert.equal(sri(reply.body), integrity, url);
      assert.match(reply.headers['cache-control'] as string, /immutable/, url);
    }
  });
});

describe('import map options and roots', () => {
  it('puts baseUrl in front of every URL, as url() does', () => {
    const fx = collectedWithModules();
    try {
      const assets = staticOrigin({ root: fx.root, baseUrl: 'https://cdn.example.com/static/' });
      const map = assets.importMap({ lit: 'vendor/lit/index.js' });
      assert.equal(map.imports.lit, `https://cdn.example.com/static/${fx.hashed['vendor/lit/index.js']}`);
      for (const [name, url] of Object.entries(map.imports)) {
        assert.ok(url.startsWith('https://cdn.example.com/static/'), name);
        assert.ok(map.integrity[url]?.startsWith('sha384-'), name);
      }
    } finally {
      fx.cleanup();
    }
  });

  it('without a manifest, lists the JavaScript files the root holds, unhashed', () => {
    const { dir, cleanup } = tempDir('import-map-plain');
    try {
      put(dir, 'app.js', 'export {};\n');
      put(dir, 'lib/util.mjs', 'export const u = 1;\n');
      put(dir, 'app.js.gz', 'not a module name');
      put(dir, 'style.css', 'p{}');
      put(dir, '.hidden.js', 'export {};\n');
      const assets = staticOrigin({ root: dir, prefix: '/assets/' });
      assert.deepEqual(assets.importMap(), {
        imports: { 'app.js': '/assets/app.js', 'lib/util.mjs': '/assets/lib/util.mjs' },
        integrity: { '/assets/app.js': sri('export {};\n'), '/assets/lib/util.mjs': sri('export const u = 1;\n') },
      });
    } finally {
      cleanup();
    }
  });

  it('a closed middleware throws, as url() does', () => {
    const fx = collectedWithModules();
    try {
      const assets = staticOrigin({ root: fx.root });
      assets.close();
      assert.throws(() => assets.importMap(), /closed/);
    } finally {
      fx.cleanup();
    }
  });
});

describe('import map in development mode', () => {
  let tmp: { dir: string; cleanup(): void };
  let app: string;
  let vendor: string;
  let assets: StaticOriginMiddleware;
  let srv: Listening;

  before(async () => {
    tmp = tempDir('import-map-dev');
    app = join(tmp.dir, 'app');
    vendor = join(tmp.dir, 'vendor');
    put(app, 'myapp/js/main.js', 'import { sparkle } from "confetti";\n');
    put(app, 'myapp/style.css', 'p{}');
    put(app, '.secret.js', 'no');
    put(app, 'notes.js~', 'no');
    put(app, 'drafts/old.js', 'ignored by glob');
    put(vendor, 'confetti/index.js', 'export function sparkle() {}\n');
    put(tmp.dir, 'outside/leak.js', 'outside');
    symlinkSync(join(tmp.dir, 'outside/leak.js'), join(app, 'leak.js'));
    symlinkSync(join(app, 'myapp/js/main.js'), join(app, 'alias.js'));
    symlinkSync(app, join(app, 'myapp/loop'));
    assets = staticOrigin({ dev: true, sources: [app, { dir: vendor, prefix: 'vendor' }], ignore: ['drafts'] });
    srv = await listen((req, res) =>
      assets(req, res, () => {
        res.statusCode = 418;
        res.end('app');
      }),
    );
  });
  after(async () => {
    await srv.close();
    tmp.cleanup();
  });

  it('lists the modules in the sources at unhashed URLs with live integrity, as collect would find them', () => {
    const map = assets.importMap({ confetti: 'vendor/confetti/index.js' });
    assert.deepEqual(map.imports, {
      'alias.js': '/static/alias.js',
      confetti: '/static/vendor/confetti/index.js',
      'myapp/js/main.js': '/static/myapp/js/main.js',
      'vendor/confetti/index.js': '/static/vendor/confetti/index.js',
    });
    assert.deepEqual(map.integrity, {
      '/static/alias.js': sri('import { sparkle } from "confetti";\n'),
      '/static/myapp/js/main.js': sri('import { sparkle } from "confetti";\n'),
      '/static/vendor/confetti/index.js': sri('export function sparkle() {}\n'),
    });
  });

  it('sees a module added, edited and deleted on the next call', () => {
    put(app, 'myapp/js/new.js', 'export const n = 1;\n');
    assert.equal(assets.importMap().imports['myapp/js/new.js'], '/static/myapp/js/new.js');
    put(app, 'myapp/js/new.js', 'export const n = 22;\n', later(1));
    assert.equal(assets.importMap().integrity['/static/myapp/js/new.js'], sri('export const n = 22;\n'));
    rmSync(join(app, 'myapp/js/new.js'));
    assert.equal(assets.importMap().imports['myapp/js/new.js'], undefined);
    assert.throws(() => assets.importMap({ n: 'myapp/js/new.js' }), { code: 'ERR_STATIC_ORIGIN_UNKNOWN_NAME' });
  });

  it('every URL in the map is served (200) live, with the bytes its integrity describes', async () => {
    const map = assets.importMap({ confetti: 'vendor/confetti/index.js' });
    for (const [url, integrity] of Object.entries(map.integrity)) {
      const reply = await get(srv.port, url);
      assert.equal(reply.status, 200, url);
      assert.equal(sri(reply.body), integrity, url);
    }
    assert.ok(scriptBody(assets.importMapTag({ confetti: 'vendor/confetti/index.js' })).includes('"confetti":"/static/vendor/confetti/index.js"'));
  });
});
