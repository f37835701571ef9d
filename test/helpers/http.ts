// Real sockets only: a server on an ephemeral loopback port, and clients that send the
// request exactly as written (most clients tidy URLs, which would hide path attacks).
import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Listening {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener | Server): Promise<Listening> {
  const server = typeof handler === 'function' ? createServer(handler) : handler;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request with Node's client, path sent as given (no URL parsing), no keep-alive. */
export function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.end();
  });
}

/**
 * Writes the request line byte for byte over a socket (for NUL, backslashes, raw `..`),
 * and parses the answer's status, headers and Content-Length body.
 */
export function raw(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`timeout: raw ${method} ${target.slice(0, 80)}`)), 10_000);
    socket.on('connect', () => {
      let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      socket.write(Buffer.from(`${head}\r\n`, 'latin1'));
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP answer to ${target.slice(0, 80)}: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`));
      const lines = all.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const parsed: IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).toLowerCase();
        const value = line.slice(i + 1).trim();
        const prev = parsed[name];
        parsed[name] = prev === undefined ? value : `${prev as string}, ${value}`;
      }
      let body = all.subarray(end + 4);
      const length = parsed['content-length'];
      if (length !== undefined) body = body.subarray(0, Number(length));
      resolve({ status, headers: parsed, body });
    });
  });
}
