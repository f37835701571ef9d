// The thin part that touches Node: writes a decision to a response, from memory when the
// body is cached, else from the file (checked against the index on open).
import { close, createReadStream, fstat, open, read, readFile } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Body, Decision } from './decide.js';
import type { MultipartLayout } from './range.js';
import type { Variant } from './entry.js';

export interface BodyCache {
  used: number;
  readonly maxBytes: number;
  readonly maxFileBytes: number;
}

/** Why a body could not be read: the file is not what the index says, or the system is out of resources. */
export type DiskProblem = 'changed' | 'busy';

/** Out of descriptors or memory: worth a retry later, not a re-index. */
const BUSY = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EBUSY']);
const problemOf = (err: NodeJS.ErrnoException): DiskProblem => (BUSY.has(err.code ?? '') ? 'busy' : 'changed');

// Large reads: 1 MiB chunks measured ~15% faster than 256 KiB and ~25% faster than 64 KiB on
// 5 MB bodies; each stream holds at most about one chunk while the socket drains.
const STREAM_CHUNK = 1024 * 1024;
const ignore = (): void => {};

/** Writes a decision whose body (if any) is in memory, or that has none to send. */
export function writeNow(res: ServerResponse, decision: Decision, sendBody: boolean): void {
  res.writeHead(decision.status, decision.headers as string[]);
  const body = decision.body;
  if (!sendBody || body === null) {
    res.end();
    return;
  }
  const bytes = body.variant.body as Buffer;
  if (body.kind === 'whole') res.end(bytes);
  else if (body.kind === 'slice') res.end(bytes.subarray(body.start, body.end + 1));
  else {
    for (const part of body.layout.parts) {
      res.write(part.head);
      res.write(bytes.subarray(part.start, part.end + 1));
    }
    res.end(body.layout.tail);
  }
}

/**
 * Opens the variant's file and checks it is still what the index says (size and mtime).
 * `stale()` is called instead of writing anything when it is not (changed, vanished).
 */
export function writeFromDisk(res: ServerResponse, decision: Decision, variant: Variant, cache: BodyCache, stale: (problem: DiskProblem) => void): void {
  open(variant.abs, 'r', (openErr, fd) => {
    if (openErr) return stale(problemOf(openErr));
    fstat(fd, (statErr, st) => {
      if (res.destroyed) {
        // The client left while the file was opening.
        close(fd, ignore);
        return;
      }
      if (statErr || st.size !== variant.size || st.mtimeMs !== variant.mtimeMs) {
        close(fd, ignore);
        return stale(statErr ? problemOf(statErr) : 'changed');
      }
      if (variant.size <= cache.maxFileBytes && cache.used + variant.size <= cache.maxBytes) {
        readFile(fd, (readErr, bytes) => {
          close(fd, ignore);
          if (readErr) return stale(problemOf(readErr));
          if (bytes.length !== variant.size) return stale('changed');
          if (variant.body === undefined) {
            variant.body = bytes;
            cache.used += bytes.length;
          }
          if (!res.destroyed) writeNow(res, decision, true);
        });
        return;
      }
      res.writeHead(decision.status, decision.headers as string[]);
      const body = decision.body as Body;
      if (body.kind === 'multipart') {
        const stream = multipartStream(fd, body.layout);
        stream.on('error', () => res.destroy());
        res.on('close', () => stream.destroy());
        stream.pipe(res);
      } else {
        pump(fd, body.kind === 'slice' ? body.start : 0, body.kind === 'slice' ? body.end : body.variant.size - 1, res);
      }
    });
  });
}

/** Read buffers kept between responses, so streaming large files allocates nothing per chunk. */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 8;
const takeBuffer = (): Buffer => spareBuffers.pop() ?? Buffer.allocUnsafeSlow(STREAM_CHUNK);
const giveBuffer = (buffer: Buffer): void => {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
};

/**
 * Sends bytes `start..end` of `fd` with two reused buffers: one is read while the other
 * is written, and a buffer is read into again only once its write has completed, which
 * is also the backpressure. (Node's read streams allocate a buffer per chunk; on 5 MB
 * bodies the garbage collector then took a quarter of the time.) Exactly `end - start + 1`
 * bytes are sent: a file that grew is cut at the indexed length, and one that shrank or
 * failed while streaming aborts the connection rather than pass a short body for a whole.
 * The descriptor is closed however it ends.
 */
function pump(fd: number, start: number, end: number, res: ServerResponse): void {
  const buffers = [takeBuffer(), takeBuffer()];
  const writing = [false, false];
  let position = start;
  let turn = 0;
  let blockedOn = -1;
  let done = false;

  const stop = (ok: boolean): void => {
    if (done) return;
    done = true;
    close(fd, ignore);
    if (!ok) {
      // A read may still be filling a buffer: let these go rather than reuse them.
      res.destroy();
      return;
    }
    res.end();
    for (let i = 0; i < 2; i++) if (!writing[i]) giveBuffer(buffers[i]);
  };

  const next = (): void => {
    if (done) return;
    if (position > end) return stop(true);
    const i = turn;
    if (writing[i]) {
      blockedOn = i;
      return;
    }
    turn ^= 1;
    const buffer = buffers[i];
    read(fd, buffer, 0, Math.min(buffer.length, end - position + 1), position, (err, n) => {
      if (done) return;
      if (err || n === 0) return stop(false);
      position += n;
      writing[i] = true;
      res.write(n === buffer.length ? buffer : buffer.subarray(0, n), (writeErr) => {
        writing[i] = false;
        if (done) {
          if (!writeErr && !res.destroyed) giveBuffer(buffer);
          return;
        }
        if (writeErr) return stop(false);
        if (blockedOn === i) {
          blockedOn = -1;
          next();
        }
      });
      next();
    });
  };

  res.on('close', () => {
    if (!done) stop(false);
  });
  next();
}

function multipartStream(fd: number, layout: MultipartLayout): Readable {
  return Readable.from((async function* parts() {
    try {
      for (const part of layout.parts) {
        yield part.head;
        yield* createReadStream('', { fd, start: part.start, end: part.end, autoClose: false, highWaterMark: STREAM_CHUNK });
      }
      yield layout.tail;
    } finally {
      close(fd, ignore);
    }
  })(), { objectMode: false });
}
