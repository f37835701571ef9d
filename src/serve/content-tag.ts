// Content-derived ETag bodies for files the manifest does not vouch for: the same value on
// every replica, taken from the bytes. The synchronous form is for startup; the request
// path uses the asynchronous one, which never blocks the event loop on a whole-file read.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import etag from 'etag';

/** `len-sha1` as the `etag` package writes it, without the quotes. */
export function tagOfBytes(bytes: Buffer): string {
  return etag(bytes).slice(1, -1);
}

/** The same tag as `tagOfBytes` for a file read as a stream: never a whole file in memory. */
export function tagOfFile(abs: string): Promise<{ tag: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    let size = 0;
    const stream = createReadStream(abs, { highWaterMark: 1024 * 1024 });
    stream.on('data', (chunk) => {
      size += chunk.length;
      hash.update(chunk as Buffer);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve({ tag: `${size.toString(16)}-${hash.digest('base64').slice(0, 27)}`, size }));
  });
}
