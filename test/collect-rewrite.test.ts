// Reference rewriting: every rule of the SPEC's "Rewrite" paragraph, one test each.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { hashedName } from '../src/contract/names.js';
import { nameDigits, run, tempDir, writeTree } from './fixtures/collect/helpers.js';
import { join } from 'node:path';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('hashed names', () => {
  it('puts 12 hex digits before the last extension', () => {
    assert.equal(hashedName('css/style.css', 'abcdef0123456789'), 'css/style.abcdef012345.css');
    assert.equal(hashedName('app.js.map', 'abcdef0123456789'), 'app.js.abcdef012345.map');
    assert.equal(hashedName('Makefile', 'abcdef0123456789'), 'Makefile.abcdef012345');
    assert.equal(hashedName('.htaccess', 'abcdef0123456789'), '.htaccess.abcdef012345');
    assert.equal(hashedName('jquery.min.js', 'abcdef0123456789'), 'jquery.min.abcdef012345.js');
    assert.equal(hashedName('UPPER.CSS', 'abcdef0123456789'), 'UPPER.abcdef012345.CSS');
  });

  it('takes the hash of the final bytes: sha256, first 12 digits in the name, sha384 SRI', async (t) => {
    const r = await run(t, { 'img/a.png': PNG, 'css/a.css': 'a{b:url(../img/a.png)}' });
    for (const name of ['img/a.png', 'css/a.css']) {
      const hashed = r.nameOf(name);
      const bytes = r.file(hashed);
      const sha = createHash('sha256').update(bytes).digest('hex');
      assert.equal(r.manifest.files[hashed].hash, sha);
      assert.equal(nameDigits(hashed), sha.slice(0, 12));
      assert.equal(r.manifest.files[hashed].integrity, 'sha384-' + createHash('sha384').update(bytes).digest('base64'));
      assert.equal(r.manifest.files[hashed].size, bytes.length);
    }
  });
});

describe('CSS url()', () => {
  const base = { 'img/a.png': PNG, 'css/img/b.png': PNG, 'fonts/f.woff2': Buffer.from('wOF2fake') };

  async function css(t: import('node:test').TestContext, text: string, extra = {}) {
    const r = await run(t, { ...base, ...extra, 'css/x.css': text });
    return { r, out: r.hashed('css/x.css'), png: r.nameOf('img/a.png').slice('img/'.length) };
  }

  it('rewrites a relative reference', async (t) => {
    const { r, out } = await css(t, 'a{b:url(img/b.png)}');
    assert.equal(out, `a{b:url(img/${r.nameOf('css/img/b.png').slice(8)})}`);
  });

  it('rewrites ../ references, keeping the written directory part', async (t) => {
    const { out, png } = await css(t, 'a{b:url(../img/a.png)}');
    assert.equal(out, `a{b:url(../img/${png})}`);
  });

  it('rewrites absolute references under the prefix and leaves those outside it', async (t) => {
    const { out, png } = await css(t, 'a{b:url(/static/img/a.png)} c{d:url(/media/img/a.png)}');
    assert.equal(out, `a{b:url(/static/img/${png})} c{d:url(/media/img/a.png)}`);
  });

  it('honours a custom prefix', async (t) => {
    const r = await run(t, { ...base, 'css/x.css': 'a{b:url(/assets/img/a.png)} c{d:url(/static/img/a.png)}' }, { prefix: 'assets' });
    assert.equal(r.hashed('css/x.css'), `a{b:url(/assets/${r.nameOf('img/a.png')})} c{d:url(/static/img/a.png)}`);
  });

  it('keeps double, single and no quotes as written', async (t) => {
    const { out, png } = await css(t, `a{b:url("../img/a.png");c:url('../img/a.png');d:url(../img/a.png)}`);
    assert.equal(out, `a{b:url("../img/${png}");c:url('../img/${png}');d:url(../img/${png})}`);
  });

  it('keeps spaces inside url( "x" ) and url( x )', async (t) => {
    const { out, png } = await css(t, 'a{b:url( "../img/a.png" ) ;c:url(  ../img/a.png\t)}');
    assert.equal(out, `a{b:url( "../img/${png}" ) ;c:url(  ../img/${png}\t)}`);
  });

  it('matches URL( case-insensitively', async (t) => {
    const { out, png } = await css(t, 'a{b:URL(../img/a.png)}');
    assert.equal(out, `a{b:URL(../img/${png})}`);
  });

  it('leaves data:, HTTP: (any case), protocol-relative and fragment-only URLs alone', async (t) => {
    const text = 'a{b:url(data:image/png;base64,iVBOR=);c:url("HTTP://example.com/x.png");d:url(Https://x/y.png);e:url(//cdn.example.com/x.png);f:url(#grad);g:url("#default#VML");h:url()}';
    const { out } = await css(t, text);
    assert.equal(out, text);
  });

  it('keeps ?query, #fragment and the ?# font hack', async (t) => {
    const { out, r } = await css(t, '@font-face{src:url(../fonts/f.woff2?#iefix) format("woff2"),url("../fonts/f.woff2?v=3#x")} a{b:url(../img/a.png#frag)}');
    const font = r.nameOf('fonts/f.woff2').slice('fonts/'.length);
    const png = r.nameOf('img/a.png').slice('img/'.length);
    assert.equal(out, `@font-face{src:url(../fonts/${font}?#iefix) format("woff2"),url("../fonts/${font}?v=3#x")} a{b:url(../img/${png}#frag)}`);
  });

  it('leaves references inside comments and strings alone (they need not exist)', async (t) => {
    const text = '/* url(missing.png) @import "gone.css"; */ a{content:"url(missing.png)";b:\'url(nope.png)\'}';
    const { out } = await css(t, text);
    assert.equal(out, text);
  });

  it('resolves CSS escapes and percent-encoding, and writes the hash back in the same form', async (t) => {
    const r = await run(t, { 'img/my image.png': PNG, 'css/x.css': 'a{b:url(../img/my\\ image.png);c:url("../img/my%20image.png")}' });
    const h = nameDigits(r.nameOf('img/my image.png'));
    assert.equal(r.hashed('css/x.css'), `a{b:url(../img/my\\ image.${h}.png);c:url("../img/my%20image.${h}.png")}`);
  });

  it('rewrites strings inside image-set()', async (t) => {
    const { out, png } = await css(t, 'a{b:image-set("../img/a.png" 1x, url(../img/a.png) 2x)}');
    assert.equal(out, `a{b:image-set("../img/${png}" 1x, url(../img/${png}) 2x)}`);
  });

  it('handles non-ASCII file names', async (t) => {
    const r = await run(t, { 'img/café ☕.png': PNG, 'css/x.css': 'a{b:url("../img/café ☕.png")}' });
    assert.equal(r.hashed('css/x.css'), `a{b:url("../${r.nameOf('img/café ☕.png')}")}`);
  });
});

describe('CSS @import and source maps', () => {
  it('rewrites @import "x" and @import url(x), keeping the form', async (t) => {
    const r = await run(t, { 'css/b.css': 'b{}', 'css/c.css': 'c{}', 'css/a.css': `@import "b.css";\n@IMPORT 'c.css' screen;\n@import url(b.css);\n@import url( "c.css" );` });
    const b = r.nameOf('css/b.css').slice(4);
    const c = r.nameOf('css/c.css').slice(4);
    assert.equal(r.hashed('css/a.css'), `@import "${b}";\n@IMPORT '${c}' screen;\n@import url(${b});\n@import url( "${c}" );`);
  });

  it('rewrites /*# sourceMappingURL= */ in CSS', async (t) => {
    const r = await run(t, { 'css/a.css': 'a{}\n/*# sourceMappingURL=a.css.map */\n', 'css/a.css.map': '{"version":3}' });
    assert.equal(r.hashed('css/a.css'), `a{}\n/*# sourceMappingURL=${r.nameOf('css/a.css.map').slice(4)} */\n`);
    assert.match(r.nameOf('css/a.css.map'), /^css\/a\.css\.[0-9a-f]{12}\.map$/);
  });

  it('leaves a data: source map alone', async (t) => {
    const text = 'a{}\n/*# sourceMappingURL=data:application/json;base64,e30= */\n';
    const r = await run(t, { 'css/a.css': text });
    assert.equal(r.hashed('css/a.css'), text);
  });
});

describe('JS modules', () => {
  it('rewrites static imports, export … from, bare imports and dynamic imports; leaves bare specifiers', async (t) => {
    const r = await run(t, {
      'js/dep.js': 'export const d = 1;\n',
      'js/lib/util.mjs': 'export const u = 2;\n',
      'js/main.js': [
        "import { d } from './dep.js';",
        'import * as u from "./lib/util.mjs"',
        "export { u as v } from './lib/util.mjs';",
        "export * from './dep.js';",
        "import './dep.js';",
        "import React from 'react';",
        "import x from '/static/js/dep.js';",
        "const later = import('./dep.js');",
        'const tpl = import(`./lib/util.mjs`);',
        "const computed = import('./' + name);",
        '',
      ].join('\n'),
    });
    const dep = r.nameOf('js/dep.js').slice(3);
    const util = r.nameOf('js/lib/util.mjs').slice(3);
    assert.equal(
      r.hashed('js/main.js'),
      [
        `import { d } from './${dep}';`,
        `import * as u from "./${util}"`,
        `export { u as v } from './${util}';`,
        `export * from './${dep}';`,
        `import './${dep}';`,
        "import React from 'react';",
        `import x from '/static/js/${dep}';`,
        `const later = import('./${dep}');`,
        `const tpl = import(\`./${util}\`);`,
        "const computed = import('./' + name);",
        '',
      ].join('\n'),
    );
  });

  it('leaves imports inside strings, comments and template literals alone', async (t) => {
    const text = "const s = \"import x from './missing.js'\";\n// import('./gone.js')\n/* export * from './no.js' */\nconst t = `import './nope.js'`;\n";
    const r = await run(t, { 'js/a.js': text });
    assert.equal(r.hashed('js/a.js'), text);
  });

  it('rewrites the trailing //# sourceMappingURL=', async (t) => {
    const r = await run(t, { 'js/app.js': 'console.log(1);\n//# sourceMappingURL=app.js.map\n', 'js/app.js.map': '{"version":3}' });
    assert.equal(r.hashed('js/app.js'), `console.log(1);\n//# sourceMappingURL=${r.nameOf('js/app.js.map').slice(3)}\n`);
  });

  it('does not treat a sourceMappingURL that is not the last line as the source map', async (t) => {
    const text = 'const s = "//# sourceMappingURL=missing.map";\nconsole.log(s);\n';
    const r = await run(t, { 'js/a.js': text });
    assert.equal(r.hashed('js/a.js'), text);
  });

  it('warns about import() built from a template with a variable, and leaves it', async (t) => {
    const text = 'const m = import(`./locale/${lang}.js`);\n';
    const r = await run(t, { 'js/a.js': text });
    assert.equal(r.hashed('js/a.js'), text);
    assert.ok(
      r.summary.warnings.some((w) => w.includes('a.js:1:18') && w.includes('cannot be rewritten')),
      r.summary.warnings.join('\n'),
    );
  });
});

describe('dependency order and cycles', () => {
  it('embeds final hashes of nested dependencies, so a change deep down changes every referrer', async (t) => {
    const files = { 'img/a.png': PNG, 'css/c.css': 'c{b:url(../img/a.png)}', 'css/b.css': '@import "c.css";', 'css/a.css': '@import "b.css";' };
    const one = await run(t, files);
    assert.equal(one.hashed('css/a.css'), `@import "${one.nameOf('css/b.css').slice(4)}";`);
    assert.equal(one.hashed('css/b.css'), `@import "${one.nameOf('css/c.css').slice(4)}";`);
    const two = await run(t, { ...files, 'img/a.png': Buffer.concat([PNG, Buffer.from([1])]) });
    for (const name of ['img/a.png', 'css/c.css', 'css/b.css', 'css/a.css']) assert.notEqual(two.nameOf(name), one.nameOf(name), name);
  });

  it('gives a two-file cycle one deterministic shared hash, and each member names the other', async (t) => {
    const files = {
      'css/a.css': '@import "b.css";\na{}',
      'css/b.css': '@import "a.css";\nb{}',
      'js/x.js': "import './y.js';\nexport const x = 1;\n",
      'js/y.js': "import './x.js';\nexport const y = 2;\n",
    };
    const one = await run(t, files);
    const two = await run(t, files);
    assert.equal(nameDigits(one.nameOf('css/a.css')), nameDigits(one.nameOf('css/b.css')));
    assert.equal(nameDigits(one.nameOf('js/x.js')), nameDigits(one.nameOf('js/y.js')));
    assert.deepEqual(two.manifest.paths, one.manifest.paths);
    assert.equal(one.hashed('css/a.css'), `@import "${one.nameOf('css/b.css').slice(4)}";\na{}`);
    assert.equal(one.hashed('css/b.css'), `@import "${one.nameOf('css/a.css').slice(4)}";\nb{}`);
    const three = await run(t, { ...files, 'css/b.css': '@import "a.css";\nb{color:red}' });
    assert.notEqual(nameDigits(three.nameOf('css/a.css')), nameDigits(one.nameOf('css/a.css')));
    // The manifest's hash is still the digest of the bytes as written.
    const bytes = one.file(one.nameOf('css/a.css'));
    assert.equal(one.manifest.files[one.nameOf('css/a.css')].hash, createHash('sha256').update(bytes).digest('hex'));
  });
});

describe('missing references', () => {
  it('fail the build with file:line:column and the reference text', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'css/a.css': 'a{}\nb {\n  background: url("../img/missing.png");\n}', 'img/missin.png': PNG });
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out') }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STATIC_ORIGIN_MISSING_REFERENCE');
      assert.ok(err.message.includes(`${join(dir, 'src', 'css', 'a.css')}:3:20`), err.message);
      assert.ok(err.message.includes('"../img/missing.png"'), err.message);
      assert.ok(err.message.includes('"img/missin.png"'), 'names the closest file: ' + err.message);
      return true;
    });
  });

  it('fail for a JS import too, and for a path that leaves the root', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'a.js': "\n\nimport x from '../../outside.js';\n" });
    await assert.rejects(
      collect({ sources: [join(dir, 'src')], out: join(dir, 'out') }),
      /a\.js:3:16: the reference "\.\.\/\.\.\/outside\.js" cannot be resolved: it points outside the collected root/,
    );
  });

  it('with strict: false, warn and leave the reference as written', async (t) => {
    const text = 'a{b:url(nope.png)}';
    const r = await run(t, { 'a.css': text }, { strict: false });
    assert.equal(r.hashed('a.css'), text);
    assert.equal(r.summary.warnings.length, 1);
    assert.match(r.summary.warnings[0], /a\.css:1:9: the reference "nope\.png" cannot be resolved/);
  });
});
