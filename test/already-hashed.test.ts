// Already-hashed names: the default pattern against bundlers' real names, ordinary names, a real
// Vite build (test/fixtures/vite-dist) and many random hashes; custom patterns.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HASHED_PATTERN, isAlreadyHashed } from '../src/collect/already-hashed.js';

const viteDist = fileURLToPath(new URL('./fixtures/vite-dist/', import.meta.url));

// [name relative to the root, already hashed?]
const cases: Array<[string, boolean]> = [
  // Vite 5+ / Rollup 4 / Rolldown: name-[hash], 8 base64url characters
  ['assets/index-BxK3a9Zq.js', true],
  ['assets/vendor-Cq4ZkD1f.css', true],
  ['assets/logo-D7x_2aQb.svg', true],
  ['assets/index-BbB_I5Yn.js', true],
  ['assets/lazy-COKtumff.js', true], // no digit: a quarter of Vite's hashes
  ['assets/index-B-x3a9Zq.js', true], // `-` inside the hash
  ['assets/index--QdMvsKi.css', true], // `-` first
  ['assets/register-nyXW-TH3.mjs', true],
  ['assets/_plugin-vue_export-helper-DlAUqK2U.js', true],
  ['assets/index-legacy-BxK3a9Zq.js', true],
  ['assets/index-BxK3a9Zq.js.map', true],
  ['assets/inter-latin-400-normal-Cp5nfeDT.woff2', true],
  ['index-BxK3a9Zq.js', true],
  // esbuild (and Angular 17+): name-[hash], 8 characters of A-Z2-7
  ['chunk-3F4A9C1B.js', true],
  ['main-ZX7QKL2M.js', true],
  ['styles-5INURTSO.css', true],
  ['polyfills-FFHMDTLP.js', false], // no digit: looks like `PORTUGAL`, hashed again
  // SvelteKit, Astro, Nuxt: name.[hash]
  ['_app/immutable/entry/start.CsK2hd5j.js', true],
  ['_astro/index.B8vVqsYx.css', true],
  ['_app/immutable/chunks/index.COKtumff.js', false], // after a dot a digit is needed too
  // webpack, Parcel, Vite 2-3, Rails, Phoenix, Hugo: hex
  ['main.3f2a9c1b7d4e5f60.js', true],
  ['app.a1b2c3d4.css', true],
  ['static/js/main.073c9b0a.chunk.js', true],
  ['static/js/787.3f2a9c1b.chunk.js', true],
  ['static/media/logo.6ce24c58.svg', true],
  ['3f2a9c1b7d4e5f60a1b2.png', true], // webpack 5 asset modules: [hash][ext]
  ['images/3f2a9c1b7d4e5f60a1b2.png', true],
  ['application-4b8a9ef1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7.css', true],
  ['app-5e1c3a7b9d2f4e6a8c0b1d3f5e7a9c2b.js', true],
  ['main.min.8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b.css', true],
  ['CHUNK.3F2A9C1B.JS', true],
  // collect's own form, including a source map's
  ['style.3f2a9c1b7d4e.css', true],
  ['css/style.3f2a9c1b7d4e.css', true],
  ['app.js.3f2a9c1b7d4e.map', true],
  // Ordinary names: versions, words, dates
  ['jquery-3.7.1.min.js', false],
  ['vendor/jquery-3.7.1.min.js', false],
  ['font-awesome.css', false],
  ['lodash.min.js', false],
  ['bootstrap-5.3.0.css', false],
  ['bootstrap.bundle.min.js', false],
  ['app.js', false],
  ['my-component.js', false],
  ['open-sans-regular.woff2', false],
  ['README-FIRST.txt', false],
  ['image-2024-01-01.png', false],
  ['image-20240101.png', false],
  ['some-longword.css', false],
  ['some-highlight.css', false],
  ['source-sans-pro.css', false],
  ['hero-image-2x.png', false],
  ['my-icons-v2.css', false],
  ['vue-router-4.js', false],
  ['roboto-v30-latin-regular.woff2', false],
  ['open-sans-v34-latin-700.woff2', false],
  ['noto-sans-jp-v52-latin-regular.woff2', false],
  ['polyfill-es2015.js', false],
  ['moment-with-locales.js', false],
  ['flatpickr-l10n-zh-Hant.js', false],
  ['messages.de-DE.json', false],
  ['vue.esm-browser.prod.js', false],
  ['jquery.dataTables.js', false],
  ['jquery.validate.js', false],
  ['chart.umd.js', false],
  ['tailwind.config.js', false],
  ['app.component.ts', false],
  ['backup.deadbeef.js', false], // hex letters without a digit
  ['x-12345678.js', false], // digits without a letter
  // Font families' styles, camel and Pascal case
  ['fonts/Roboto-Regular.ttf', false],
  ['fonts/OpenSans-Semibold.ttf', false],
  ['fonts/Inter-SemiBold.woff2', false],
  ['fonts/Poppins-ExtraBold.woff2', false],
  ['fonts/Lato-Hairline.woff', false],
  ['fonts/Inter-Variable.woff2', false],
  ['fonts/Roboto-Regular-V2.ttf', false],
  ['icons/arrow-ListItem.svg', false],
  ['icons/ui-CheckBox.svg', false],
  ['icons/nav-GoBack.svg', false],
  ['icons/brand-iPhone.svg', false],
  // Capitals, numbered names, joined pieces
  ['flags/flag-PORTUGAL.svg', false],
  ['img/hero-Banner01.jpg', false],
  ['img/about-DSCF1234.jpg', false],
  ['img/logo-Logo2024.png', false],
  ['img/team-IMG_1234.jpg', false],
  ['img/hero-Image-2x.png', false],
  ['icons/ui-Icon_Add.svg', false],
  ['icons/ui-Arrow-Up.svg', false],
  ['css/source-Sans-Pro.css', false],
  ['img/IMG_1234.jpg', false],
  // Pages are never taken as hashed: they name hashed files and must be revalidated
  ['index.html', false],
  ['page-BxK3a9Zq.html', false],
  ['page.3f2a9c1b7d4e.htm', false],
  ['struct.Ipv4Addr.html', false],
  // Only the base name counts; no extension, no hash
  ['build-3f2a9c1b7d4e/app.js', false],
  ['assets-BxK3a9Zq/logo.svg', false],
  ['index-BxK3a9Zq', false],
  ['-BxK3a9Zq.js', false],
  ['assets/-BxK3a9Zq.js', false],
  ['_nuxt/BxK3a9Zq.js', false], // hash-only Rollup names are left to a custom pattern
  ['index-BxK3a9Zq1.js', false], // 9 characters: not Vite's default length
  ['index-BxK3a9Z.js', false],
  ['', false],
  // Known accidental matches, kept so that a change to them is a decision (see the module's comment)
  ['icons/ios-UIButton.png', true],
  ['img/hero-HeroImg2.png', true],
];

describe('isAlreadyHashed: the default pattern', () => {
  for (const [name, expected] of cases) {
    it(`${JSON.stringify(name)} → ${expected}`, () => {
      assert.equal(isAlreadyHashed(name), expected);
      assert.equal(DEFAULT_HASHED_PATTERN.test(name), expected);
    });
  }
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

describe('isAlreadyHashed: a real Vite 8 build (test/fixtures/vite-dist)', () => {
  const files = filesUnder(viteDist);
  const manifest = JSON.parse(readFileSync(join(viteDist, '.vite/manifest.json'), 'utf8')) as Record<string, { file: string; css?: string[]; assets?: string[] }>;
  const emitted = new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? []), ...(c.assets ?? [])]));

  it('holds the files the README lists', () => {
    assert.deepEqual(files, [
      '.vite/manifest.json',
      'README.md',
      'assets/index-BbB_I5Yn.js',
      'assets/index-CVJ2mWPS.css',
      'assets/lazy-COKtumff.js',
      'assets/logo-qVeS41Cx.svg',
      'favicon.svg',
      'index.html',
      'robots.txt',
    ]);
  });

  it('takes every file Vite hashed (all of assets/, as its manifest lists them) and nothing else', () => {
    assert.deepEqual(
      [...emitted].sort(),
      files.filter((f) => f.startsWith('assets/')),
    );
    for (const name of files) assert.equal(isAlreadyHashed(name), emitted.has(name), name);
  });

  it('finds every hashed name index.html and the CSS refer to', () => {
    const html = readFileSync(join(viteDist, 'index.html'), 'utf8');
    const css = readFileSync(join(viteDist, 'assets/index-CVJ2mWPS.css'), 'utf8');
    const referred = [...(html + css).matchAll(/\/assets\/[^"')\s]+/g)].map((m) => m[0].slice(1));
    assert.deepEqual(referred.sort(), ['assets/index-BbB_I5Yn.js', 'assets/index-CVJ2mWPS.css', 'assets/logo-qVeS41Cx.svg']);
    for (const name of referred) assert.ok(isAlreadyHashed(name), name);
    assert.equal(isAlreadyHashed('favicon.svg'), false);
  });
});

describe('isAlreadyHashed: random hashes (the rates the module comment gives)', () => {
  const count = 20_000;
  /** `count` deterministic strings of `length` characters from `alphabet` (64 or 32 letters: no bias). */
  function randomHashes(alphabet: string, length: number): string[] {
    return Array.from({ length: count }, (_, i) => {
      const bytes = createHash('sha256').update(`hash ${i}`).digest();
      let s = '';
      for (let k = 0; k < length; k++) s += alphabet[bytes[k]! % alphabet.length];
      return s;
    });
  }
  function missRate(names: string[]): number {
    return names.filter((n) => !isAlreadyHashed(n)).length / names.length;
  }
  const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const hex = '0123456789abcdef';

  it('misses about 3% of Vite/Rollup hashes', () => {
    const rate = missRate(randomHashes(base64url, 8).map((h) => `assets/index-${h}.js`));
    assert.ok(rate > 0.02 && rate < 0.04, `missed ${rate}`);
  });

  it('misses about a fifth of esbuild hashes (those with no digit)', () => {
    const rate = missRate(randomHashes(base32, 8).map((h) => `chunk-${h}.js`));
    assert.ok(rate > 0.18 && rate < 0.23, `missed ${rate}`);
  });

  it('misses about 28% of SvelteKit/Astro hashes (no digit, after a dot)', () => {
    const rate = missRate(randomHashes(base64url, 8).map((h) => `_astro/index.${h}.css`));
    assert.ok(rate > 0.25 && rate < 0.31, `missed ${rate}`);
  });

  it('misses 2.4% of 8-digit hex hashes, 0.3% of 12-digit ones and almost no 20-digit ones', () => {
    const at = (n: number): number => missRate(randomHashes(hex, n).map((h) => `app.${h}.css`));
    const [eight, twelve, twenty] = [at(8), at(12), at(20)];
    assert.ok(eight > 0.018 && eight < 0.03, `8: missed ${eight}`);
    assert.ok(twelve > 0.001 && twelve < 0.006, `12: missed ${twelve}`);
    assert.ok(twenty < 0.001, `20: missed ${twenty}`);
  });
});

describe('regression: catastrophic backtracking in the word shapes (ReDoS)', () => {
  // Before the 8-character bound came first, the first of these took 85 s and the second 18 s.
  it('answers long adversarial names at once', { timeout: 5_000 }, () => {
    const names = [`x-A${'a'.repeat(20)}!.js`, `x-A${'ae'.repeat(10)}-.js`, `x-A${'a'.repeat(10_000)}!.js`, `x-${'Ab-'.repeat(10_000)}!`, `${'-A'.repeat(10_000)}.js!`, `x.${'a1'.repeat(10_000)}!`];
    for (const name of names) assert.equal(isAlreadyHashed(name), false, name.slice(0, 30));
  });
});

describe('isAlreadyHashed: a custom pattern', () => {
  it('is tested against the whole relative path', () => {
    const underAssets = /^assets\//;
    assert.equal(isAlreadyHashed('assets/anything.js', underAssets), true);
    assert.equal(isAlreadyHashed('index.html', underAssets), false);
    assert.equal(isAlreadyHashed('_nuxt/BxK3a9Zq.js', /^_nuxt\//), true);
  });

  it('answers the same on every call when global or sticky', () => {
    for (const pattern of [/-[A-Za-z0-9_-]{8}\./g, /.*-[A-Za-z0-9_-]{8}\./y, /-[a-z0-9]{8}\./gi]) {
      for (let i = 0; i < 3; i++) {
        assert.equal(isAlreadyHashed('index-BxK3a9Zq.js', pattern), true, `${pattern} call ${i}`);
        assert.equal(isAlreadyHashed('app.js', pattern), false, `${pattern} call ${i}`);
      }
      assert.equal(pattern.lastIndex, 0, `${pattern}: the caller's lastIndex is untouched`);
    }
  });
});
