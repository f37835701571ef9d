// The thin part that touches Node: writes a decision to a response, from memory when the
// body is cached, else from the file (checked against the index on open).
import { close, fstat, open, read, type Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { keep, reserve, release, type BodyCache } from './body-cache.js';
import type { Body, Decision } from './decide.js';
import type { Variant } from './entry.js';

/** Why a body could not be read: the file is not what the index says, or the system is out of resources. */
export type DiskProblem = 'changed' | 'busy';

/** Out of descriptors or memory: worth a retry later, not a re-index. */
const BUSY = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EBUSY']);
const problemOf = (err: NodeJS.ErrnoException): DiskProblem => (BUSY.has(err.code ?? '') ? 'busy' : 'changed');

// Large reads: 1 MiB chunks measured ~15% faster than 256 KiB and ~25% faster than 64 KiB on
// 5 MB bodies; each stream holds at most about one chunk while the socket drains.
const STREAM_CHUNK = 1024 * 1024;
const ignore = (): void => {};

/**
 * The one owner of an open descriptor: closed exactly once, and never while a read on it
 * is in flight (libuv would run that read on whatever file or socket reused the number).
 */
class OpenFile {
  private reading = 0;
  private closing = false;

  constructor(readonly fd: number) {}

  read(buffer: Buffer, length: number, position: number, done: (err: NodeJS.ErrnoException | null, n: number) => void): void {
    this.reading++;
    read(this.fd, buffer, 0, length, position, (err, n) => {
      this.reading--;
      if (this.closing && this.reading === 0) close(this.fd, ignore);
      done(err, n);
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.reading === 0) close(this.fd, ignore);
  }

  /**
   * Whether the bytes read since `opened` was taken may be of two versions: the file was
   * written to in place at the same size (its times moved, `cp -p` putting the old mtime
   * back included). Not when it was only unlinked or renamed over (fewer links, the same
   * bytes), appended to (the range read is untouched) or shrunk (reads came up short).
   */
  changedSince(opened: Stats, done: (changed: boolean) => void): void {
    this.reading++;
    fstat(this.fd, (err, st) => {
      this.reading--;
      if (this.closing && this.reading === 0) close(this.fd, ignore);
      done(err !== null || (st.size === opened.size && st.nlink === opened.nlink && (st.ctimeMs !== opened.ctimeMs || st.mtimeMs !== opened.mtimeMs)));
    });
  }
}

/** Writes a decision whose body (if any) is `bytes`, or that has none to send. */
export function writeNow(res: ServerResponse, decision: Decision, bytes: Buffer | undefined): void {
  res.writeHead(decision.status, decision.headers as string[]);
  const body = decision.body;
  if (bytes === undefined || body === null) {
    res.end();
    return;
  }
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
 * Opens the variant's file and checks it is still the one the index describes (device,
 * inode, size and mtime: a file swapped for a symlink or renamed over is another file).
 * `stale()` is called instead of writing anything when it is not (changed, vanished).
 */
export function writeFromDisk(res: ServerResponse, decision: Decision, variant: Variant, cache: BodyCache, stale: (problem: DiskProblem) => void): void {
  open(variant.abs, 'r', (openErr, fd) => {
    if (openErr) return stale(problemOf(openErr));
    const file = new OpenFile(fd);
    fstat(fd, (statErr, st) => {
      if (res.destroyed) {
        // The client left while the file was opening.
        file.close();
        return;
      }
      if (statErr || st.size !== variant.size || st.mtimeMs !== variant.mtimeMs || st.ino !== variant.ino || st.dev !== variant.dev || st.ctimeMs !== variant.ctimeMs) {
        file.close();
        return stale(statErr ? problemOf(statErr) : 'changed');
      }
      if (reserve(cache, variant.size)) {
        readWhole(file, variant.size, (problem, bytes) => {
          if (problem !== undefined) {
            file.close();
            release(cache, variant.size);
            return stale(problem);
          }
          // Written to while we read it: these bytes may be half of each version.
          file.changedSince(st, (changed) => {
            file.close();
            if (changed) {
              release(cache, variant.size);
              return stale('changed');
            }
            keep(cache, variant, bytes);
            if (!res.destroyed) writeNow(res, decision, bytes);
          });
        });
        return;
      }
      pump(
        file,
        st,
        segmentsOf(decision.body as Body),
        res,
        () => res.writeHead(decision.status, decision.headers as string[]),
        () => stale('changed'),
      );
    });
  });
}

/** Reads exactly `size` bytes from the start of the file; a short read means it changed. */
function readWhole(file: OpenFile, size: number, done: (problem: DiskProblem | undefined, bytes: Buffer) => void): void {
  const bytes = Buffer.allocUnsafe(size);
  let filled = 0;
  const step = (): void => {
    if (filled === size) return done(undefined, bytes);
    file.read(bytes.subarray(filled), size - filled, filled, (err, n) => {
      if (err) return done(problemOf(err), bytes);
      if (n === 0) return done('changed', bytes);
      filled += n;
      step();
    });
  };
  step();
}

/** What a streamed body is made of: bytes of its own (multipart heads) and ranges of the file. */
type Segment = Buffer | { readonly start: number; readonly end: number };

function segmentsOf(body: Body): Segment[] {
  if (body.kind === 'whole') return [{ start: 0, end: body.variant.size - 1 }];
  if (body.kind === 'slice') return [body];
  const out: Segment[] = [];
  for (const part of body.layout.parts) out.push(part.head, part);
  out.push(body.layout.tail);
  return out;
}

/** Read buffers kept between responses, so streaming large files allocates nothing per chunk. */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 8;
const takeBuffer = (): Buffer => spareBuffers.pop() ?? Buffer.allocUnsafeSlow(STREAM_CHUNK);
const giveBuffer = (buffer: Buffer): void => {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
};

/**
 * Sends the segments in order, file ranges through two reused buffers: one is read while
 * the other is written, and a buffer is read into again only once its write has
 * completed, which is also the backpressure. (Node's read streams allocate a buffer per
 * chunk; on 5 MB bodies the garbage collector then took a quarter of the time.) Exactly
 * the ranges' bytes are sent: a file that grew is cut at the indexed length, and one that
 * shrank, failed or was written to while streaming aborts the connection before its last
 * bytes rather than pass a short or mixed body for a whole. The file is closed however it
 * ends, by its owner, once.
 */
function pump(file: OpenFile, opened: Stats, segments: readonly Segment[], res: ServerResponse, head: () => void, changedBeforeStart: () => void): void {
  const buffers = [takeBuffer(), takeBuffer()];
  // Nothing goes out (the status line included) until the first bytes of the file are in
  // hand: a file found written to before then is re-indexed and answered afresh.
  let started = false;
  let held: Buffer[] = [];
  const out = (bytes: Buffer, cb?: (err?: Error | null) => void): void => {
    if (!started) {
      started = true;
      head();
      for (const h of held) res.write(h);
      held = [];
    }
    res.write(bytes, cb);
  };
  const writing = [false, false];
  let segment = 0;
  let position = -1; // within the current file range; -1 before it starts
  let turn = 0;
  let blockedOn = -1;
  let done = false;
  let lastRange = segments.length - 1;
  while (lastRange >= 0 && Buffer.isBuffer(segments[lastRange])) lastRange--;

  const stop = (ok: boolean): void => {
    if (done) return;
    done = true;
    file.close();
    if (!ok) {
      // A read may still be filling a buffer: let these go rather than reuse them.
      res.destroy();
      return;
    }
    if (!started) {
      started = true;
      head();
    }
    for (const h of held) res.write(h);
    res.end();
    for (let i = 0; i < 2; i++) if (!writing[i]) giveBuffer(buffers[i]);
  };

  /** Nothing sent yet, and the file is not what it was: let go quietly; the caller re-indexes and decides again. */
  const letGo = (): void => {
    done = true;
    file.close();
    for (let k = 0; k < 2; k++) if (!writing[k]) giveBuffer(buffers[k]);
    changedBeforeStart();
  };

  const next = (): void => {
    if (done) return;
    // Own bytes are written as they come; a file range is read a chunk at a time.
    while (segment < segments.length) {
      const current = segments[segment];
      if (!Buffer.isBuffer(current)) {
        if (position < 0) position = current.start;
        if (position <= current.end) break;
        position = -1;
      } else if (started) {
        res.write(current);
      } else {
        held.push(current);
      }
      segment++;
    }
    if (segment === segments.length) return stop(true);
    const { end } = segments[segment] as Exclude<Segment, Buffer>;
    const i = turn;
    if (writing[i]) {
      blockedOn = i;
      return;
    }
    turn ^= 1;
    const buffer = buffers[i];
    file.read(buffer, Math.min(buffer.length, end - position + 1), position, (err, n) => {
      if (done) return;
      if (err || n === 0) return started ? stop(false) : letGo();
      position += n;
      const send = (): void => {
        writing[i] = true;
        out(n === buffer.length ? buffer : buffer.subarray(0, n), (writeErr) => {
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
      };
      if (position <= end || segment !== lastRange) return send();
      // The last bytes of the file: if it was written to while it streamed, what was sent may
      // be half of each version, so the client gets an aborted body rather than a whole one.
      file.changedSince(opened, (changed) => {
        if (done) return;
        if (!changed) return send();
        return started ? stop(false) : letGo();
      });
    });
  };

  res.on('close', () => {
    if (!done) stop(false);
  });
  next();
}
