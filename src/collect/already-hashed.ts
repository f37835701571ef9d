// Already-hashed input (SPEC 0.2): names a bundler already content-hashed are left as they are by
// collect and served as immutable. A false positive is the costly mistake (a mutable name cached for
// a year); a miss only hashes the file a second time. So every doubt below is settled towards "no".

/** The hash alphabet of Vite, Rollup, Rolldown and esbuild names (base64url; esbuild uses `A-Z2-7` of it). */
const BASE64URL = '[A-Za-z0-9_-]';

/** A word: lowercase letters, capitalised or not, with a vowel (`List`, `item`, `Up`; not `Tp`, `Kbvp`). */
const WORD = '(?:[AEIOU][a-z]+|[A-Z]?[a-z]*[aeiouy][a-z]*)';
/** A number, perhaps after letters of one case and before two lowercase ones: `v12`, `MD5`, `GLNX86`, `2x`. */
const NUMBER = '(?:[A-Z]+|[a-z]+)?[0-9]+[a-z]{0,2}';
/** What stands between `-` and `_` in a name: words in camel or Pascal case, capitals, a number. */
const PIECE = `(?:${WORD}+|[A-Z]+|${NUMBER})`;

/**
 * Shapes of an 8-character segment that make it a name rather than a hash. Each is used in a
 * lookahead followed by the `.` that closes the segment, so it has to cover all of it.
 * - `ListItem`, `SemiBold`, `iPhone`: words in camel or Pascal case;
 * - `PORTUGAL`, `FIRSTRUN`: capitals only;
 * - `Banner01`, `DSCF1234`, `Logo2024`: words or capitals, then two or more digits;
 * - `Image-2x`, `IMG_1234`, `Icon_Add`, `Sans-Pro`: such pieces joined by `-` or `_`.
 */
const WORDLIKE = [`${WORD}+`, '[A-Z]+', `(?:${WORD}+|[A-Z]+)[0-9]{2,}`, `${PIECE}(?:[_-]${PIECE})+`].join('|');

/**
 * Exactly 8 base64url characters and then a dot, checked first: it bounds every lookahead after it
 * to those 8 characters. Without it the word shapes backtracked exponentially over a long run of
 * letters not followed by a dot (`x-Aaaaaaaaaaaaaaaaaaaaa!.js` took 85 s).
 */
const EIGHT = `(?=${BASE64URL}{8}\\.)`;
/** Vite, Rollup, Rolldown, esbuild: exactly 8 base64url characters, at least one a capital, not {@link WORDLIKE}. */
const ROLLUP_HASH = `${EIGHT}(?=${BASE64URL}{0,7}[A-Z])(?!(?:${WORDLIKE})\\.)${BASE64URL}{8}`;
/** The same after a dot (SvelteKit, Astro, Nuxt), where dotted identifiers are common (`trait.OsStrExt.js`): a digit too. */
const DOTTED_ROLLUP_HASH = `${EIGHT}(?=${BASE64URL}{0,7}[0-9])${ROLLUP_HASH}`;
/** webpack, Parcel, Vite 2–3, Rails, Phoenix, Hugo, Django, ours: 8+ hex digits of one case, a digit and a letter among them. */
const HEX_HASH = '(?=[0-9A-Fa-f]*[0-9])(?=[0-9A-Fa-f]*[A-Fa-f])(?:[0-9a-f]{8,}|[0-9A-F]{8,})';
/** What follows the hash: one extension or two (`.js.map`, `.chunk.js`, `.css.gz`), the last not HTML. */
const EXTENSIONS = '(?:\\.[A-Za-z0-9]+){1,2}$(?<!\\.[Xx]?[Hh][Tt][Mm][Ll]?)';

/**
 * The default pattern of bundler content hashes in a file's base name. It is tested against the
 * whole '/'-separated path relative to the root, as the server's `immutable` option is, and only
 * matches within the last segment, so it can be given as `immutable` too. It matches:
 *
 * - Vite/Rollup/Rolldown/esbuild `name-[hash].ext`: `index-BxK3a9Zq.js`, `lazy-COKtumff.js`,
 *   `logo-D7x_2aQb.svg`, `chunk-3F4A9C1B.js`. The hash is exactly 8 characters of `[A-Za-z0-9_-]`
 *   with at least one capital, and not shaped like a word or a numbered name (`ListItem`,
 *   `PORTUGAL`, `Banner01`, `Image-2x`, `IMG_1234`: {@link WORDLIKE}).
 * - The same hash after a dot, as SvelteKit, Astro and Nuxt write it (`start.CsK2hd5j.js`), when it
 *   also holds a digit.
 * - webpack/Parcel/Rails/Phoenix/Hugo `name.[contenthash].ext` or `name-[digest].ext`, webpack's
 *   bare `[hash][ext]`, and collect's own form: `main.3f2a9c1b7d4e5f60.js`, `app.a1b2c3d4.css`,
 *   `style.3f2a9c1b7d4e.css`. The hash is 8 or more hex digits of one case, with at least one digit
 *   (`deadbeef` is a word) and one letter (`20240101` is a date).
 *
 * and then one or two extensions, the last not `.html`: a page names hashed files, it is never
 * one, and it must not be cached for a year.
 *
 * Trade-offs (miss rates over random hashes, pinned in test/already-hashed.test.ts):
 * - Exactly 8 characters for the base64url hash, the default of Vite, Rollup, Rolldown and esbuild:
 *   that alphabet holds `-`, so an open length would take in dash-joined words (`Regular-V2`).
 * - A capital rather than a digit: a quarter of Vite's hashes have no digit (`lazy-COKtumff.js` in
 *   test/fixtures/vite-dist), while lowercase words never have a capital (`some-longword`,
 *   `my-component`, `hero-image-2x`, `sans-pro`). About 3% of Vite hashes are missed (no capital,
 *   or word-shaped like `Ypojhazo`); a fifth of esbuild's, whose hashes without a digit look like
 *   `PORTUGAL`; 28% of SvelteKit's and Astro's, for want of a digit; 2.4% of 8-digit hex hashes,
 *   for want of a letter, 0.3% of 12-digit ones.
 * - Names that still match: a capital run before a word (`UIButton`, `IBMClang`, shaped like
 *   `COKtumff`), a one-digit name (`HeroImg2`, `TURKISH8`), a word without a vowel (`SvgIcons`)
 *   or a word ending in capitals (`commonJS`), each right before the extension after `-`. Of the
 *   177,000 file names on a Debian machine with Node tools and 227,000 npm package names taken as
 *   file names, 15 matched by accident, one of them a web asset (`JSLint-commonJS.js`; the others
 *   like `HP-TURKISH8.so`); the 8,000 other matches were real bundler, rustdoc, cargo and git output.
 * - Not matched at all: hash-only Rollup names (Nuxt's `_nuxt/BxK3a9Zq.js`, too close to
 *   `IMG_1234.jpg`), other lengths, and hashes in directory names. A pattern naming the bundler's
 *   output directory says it best: `/^_nuxt\//`, `/^_app\/immutable\//`, `/^_astro\//`.
 */
export const DEFAULT_HASHED_PATTERN: RegExp = new RegExp(`(?:[^/]-(?:${ROLLUP_HASH}|${HEX_HASH})|[^/]\\.(?:${DOTTED_ROLLUP_HASH}|${HEX_HASH})|(?:^|/)${HEX_HASH})${EXTENSIONS}`);

// `lastIndex` of a global or sticky RegExp would make `test` answer differently on each call.
const statelessCopies = new WeakMap<RegExp, RegExp>();

function stateless(pattern: RegExp): RegExp {
  if (!pattern.global && !pattern.sticky) return pattern;
  let copy = statelessCopies.get(pattern);
  if (copy === undefined) {
    copy = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    statelessCopies.set(pattern, copy);
  }
  return copy;
}

/**
 * Whether `name` (a '/'-separated path relative to the root) already carries a bundler's content
 * hash, per `pattern`. The pattern is tested against the whole path, so `/^assets\//` means "all
 * of Vite's `assets/`"; the default only looks at the base name.
 */
export function isAlreadyHashed(name: string, pattern: RegExp = DEFAULT_HASHED_PATTERN): boolean {
  return stateless(pattern).test(name);
}
