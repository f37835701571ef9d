// The access log of `static-origin serve`: one Common Log Format line per response,
//   127.0.0.1 - - [01/Dec/2026:04:00:00 +0000] "GET /static/a.css HTTP/1.1" 200 1234
// written when the response has finished (or was aborted), with the body bytes sent.
import { ServerResponse, type IncomingMessage } from 'node:http';

/**
 * A response that counts the body bytes handed to Node. Once the response has finished,
 * Node has passed every one of them to the kernel, so this is what was sent (headers not
 * included, as in CLF). Given to `createServer({ ServerResponse })`: nothing per request.
 */
export class CountingResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  bodyBytes = 0;

  // The signatures are ServerResponse's; only the chunk is looked at.
  override write(chunk: unknown, ...rest: unknown[]): boolean {
    this.bodyBytes += byteLength(chunk, rest[0]);
    return (super.write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }

  override end(...args: unknown[]): this {
    if (typeof args[0] !== 'function') this.bodyBytes += byteLength(args[0], args[1]);
    return (super.end as (...a: unknown[]) => this)(...args);
  }
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

let cachedSecond = -1;
let cachedTime = '';

/** `[01/Dec/2026:04:00:00 +0000]`, in UTC; formatted once per second. */
function clfTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedTime = `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
    cachedSecond = second;
  }
  return cachedTime;
}

/**
 * The request line as the client sent it, escaped as Apache does (`"` and `\` with a
 * backslash, bytes outside printable ASCII as `\xhh`) so that no request can forge a line
 * or a field of the log.
 */
function escapeRequestText(text: string): string {
  if (/^[\x21\x23-\x5b\x5d-\x7e ]*$/.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${text[i]}`;
    else if (c < 0x20 || c > 0x7e) out += `\\x${(c & 0xff).toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return out;
}

/**
 * One CLF line. `bytes`: the body bytes sent; 0 for HEAD, 204 and 304 (no body by definition);
 * `-` when the response was aborted before it finished, since what reached the client is not
 * known. A response aborted before its status was sent is logged as 499 (nginx's "client
 * closed request"), never as a 200 that did not happen.
 */
export function clfLine(remote: string | undefined, receivedMs: number, req: IncomingMessage, res: CountingResponse): string {
  const finished = res.writableFinished;
  const status = res.headersSent ? res.statusCode : 499;
  const noBody = req.method === 'HEAD' || status === 204 || status === 304;
  const bytes = !finished ? '-' : noBody ? '0' : String(res.bodyBytes);
  const request = escapeRequestText(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  return `${remote ?? '-'} - - ${clfTime(receivedMs)} "${request}" ${status} ${bytes}\n`;
}

/** Lines from several workers share one stdout: a write of at most this many bytes is never split (POSIX PIPE_BUF). */
const ATOMIC_WRITE = 4096;

export interface LogWriter {
  line(text: string): void;
  /** Writes what is buffered now (before the process exits). */
  flush(): void;
}

/**
 * Buffers lines and writes them once per turn of the event loop, in whole lines of at most
 * PIPE_BUF bytes, so a busy worker makes a few writes rather than one per request, and lines of
 * two workers never interleave. A stream that fails (EPIPE: the reader went away) ends logging,
 * not the server.
 */
export function createLogWriter(out: NodeJS.WritableStream): LogWriter {
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  let broken = false;
  out.on('error', () => {
    broken = true;
    pending = [];
  });

  function flush(): void {
    scheduled = false;
    if (broken || pending.length === 0) return;
    // Lines are ASCII (the request text is escaped), so a string's length is its byte count.
    let chunk = '';
    for (const text of pending) {
      if (chunk.length > 0 && chunk.length + text.length > ATOMIC_WRITE) {
        out.write(chunk);
        chunk = '';
      }
      chunk += text;
    }
    out.write(chunk);
    pending = [];
    pendingBytes = 0;
  }

  return {
    line(text) {
      if (broken) return;
      pending.push(text);
      pendingBytes += text.length;
      if (pendingBytes >= 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
