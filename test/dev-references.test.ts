// Development-mode reference checks: every case is also run through collect({ strict: true }), which
// must refuse exactly the files we report, naming the same file:line:column with the same wording.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { collect } from '../src/collect/index.js';
import { missingReferences, type MissingReference } from '../src/serve/dev-references.js';
import { tempDir, writeTree, type Tree } from './fixtures/collect/helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const PREFIX = '/static/';

/** The other files of the dev sources, present for every case. */
const PRESENT: Tree = {
  'img/a.png': PNG,
  'css/img/a.png': PNG,
  'css/my image.png': PNG,
  'css/base.css': 'a{}',
  'fonts/f.woff2': Buffer.from('wOF2fake'),
  'js/util.js': 'export const a = 1;\n',
  'js/lib/dep.mjs': 'export const b = 2;\n',
  'shared/x.js': 'export const c = 3;\n',
};

interface Case {
  readonly title: string;
  readonly text: string;
  /** [line, column, reference] of each reported reference, in file order. */
  readonly expect: ReadonlyArray<readonly [number, number, string]>;
  /** Text the first message must contain, beyond file:line:column. */
  readonly says?: string;
  /** Defaults to the table's name. */
  readonly name?: string;
}

function check(name: string, text: string, asked: string[] = []): Promise<MissingReference[]> {
  return missingReferences(name, text, PREFIX, (n) => {
    asked.push(n);
    return Object.hasOwn(PRESENT, n);
  });
}

/** Runs collect (strict, dry run) on PRESENT plus this file; its error must be our first report, word for word. */
async function agreesWithCollect(t: TestContext, name: string, text: string, ours: MissingReference[]): Promise<void> {
  const dir = tempDir(t, 'dev-references');
  const src = join(dir, 'src');
  writeTree(src, { ...PRESENT, [name]: text });
  const run = collect({ sources: [src], out: join(dir, 'out'), strict: true, dryRun: true, encodings: [] });
  if (ours.length === 0) {
    await run;
    return;
  }
  await assert.rejects(run, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_STATIC_ORIGIN_MISSING_REFERENCE');
    // Collect names the absolute source path and may add a "did you mean" from the full name list.
    const collectSays = err.message.replace(/; did you mean .*\?$/, '');
    assert.equal(collectSays, `static-origin: ${join(src, name)}${ours[0].message.slice(name.length)}`);
    return true;
  });
}

function table(label: string, name: string, cases: readonly Case[]): void {
  describe(label, () => {
    for (const c of cases) {
      it(c.title, async (t) => {
        const file = c.name ?? name;
        const ours = await check(file, c.text);
        assert.deepEqual(
          ours.map((m) => [m.line, m.column, m.reference]),
          c.expect.map((e) => [...e]),
        );
        for (const m of ours) assert.ok(m.message.startsWith(`${file}:${m.line}:${m.column}: the reference "${m.reference}" cannot be resolved: `), m.message);
        if (c.says) assert.ok(ours[0].message.includes(c.says), ours[0].message);
        await agreesWithCollect(t, file, c.text, ours);
      });
    }
  });
}

table('CSS references', 'css/app.css', [
  { title: 'url() unquoted, present', text: 'a{b:url(img/a.png)}', expect: [] },
  { title: 'url() unquoted, missing', text: 'a{b:url(img/nope.png)}', expect: [[1, 9, 'img/nope.png']], says: '"css/img/nope.png" is not among the collected files' },
  { title: 'url() double-quoted, missing', text: 'a{b:url("nope.png")}', expect: [[1, 10, 'nope.png']] },
  { title: 'url() single-quoted with spaces, missing', text: "a{b:url( 'nope.png' )}", expect: [[1, 11, 'nope.png']] },
  { title: '@import string, present', text: '@import "base.css";\na{}', expect: [] },
  { title: '@import string, missing', text: '@import "missing.css";', expect: [[1, 10, 'missing.css']] },
  { title: '@import url(), missing', text: '@import url(missing.css) screen;', expect: [[1, 13, 'missing.css']] },
  { title: 'image-set() strings are references', text: 'a{b:image-set("img/a.png" 1x, "img/a@2x.png" 2x)}', expect: [[1, 32, 'img/a@2x.png']] },
  { title: 'query and fragment are kept but ignored for existence, present', text: '@font-face{src:url(../fonts/f.woff2?#iefix) format("woff2")}', expect: [] },
  {
    title: 'query and fragment are kept but ignored for existence, missing',
    text: '@font-face{src:url(../fonts/g.woff2?#iefix)}',
    expect: [[1, 20, '../fonts/g.woff2?#iefix']],
    says: '"fonts/g.woff2" is not among',
  },
  {
    title: 'data:, schemes, protocol-relative, absolute outside the prefix, fragment-only and empty are left alone',
    text: [
      'a{b:url(data:image/png;base64,iVBORw0KGgo=)}',
      'a{b:url(http://example.com/nope.png)}',
      'a{b:url("HTTPS://example.com/nope.png")}',
      'a{b:url(//cdn.example.com/nope.png)}',
      'a{b:url(/media/nope.png)}',
      'a{b:url(/static)}',
      'a{b:url(#nope)}',
      'a{b:url("")}',
      'a{b:url(?v=1)}',
      '@import "https://fonts.example.com/css?family=X";',
    ].join('\n'),
    expect: [],
  },
  { title: 'absolute under the prefix, present', text: 'a{b:url(/static/img/a.png)}', expect: [] },
  { title: 'absolute under the prefix, missing', text: 'a{b:url(/static/img/b.png)}', expect: [[1, 9, '/static/img/b.png']], says: '"img/b.png" is not among' },
  {
    title: 'references inside comments and strings are not references',
    text: '/* url(nope.png) @import "nope.css"; */\na::before{content:"url(nope.png)"}\na::after{content:\'@import "nope.css"\'}\na{b:url(img/a.png)}',
    expect: [],
  },
  { title: 'escapes and percent-encoding are decoded before the look-up', text: 'a{b:url(my\\ image.png)} c{d:url(my%20image.png)} e{f:url("my\\20 image.png")}', expect: [] },
  { title: '../ inside the root, present', text: 'a{b:url(../img/a.png)}', expect: [] },
  { title: '../ leaving the root is refused', text: 'a{b:url(../../outside.png)}', expect: [[1, 9, '../../outside.png']], says: 'it points outside the collected root' },
  { title: 'encoded ../ leaving the root is refused', text: 'a{b:url(%2e%2e/%2E%2E/outside.png)}', expect: [[1, 9, '%2e%2e/%2E%2E/outside.png']], says: 'it points outside the collected root' },
  { title: 'absolute ../ leaving the root is refused', text: 'a{b:url(/static/../outside.png)}', expect: [[1, 9, '/static/../outside.png']], says: 'it points outside the collected root' },
  { title: 'a directory reference is refused, as collect does', text: 'a{b:url(img/)}', expect: [[1, 9, 'img/']], says: 'it points outside the collected root' },
  { title: 'line and column across lines', text: 'a{}\nb {\n  background: url("../img/missing.png");\n}', expect: [[3, 20, '../img/missing.png']] },
  {
    title: 'CRLF line ends count as collect counts them',
    text: 'a{}\r\nb{c:url(x.png)}\r\nd{e:url(y.png)}',
    expect: [
      [2, 9, 'x.png'],
      [3, 9, 'y.png'],
    ],
  },
  { title: 'a BOM is a column, as collect reads it', text: '\ufeffa{b:url(nope.png)}', expect: [[1, 10, 'nope.png']] },
  {
    title: 'every missing reference is reported, in order',
    text: '@import "gone.css";\na{b:url(img/a.png)}\nc{d:url(gone.png)}',
    expect: [
      [1, 10, 'gone.css'],
      [3, 9, 'gone.png'],
    ],
  },
]);

table('JavaScript module references', 'js/app.js', [
  { title: 'static import, present', text: "import { a } from './util.js';\nimport { b } from './lib/dep.mjs';", expect: [] },
  { title: 'static import, missing', text: "import { a } from './nope.js';", expect: [[1, 20, './nope.js']], says: '"js/nope.js" is not among the collected files' },
  { title: 'side-effect import, missing', text: 'import "./nope.js";', expect: [[1, 9, './nope.js']] },
  { title: 'import with attributes, missing', text: "import data from './nope.json' with { type: 'json' };", expect: [[1, 19, './nope.json']] },
  { title: 'export … from, missing', text: "export { a } from './nope.js';", expect: [[1, 20, './nope.js']] },
  { title: 'export * from, missing', text: "export * from '../shared/nope.js';", expect: [[1, 16, '../shared/nope.js']] },
  { title: 'export * from ../, present', text: "export * from '../shared/x.js';", expect: [] },
  { title: "dynamic import('literal'), missing", text: "const m = await import('./lazy.js');", expect: [[1, 25, './lazy.js']] },
  { title: 'dynamic import of a template without substitutions, missing', text: 'const m = await import(`./lazy.js`);', expect: [[1, 25, './lazy.js']] },
  { title: 'dynamic import inside a template substitution, missing', text: "const s = `${import('./lazy.js')}`;", expect: [[1, 22, './lazy.js']] },
  { title: 'dynamic imports built at run time are left alone (collect only warns)', text: "import(`./${x}.js`);\nimport(name);\nimport('./a' + b);", expect: [] },
  {
    title: 'bare specifiers are left alone',
    text: "import _ from 'lodash';\nimport x from '@scope/pkg/x.js';\nimport 'lodash/fp.js';\nexport * from 'react';\nimport('lodash');",
    expect: [],
  },
  {
    title: 'schemes, protocol-relative and absolute outside the prefix are left alone',
    text: "import fs from 'node:fs';\nimport x from 'https://cdn.example.com/x.js';\nimport y from '//cdn.example.com/y.js';\nimport z from '/vendor/z.js';",
    expect: [],
  },
  { title: 'absolute under the prefix, present', text: "import '/static/js/util.js';", expect: [] },
  { title: 'absolute under the prefix, missing', text: "import '/static/js/gone.js';", expect: [[1, 9, '/static/js/gone.js']], says: '"js/gone.js" is not among' },
  { title: 'a query is kept but ignored for existence', text: "import './util.js?v=2';\nimport './gone.js?v=2';", expect: [[2, 9, './gone.js?v=2']], says: '"js/gone.js" is not among' },
  {
    title: 'imports inside comments, strings, templates and regexes are not references',
    text: "// import './nope.js'\n/* import('./nope.js') */\nconst s = \"import './nope.js'\";\nconst t = `export * from './nope.js'`;\nconst r = /import '.\\/nope.js'/;\nimport { a } from './util.js';",
    expect: [],
  },
  { title: '../ leaving the root is refused', text: "\n\nimport x from '../../outside.js';\n", expect: [[3, 16, '../../outside.js']], says: 'it points outside the collected root' },
  {
    title: 'line and column of every missing module, in order',
    text: 'import a from "./util.js";\n\nimport b from "./nope.js";\n  export { c } from "./gone.js";\nawait import("./later.js");',
    expect: [
      [3, 16, './nope.js'],
      [4, 22, './gone.js'],
      [5, 15, './later.js'],
    ],
  },
  { title: 'a file that cannot be lexed is left alone (collect only warns)', text: "import { from './nope.js'", expect: [] },
  { title: '.mjs is a module too', name: 'js/app.mjs', text: "import './lib/dep.mjs';\nimport './lib/gone.mjs';", expect: [[2, 9, './lib/gone.mjs']] },
]);

table('which files are inspected', 'x', [
  { title: '.css, any case', name: 'css/APP.CSS', text: 'a{b:url(nope.png)}', expect: [[1, 9, 'nope.png']] },
  { title: '.js, any case', name: 'js/App.JS', text: "import './nope.js';", expect: [[1, 9, './nope.js']] },
  ...['index.html', 'js/app.cjs', 'js/app.ts', 'js/app.jsx', 'data.json', 'js/app.js.map', 'css/app.css.map', 'README', 'css.d/notes'].map((name) => ({
    title: `${name} returns []`,
    name,
    text: "<link href=\"nope.css\"> a{b:url(nope.png)} @import 'nope.css'; import './nope.js'; export * from './nope.js';",
    expect: [],
  })),
]);

describe('source maps', () => {
  // A deliberate difference from collect: a missing .map is not reported in development.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['css/app.css', 'a{b:url(gone.png)}\n/*# sourceMappingURL=app.css.map */\n'],
    ['css/app.css', 'a{b:url(gone.png)}\n/*@ sourceMappingURL=/static/css/app.css.map */'],
    ['js/app.js', "import './gone.js';\n//# sourceMappingURL=app.js.map\n"],
    ['js/app.js', "import './gone.js';\n/*# sourceMappingURL=../maps/app.js.map */\n\n"],
    ['js/app.js', "import { from './gone.js'\n//# sourceMappingURL=app.js.map"],
  ];
  for (const [name, text] of cases) {
    it(`a missing source map is not reported: ${JSON.stringify(text)}`, async () => {
      const asked: string[] = [];
      const ours = await check(name, text, asked);
      assert.ok(!asked.some((n) => n.endsWith('.map')), `looked up a source map: ${asked.join(', ')}`);
      assert.ok(
        ours.every((m) => !m.reference.endsWith('.map')),
        JSON.stringify(ours),
      );
    });
  }

  it('the other references of the same file still are', async () => {
    const ours = await check('css/app.css', 'a{b:url(gone.png)}\n/*# sourceMappingURL=app.css.map */\n');
    assert.deepEqual(
      ours.map((m) => [m.line, m.column, m.reference]),
      [[1, 9, 'gone.png']],
    );
  });
});

describe('the look-up', () => {
  it('asks exists() for the resolved name: query and fragment dropped, escapes decoded, outside-root names never', async () => {
    const asked: string[] = [];
    await check('css/app.css', 'a{b:url(../fonts/f.woff2?#iefix)} c{d:url(my%20image.png#x)} e{f:url(/static/img/a.png?v=1)} g{h:url(../../up.png)} i{j:url(data:,x)}', asked);
    assert.deepEqual(asked, ['fonts/f.woff2', 'css/my image.png', 'img/a.png']);
  });

  it('answers from exists(), not from the disk', async () => {
    const everything = await missingReferences('css/app.css', 'a{b:url(anything.png)}', PREFIX, () => true);
    const nothing = await missingReferences('css/app.css', 'a{b:url(img/a.png)}', PREFIX, () => false);
    assert.deepEqual(everything, []);
    assert.deepEqual(
      nothing.map((m) => m.reference),
      ['img/a.png'],
    );
  });

  it('uses the prefix it is given', async () => {
    const text = 'a{b:url(/assets/img/gone.png)} c{d:url(/static/img/gone.png)}';
    const ours = await missingReferences('css/app.css', text, '/assets/', () => false);
    assert.deepEqual(
      ours.map((m) => [m.column, m.reference]),
      [[9, '/assets/img/gone.png']],
    );
  });

  it('refuses a prefix that is not normalised, naming the option', async () => {
    for (const prefix of ['static', '/static', 'static/', '']) {
      await assert.rejects(
        missingReferences('css/app.css', 'a{}', prefix, () => true),
        (err: TypeError & { code?: string }) => {
          assert.ok(err instanceof TypeError);
          assert.equal(err.code, 'ERR_STATIC_ORIGIN_INVALID_OPTION');
          assert.match(err.message, /option "prefix"/);
          return true;
        },
      );
    }
  });
});
