// findCssRefs (src/collect/css-refs.ts): where each reference is written in a stylesheet,
// its unescaped value and how it is quoted, so collect can put a hashed name in its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCssRefs } from '../src/collect/css-refs.js';
import type { Reference } from '../src/collect/refs.js';

type Context = Reference['context'];
/** [written form, value, context, quote] of one reference, in text order. */
type Expected = [written: string, value: string, context: Context, quote: string];

const U = (written: string, value = written): Expected => [written, value, 'css-url', ''];
const Q = (written: string, value = written, quote = '"'): Expected => [written, value, 'css-string', quote];
const MAP = (written: string): Expected => [written, written, 'css-comment', ''];

/** The references as findCssRefs should report them: each written form located after the previous one. */
function located(text: string, refs: Expected[]): Reference[] {
  let from = 0;
  return refs.map(([written, value, context, quote]) => {
    const start = text.indexOf(written, from);
    assert.ok(start >= 0, `the test's own text holds ${JSON.stringify(written)}`);
    from = start + written.length;
    return { start, end: start + written.length, value, kind: 'url', context, quote };
  });
}

// [what, stylesheet, references]
const cases: Array<[string, string, Expected[]]> = [
  // url(), unquoted
  ['url() unquoted', 'a{background:url(img/a.png)}', [U('img/a.png')]],
  ['url() with spaces inside', 'a{b:url(  img/a.png  )}', [U('img/a.png')]],
  ['url() with tabs inside', 'a{b:url(\ta.png\t)}', [U('a.png')]],
  ['url() with CRLF inside', 'a{b:url(\r\na.png\r\n)}', [U('a.png')]],
  ['URL() in capitals', 'a{b:URL(x.png)}', [U('x.png')]],
  ['url written with an escape in its name', 'a{b:u\\72l(x.png)}', [U('x.png')]],
  ['a query and a fragment', 'a{b:url(x.png?v=1#frag)}', [U('x.png?v=1#frag')]],
  ['a fragment only', 'a{mask:url(#m)}', [U('#m')]],
  ['a data: URL', 'a{b:url(data:image/png;base64,iVBO=)}', [U('data:image/png;base64,iVBO=')]],
  ['/* inside an unquoted url is part of it', 'a{b:url(/*x*/a.png)}', [U('/*x*/a.png')]],
  ['non-ASCII', 'a{b:url(é/\u{1F600}.png)}', [U('é/\u{1F600}.png')]],
  ['a custom property', 'a{--bg:url(x.png)}', [U('x.png')]],
  ['several in one declaration', 'a{background:url(a.png),url( b.png )}', [U('a.png'), U('b.png')]],
  // url(), unquoted, with escapes
  ['an escaped space', 'a{b:url(a\\ b.png)}', [U('a\\ b.png', 'a b.png')]],
  ['escaped parentheses', 'a{b:url(a\\(b\\).png)}', [U('a\\(b\\).png', 'a(b).png')]],
  ['a hex escape and its space', 'a{b:url(\\61 .png)}', [U('\\61 .png', 'a.png')]],
  ['a hex escape and CRLF', 'a{b:url(\\61\r\n.png)}', [U('\\61\r\n.png', 'a.png')]],
  ['a six-digit hex escape', 'a{b:url(\\01F600.png)}', [U('\\01F600.png', '\u{1F600}.png')]],
  ['an astral hex escape', 'a{b:url(\\1F600 x.png)}', [U('\\1F600 x.png', '\u{1F600}x.png')]],
  ['escape of NUL is U+FFFD', 'a{b:url(\\0 .png)}', [U('\\0 .png', '\uFFFD.png')]],
  ['escape past U+10FFFF is U+FFFD', 'a{b:url(\\110000 .png)}', [U('\\110000 .png', '\uFFFD.png')]],
  // url(), quoted
  ['url() double-quoted', 'a{b:url("img/a b.png")}', [Q('img/a b.png')]],
  ['url() single-quoted', "a{b:url('img/a.png')}", [Q('img/a.png', 'img/a.png', "'")]],
  ['url() quoted, spaces around', 'a{b:url(  "img/a.png"  )}', [Q('img/a.png')]],
  ['url() quoted, newline around', 'a{b:url(\n"img/a.png"\n)}', [Q('img/a.png')]],
  ['an escaped double quote', 'a{b:url("a\\"b.png")}', [Q('a\\"b.png', 'a"b.png')]],
  ['an escaped single quote', "a{b:url('a\\'b.png')}", [Q("a\\'b.png", "a'b.png", "'")]],
  ['the other quote inside', 'a{b:url("it\'s.png")}', [Q("it's.png")]],
  ['a line continuation (LF)', 'a{b:url("a\\\nb.png")}', [Q('a\\\nb.png', 'ab.png')]],
  ['a line continuation (CRLF)', 'a{b:url("a\\\r\nb.png")}', [Q('a\\\r\nb.png', 'ab.png')]],
  ['a hex escape in a string', 'a{b:url("\\69 mg.png")}', [Q('\\69 mg.png', 'img.png')]],
  ['a surrogate escape is U+FFFD', 'a{b:url("\\D800.png")}', [Q('\\D800.png', '\uFFFD.png')]],
  // @import
  ['@import "x"', '@import "x.css";', [Q('x.css')]],
  ["@import 'x' with media", "@import 'x.css' screen;", [Q('x.css', 'x.css', "'")]],
  ['@import url(x)', '@import url(x.css);', [U('x.css')]],
  ['@import url("x") with a layer', '@import url("x.css") layer(base);', [Q('x.css')]],
  ['@IMPORT in capitals', '@IMPORT "x.css";', [Q('x.css')]],
  ['@import then a tab', '@import\t"x.css";', [Q('x.css')]],
  ['@import, a comment, the string', '@import/* c */"x.css";', [Q('x.css')]],
  ['@import with layer() and supports()', '@import "a.css" layer(x) supports(display:grid);', [Q('a.css')]],
  ['@charset is not an import', '@charset "utf-8";\n@import "x.css";', [Q('x.css')]],
  ['two imports', '@import "a.css";\n@import url(b.css);\n', [Q('a.css'), U('b.css')]],
  ['@importx is another at-rule', '@import-x "x.css";', []],
  // image-set()
  ['image-set() strings', 'a{b:image-set("a.png" 1x, "a-2x.png" 2x)}', [Q('a.png'), Q('a-2x.png')]],
  ['-webkit-image-set() mixed', 'a{b:-webkit-image-set(url(a.png) 1x, "b.png" 2x)}', [U('a.png'), Q('b.png')]],
  ['IMAGE-SET() in capitals', 'a{b:IMAGE-SET("a.png" 1x)}', [Q('a.png')]],
  ['image-set() with url("…") then a string', 'a{b:image-set(url("a.png") 1x, "b.png" 2x)}', [Q('a.png'), Q('b.png')]],
  ['a type() string inside image-set() is not a URL', 'a{b:image-set("a.png" type("image/png"))}', [Q('a.png')]],
  ['strings after image-set() closes are not URLs', 'a{b:image-set("a.png" 1x);content:"b.png"}', [Q('a.png')]],
  ['strings in a later function are not URLs', 'a{b:image-set("a.png" 1x)}@font-face{src:url(f.woff2) format("woff2")}', [Q('a.png'), U('f.woff2')]],
  // Comments
  ['url() in a comment', '/* url(nope.png) */ a{b:url(yes.png)}', [U('yes.png')]],
  ['@import in a comment', '/* @import "nope.css"; */', []],
  ['a quote in a comment', "/* it's */ a{b:url(x.png)}", [U('x.png')]],
  ['a comment after url()', 'a{b:url(x.png)/* url(y.png) */}', [U('x.png')]],
  ['a comment inside image-set()', 'a{b:image-set(/* "no.png" */ "a.png" 1x)}', [Q('a.png')]],
  // Strings that are not references
  ['url() inside a string', 'a{content:"url(nope.png)"}', []],
  ['a file name in content', 'a{content:"x.png"}', []],
  ['format() after url()', '@font-face{src:url(a.woff2) format("woff2"),url("a.woff") format("woff")}', [U('a.woff2'), Q('a.woff')]],
  ['@namespace', '@namespace svg "http://www.w3.org/2000/svg";', []],
  ['a comment opener inside a string', 'a{content:"/* no"} b{c:url(x.png)} /* */', [U('x.png')]],
  ['another function named like url', 'a{b:my-url(x.png);c:urls(y.png)}', []],
  ['url() with nothing in it', 'a{b:url();c:url( )}', []],
  ['a bad url (space inside) is skipped, the next one found', 'a{b:url(a b.png);c:url(ok.png)}', [U('ok.png')]],
  ['a bad url (quote inside) is skipped, the next one found', 'a{b:url(a"b);c:url(ok.png)}', [U('ok.png')]],
  ['a bad url (parenthesis inside) is skipped, the next one found', 'a{b:url(a(b).png);c:url(ok.png)}', [U('ok.png')]],
  ['a bad url (escaped newline inside) is skipped, the next one found', 'a{b:url(a\\\nb.png);c:url(ok.png)}', [U('ok.png')]],
  ['a string broken by a newline ends there', 'a{content:"x\n}b{c:url(ok.png)}', [U('ok.png')]],
  ['a string broken by a lone CR ends there', "a{content:'x\r}b{c:url(ok.png)}", [U('ok.png')]],
  ['a string broken by a form feed ends there', 'a{content:"x\f}b{c:url(ok.png)}', [U('ok.png')]],
  // Source maps
  ['sourceMappingURL comment', 'a{}\n/*# sourceMappingURL=app.css.map */\n', [MAP('app.css.map')]],
  ['sourceMappingURL comment without a space before */', '/*# sourceMappingURL=app.css.map*/', [MAP('app.css.map')]],
  ['the older /*@ form', '/*@ sourceMappingURL=app.css.map */', [MAP('app.css.map')]],
  ['an inline source map', '/*# sourceMappingURL=data:application/json;base64,eyJ9 */', [MAP('data:application/json;base64,eyJ9')]],
  ['url() then a sourceMappingURL', 'a{b:url(x.png)}\n/*# sourceMappingURL=a.css.map */', [U('x.png'), MAP('a.css.map')]],
  ['a plain comment mentioning sourceMappingURL', '/* sourceMappingURL=x.map */', []],
  ['sourceMappingURL= with no value', '/*# sourceMappingURL= */', []],
  // End of input
  ['a quoted url() unterminated at EOF', 'a{b:url("unterminated', [Q('unterminated')]],
  ['an unquoted url() unterminated at EOF', 'a{b:url(unterminated', [U('unterminated')]],
  ['a string unterminated at EOF', 'a{b:"unterminated', []],
  ['a comment unterminated at EOF', 'a{} /* url(x.png)', []],
  // Line endings and a byte order mark
  ['CRLF line endings', '@import "z.css";\r\na{b:url(x.png)}\r\na{b:url("y.png")}\r\n/*# sourceMappingURL=m.map */\r\n', [Q('z.css'), U('x.png'), Q('y.png'), MAP('m.map')]],
  ['a BOM before @import', '\uFEFF@import "x.css";', [Q('x.css')]],
  ['a BOM before a rule', '\uFEFFa{b:url(x.png)}', [U('x.png')]],
  ['a BOM before a sourceMappingURL', '\uFEFF/*# sourceMappingURL=a.css.map */', [MAP('a.css.map')]],
];

test('findCssRefs table: start, end, value, context and quote', () => {
  for (const [what, text, refs] of cases) {
    assert.deepEqual(findCssRefs(text), located(text, refs), what);
  }
});

test('text.slice(start, end) is the written form of every reference', () => {
  for (const [what, text, refs] of cases) {
    const found = findCssRefs(text);
    assert.deepEqual(
      found.map((r) => text.slice(r.start, r.end)),
      refs.map(([written]) => written),
      what,
    );
    // Outside the value: a quoted value sits between its quotes, an unquoted one between url( and ).
    for (const r of found) {
      if (r.context === 'css-string') assert.equal(text[r.start - 1], r.quote, `${what}: opening quote`);
    }
  }
});

test('exact offsets, written out', () => {
  assert.deepEqual(findCssRefs('a{background:url(img/a.png)}'), [{ start: 17, end: 26, value: 'img/a.png', kind: 'url', context: 'css-url', quote: '' }]);
  assert.deepEqual(findCssRefs('a{b:url( "x y.png" )}'), [{ start: 10, end: 17, value: 'x y.png', kind: 'url', context: 'css-string', quote: '"' }]);
  assert.deepEqual(findCssRefs("@import 'x.css';"), [{ start: 9, end: 14, value: 'x.css', kind: 'url', context: 'css-string', quote: "'" }]);
  assert.deepEqual(findCssRefs('a{b:url(a\\ b.png)}'), [{ start: 8, end: 16, value: 'a b.png', kind: 'url', context: 'css-url', quote: '' }]);
  assert.deepEqual(findCssRefs('\uFEFF/*# sourceMappingURL=a.map */'), [{ start: 22, end: 27, value: 'a.map', kind: 'url', context: 'css-comment', quote: '' }]);
  assert.deepEqual(findCssRefs('a{b:url("")}'), [{ start: 9, end: 9, value: '', kind: 'url', context: 'css-string', quote: '"' }]); // empty, between its quotes
  assert.deepEqual(findCssRefs('x{}\r\n@import "b.css";'), [{ start: 14, end: 19, value: 'b.css', kind: 'url', context: 'css-string', quote: '"' }]);
});

test('a string cut by a newline is a bad-string, not a reference (CSS Syntax §4.3.5)', () => {
  // Browsers drop the declaration; collect must not resolve "a" (a strict build would fail on it).
  const cases = ['a{b:url("a\n)}', "a{b:url('a\r\n)}", '@import "a\n;', 'a{b:image-set("a\f 1x)}'];
  for (const text of cases) assert.deepEqual(findCssRefs(text), [], JSON.stringify(text));
});

test('truncated input at every length never throws and reports only ranges inside the text', () => {
  const sheet =
    '\uFEFF@import url("a.css") screen;\r\n@import \'b\\\'.css\';\n/* c */ a{background:url( img/x\\ y.png ) , image-set("1x.png" 1x, url(2x.png) 2x);content:"\\"url(no)"}\n/*# sourceMappingURL=s.css.map */\n';
  for (let end = 0; end <= sheet.length; end++) {
    for (let start = 0; start < end; start += 7) {
      const text = sheet.slice(start, end);
      let refs: Reference[] = [];
      assert.doesNotThrow(() => (refs = findCssRefs(text)), JSON.stringify(text));
      for (const r of refs) {
        assert.ok(r.start >= 0 && r.start <= r.end && r.end <= text.length, `${JSON.stringify(text)}: ${JSON.stringify(r)}`);
        const written = text.slice(r.start, r.end);
        if (!written.includes('\\')) assert.equal(r.value, written, JSON.stringify(text));
      }
    }
  }
  for (const text of [
    '',
    '/',
    '/*',
    '*/',
    '@',
    '@import',
    '@import "',
    'url',
    'url(',
    'url("',
    "url('",
    'url(a\\',
    'url("a\\',
    'url(\\',
    '"\\',
    'image-set(',
    'image-set("',
    '\\',
    '"',
    "'",
    ')))',
    '(((',
    '\uFEFF',
    '\r',
    '\r\n',
    '\uD800',
    'u\\',
    '-',
    '--',
    '-\\',
  ]) {
    assert.doesNotThrow(() => findCssRefs(text), JSON.stringify(text));
  }
});

test('a large stylesheet: every reference found, in order', () => {
  let text = '';
  const expected: Expected[] = [];
  for (let i = 0; i < 2000; i++) {
    text += `.r${i}{background:url(img/${i}.png)}/* url(no${i}.png) */\n`;
    expected.push(U(`img/${i}.png`));
  }
  assert.deepEqual(findCssRefs(text), located(text, expected));
});
