// Content codings: which collect writes as precompressed siblings and serve negotiates,
// the suffix of each sibling, its short form in ETags, and how an `encodings` option reads.
import * as zlib from 'node:zlib';
import { optionError, StaticOriginError } from '../errors.js';

export type EncodingName = 'br' | 'gzip' | 'zstd';
export const ENCODING_NAMES: readonly EncodingName[] = Object.freeze(['br', 'gzip', 'zstd']);
/** The file suffix of a precompressed sibling: `app.css.br` is the brotli variant of `app.css`. */
export const ENCODING_SUFFIX: Readonly<Record<EncodingName, string>> = Object.freeze({ br: '.br', gzip: '.gz', zstd: '.zst' });
/** The short form used in ETags: `"h-br"`, `"h-gz"`, `"h-zst"`. */
export const ENCODING_TAG: Readonly<Record<EncodingName, string>> = Object.freeze({ br: 'br', gzip: 'gz', zstd: 'zst' });

/** `x.css.br` → `['x.css', 'br']`: the file a sibling name would belong to; undefined for other names. */
export function variantBase(name: string): [base: string, coding: EncodingName] | undefined {
  for (const coding of ENCODING_NAMES) {
    const suffix = ENCODING_SUFFIX[coding];
    if (name.length > suffix.length && name.endsWith(suffix)) return [name.slice(0, -suffix.length), coding];
  }
  return undefined;
}

/** Whether this Node can write zstd (zlib.zstdCompress arrived in 22.15); any Node serves `.zst` files. */
export const canCompressZstd = (): boolean => typeof (zlib as unknown as Record<string, unknown>).zstdCompress === 'function';

/**
 * The `encodings` option of collect and serve alike: distinct known names, in order
 * (the order is the server's preference for ties). Default `['br', 'gzip']`.
 */
export function normalizeEncodings(value: unknown): readonly EncodingName[] {
  if (value === undefined) return Object.freeze(['br', 'gzip'] as EncodingName[]);
  const expected = `distinct values among ${ENCODING_NAMES.map((e) => `"${e}"`).join(', ')}`;
  if (!Array.isArray(value)) throw optionError('encodings', `an array of ${expected}`, value);
  const seen = new Set<string>();
  for (const enc of value) {
    if (typeof enc !== 'string' || !(ENCODING_NAMES as readonly string[]).includes(enc) || seen.has(enc)) throw optionError('encodings', expected, enc);
    seen.add(enc);
  }
  return Object.freeze([...value] as EncodingName[]);
}

/** Collect compresses: zstd needs a Node that can. */
export function requireCompressors(encodings: readonly EncodingName[]): void {
  if (encodings.includes('zstd') && !canCompressZstd()) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_ENCODING',
      `static-origin: zstd needs a Node.js with zlib.zstdCompress (22.15 or later); this is ${process.version}. Leave "zstd" out of encodings.`,
    );
  }
}
