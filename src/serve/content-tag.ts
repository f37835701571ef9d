// Content-derived ETag bodies for files the manifest does not vouch for: the same value on
// every replica, taken from the bytes. The synchronous form is for startup; the request
// path uses the asynchronous one, which never blocks the event loop on a whole-file read.
// The same tag, taken of a precompressed sibling's decompressed bytes, says whether the
// sibling holds its file (`siblingsHolding`).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import etag from 'etag';
import type { EncodingName } from '../contract/encodings.js';
import type { FoundFile } from './scan.js';

/** `len-sha1` as the `etag` package writes it, without the quotes. */
export function tagOfBytes(bytes: Buffer): string {
  return etag(bytes).slice(1, -1);
}

export interface Hashed {
  readonly tag: string;
  readonly size: number;
}

/** The same tag as `tagOfBytes` for a file read as a stream: never a whole file in memory. */
export function tagOfFile(abs: string): Promise<Hashed> {
  return hashStream(abs, undefined, Number.POSITIVE_INFINITY).then((hashed) => hashed!);
}

// zlib.createZstdDecompress arrived in Node 22.15; without it a `.zst` sibling is taken on the sibling rule alone.
const zstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
const DECOMPRESSOR: Readonly<Partial<Record<EncodingName, () => Transform>>> = {
  br: zlib.createBrotliDecompress,
  gzip: zlib.createGunzip,
  zstd,
};

/**
 * The siblings that decompress to exactly the file `hashed` describes; the others are left
 * out. A tool that writes `x.css.br` before `x.css` leaves a moment where the new sibling
 * stands beside the old file, newer than it as the sibling rule asks: without this it would
 * be sent under the old file's tag. Streamed, off the event loop, and stopped as soon as a
 * sibling inflates past the file's size.
 */
export async function siblingsHolding(
  siblings: Readonly<Partial<Record<EncodingName, FoundFile>>> | undefined,
  hashed: Hashed,
  pathOf: (file: FoundFile) => string,
): Promise<Partial<Record<EncodingName, FoundFile>> | undefined> {
  if (siblings === undefined) return undefined;
  const kept: Partial<Record<EncodingName, FoundFile>> = {};
  for (const [coding, sib] of Object.entries(siblings) as Array<[EncodingName, FoundFile]>) {
    const decompressor = DECOMPRESSOR[coding];
    if (decompressor === undefined) {
      kept[coding] = sib;
      continue;
    }
    const inside = await hashStream(pathOf(sib), decompressor(), hashed.size).catch(() => undefined);
    if (inside?.tag === hashed.tag) kept[coding] = sib;
  }
  return kept;
}

/** Hashes a file, through `transform` when given; undefined once more than `maxBytes` come out. */
function hashStream(abs: string, transform: Transform | undefined, maxBytes: number): Promise<Hashed | undefined> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    let size = 0;
    const file = createReadStream(abs, { highWaterMark: 1024 * 1024 });
    const out = transform === undefined ? file : file.pipe(transform);
    const fail = (err: Error): void => {
      file.destroy();
      transform?.destroy();
      reject(err);
    };
    file.on('error', fail);
    transform?.on('error', fail);
    out.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        file.destroy();
        transform?.destroy();
        resolve(undefined);
        return;
      }
      hash.update(chunk);
    });
    out.on('end', () => resolve({ tag: `${size.toString(16)}-${hash.digest('base64').slice(0, 27)}`, size }));
  });
}
