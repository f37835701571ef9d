// Already-hashed input (SPEC 0.2): names a bundler already content-hashed are left as they are by
// collect and served as immutable. A false positive is the costly mistake (a mutable name cached for
// a year), a miss only hashes the file a second time, so every doubt below is settled towards "no".

/** The hash alphabet of Vite, Rollup, Rolldown and esbuild names (base64url; esbuild uses its `A-Z2-7` subset). */
const BASE64URL = '[A-Za-z0-9_-]';

/** A word: lowercase letters, capitalised or not, with a vowel (`List`, `item`, `Up`; not `Tp`, `Kbvp`). */
const WORD = '(?:[AEIOU][a-z]+|[A-Z]?[a-z]*[aeiouy][a-z]*)';
/** A piece between `-` or `_`: words, capitals, or a number with a letter before or two after (`v2`, `2x`, `1234`). */
const PIECE = `(?:${WORD}+|[A-Z]+|[A-Za-z]?[0-9]+[a-z]{0,2})`;

/**
 * Shapes of an 8-character segment that are names rather than a hash (each as a lookahead body,
 * followed there by the `.` that closes the segment):
 * - `ListItem`, `SemiBold`, `iPhone`: words in camel or Pascal case;
 * - `PORTUGAL`, `FIRSTRUN`: capitals only;
 * - `Banner01`, `DSCF1234`, `Logo2024`: words or capitals, then two or more digits;
 * - `Image-2x`, `IMG_1234`, `Icon_Add`, `Sans-Pro`: pieces joined by `-` or `_`.
 */
const WORDLIKE = [`${WORD}+`, '[A-Z]+', `(?:${WORD}+|[A-Z]+)[0-9]{2,}`, `${PIECE}(?:[_-]${PIECE})+`].join('|');

/**
 * A Vite/Rollup/esbuild hash: exactly 8 base64url characters with at least one capital, and not
 * {@link WORDLIKE}.
 */
const ROLLUP_HASH = `(?=${BASE64URL}*[A-Z])(?!(?:${WORDLIKE})\\.)${BASE64URL}{8}`;

/** A webpack/Parcel/Rails/Phoenix/Hugo/our own hash: 8 or more hex digits of one case, with a digit and a letter. */
const HEX_HASH = '(?=[0-9A-Fa-f]*[0-9])(?=[0-9A-Fa-f]*[A-Fa-f])(?:[0-9a-f]{8,}|[0-9A-F]{8,})';

/** What follows the hash: one extension, or two (`.js.map`, `.chunk.js`, `.css.gz`). */
const EXTENSIONS = '(?:\\.[A-Za-z0-9]+){1,2}$';

/**
 * The default pattern of bundler content hashes in a file's base name. It is tested against the
 * whole '/'-separated path relative to the root (as the server's `immutable` option is), and only
 * ever matches inside the last segment, so it can be passed as `immutable` too.
 *
 * Matches:
 * - Vite, Rollup, Rolldown and esbuild `name-[hash].ext` (`index-BxK3a9Zq.js`, `logo-D7x_2aQb.svg`,
 *   `chunk-3F4A9C1B.js`), and the same hash after a dot as SvelteKit, Astro and Nuxt write it
 *   (`start.CsK2hd5j.js`): exactly 8 characters of `[A-Za-z0-9_-]`, at least one of them a capital,
 *   not shaped like a word or a numbered name (see {@link WORDLIKE});
 * - webpack, Parcel, Angular (before 17), Vite 2–3, Rails/Propshaft, Phoenix, Hugo, Django and this
 *   project's collect, `name.[contenthash].ext` or `name-[digest].ext` (`main.3f2a9c1b7d4e5f60.js`,
 *   `app.a1b2c3d4.css`, `style.3f2a9c1b7d4e.css`), and webpack's bare `[hash][ext]` asset names:
 *   8 or more hex digits of one case, at least one a digit and at least one a letter;
 * followed by one or two extensions (`.js`, `.js.map`, `.chunk.js`).
 *
 * Trade-offs, measured over 100,000 random hashes in test/already-hashed.test.ts:
 * - The Rollup-style hash must be exactly 8 characters: its alphabet holds `-`, so a longer or
 *   open-ended length would swallow dash-joined words (`Regular-V2`, `v30-latin-Regular`). Eight is
 *   the default of Vite, Rollup, Rolldown and esbuild; builds configured otherwise pass a pattern.
 * - Requiring a digit, as a hex hash must, would miss a quarter of Vite's hashes (`lazy-COKtumff.js`
 *   in test/fixtures/vite-dist has none), so a capital is required instead: no lowercase word
 *   (`some-longword`, `my-component`, `sans-pro`, `hero-image-2x`) can match, at the cost of the
 *   1.5% of Vite hashes that have no capital. With the word shapes above, about 3% of Vite hashes
 *   are missed, and about 21% of esbuild's (those with no digit look like `PORTUGAL`).
 * - Names that still match by accident: a camel-case word with one digit or an inner acronym
 *   (`HeroImg2`, `Q3Report`, `UIButton`) right after a `-` or `.`, just before the extension.
 * - A hex hash needs a letter so that dates and numbers (`image-20240101.png`) are not taken.
 * - Not matched: hash-only Rollup names (Nuxt's `_nuxt/BxK3a9Zq.js`, too close to `IMG_1234.jpg`)
 *   and hashes in directory names; pass a pattern such as `/^_nuxt\//` for those.
 */
export const DEFAULT_HASHED_PATTERN: RegExp = new RegExp(
  `(?:[^/][.-](?:${ROLLUP_HASH}|${HEX_HASH})|(?:^|/)${HEX_HASH})${EXTENSIONS}`,
);

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
 * hash, per `pattern`. The pattern is tested against the whole path, so `/^assets\//` says "Vite's
 * `assets/` directory"; the default only looks at the base name.
 */
export function isAlreadyHashed(name: string, pattern: RegExp = DEFAULT_HASHED_PATTERN): boolean {
  return stateless(pattern).test(name);
}
