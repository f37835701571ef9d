// A raw HTTP/1.1 client for hostile input: it writes the request bytes exactly as given,
// reads until the server closes, and parses what came back without trusting it (every
// response's Content-Length is compared with the bytes that actually followed).
import { connect } from 'node:net';

export interface Exchange {
  /** Every byte the server sent before it closed. */
  data: Buffer;
  /** Why the exchange ended early: 'timeout', or a socket error code (ECONNRESET). */
  error: string | undefined;
}

/** Sends `bytes` over a fresh connection and collects everything until the server closes (bounded by `timeoutMs`). */
export function exchange(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('connect', () => socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), error });
    });
  });
}

export interface RawResponse {
  status: number;
  /** The status line as sent. */
  statusLine: string;
  /** Header fields in order, names lower-cased, duplicates kept. */
  fields: Array<[string, string]>;
  /** Lower-cased name → values joined with ', '. */
  headers: Record<string, string>;
  /** The body bytes that followed (framed by Content-Length when there is one, else up to the close). */
  body: Buffer;
  /** Content-Length as declared, or undefined. */
  declared: number | undefined;
  /** Whether the body is shorter than Content-Length said (the connection ended first). */
  short: boolean;
}

/** Statuses that never have a body, whatever their headers say. */
const BODYLESS = new Set([204, 304]);

/**
 * Parses the responses in `data`, one per entry of `methods` at most (a HEAD's answer has no
 * body). Returns what could be parsed; `rest` is whatever followed the last one.
 */
export function parseResponses(data: Buffer, methods: readonly string[]): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (let i = 0; i < methods.length && offset < data.length; i++) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) break;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const statusLine = lines[0];
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
    if (status === undefined) break;
    const fields: Array<[string, string]> = [];
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      fields.push([name, value]);
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const start = end + 4;
    const cl = headers['content-length'];
    const declared = cl === undefined ? undefined : Number(cl);
    const code = Number(status);
    let body: Buffer;
    let short = false;
    if (methods[i] === 'HEAD' || BODYLESS.has(code) || (code >= 100 && code < 200)) {
      body = data.subarray(start, start);
    } else if (declared !== undefined) {
      body = data.subarray(start, Math.min(data.length, start + declared));
      short = body.length < declared;
    } else {
      body = data.subarray(start);
    }
    responses.push({ status: code, statusLine, fields, headers, body, declared, short });
    offset = start + body.length;
  }
  return { responses, rest: data.subarray(offset) };
}

/** One request over its own connection (`Connection: close`): its response, and the bytes after it. */
export async function rawOnce(
  port: number,
  request: Buffer | string,
  method: string,
  timeoutMs = 10_000,
): Promise<{ response: RawResponse | undefined; rest: Buffer; error: string | undefined; data: Buffer }> {
  const ex = await exchange(port, request, timeoutMs);
  const { responses, rest } = parseResponses(ex.data, [method]);
  return { response: responses[0], rest, error: ex.error, data: ex.data };
}
