// One serving process of `static-origin serve`: a node:http server whose handler is the
// middleware's `handle()` (its own 404 included), the access log, refresh, and a drain that
// lets responses in flight finish. The single process and every cluster worker run this.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ENCODING_NAMES } from '../contract/encodings.js';
import type { SourceSpec } from '../contract/sources.js';
import { staticOrigin } from '../serve/middleware.js';
import type { StaticOriginMiddleware } from '../serve/options.js';
import { clfLine, CountingResponse, createLogWriter } from './access-log.js';

/** What a serving process needs; plain data, so the primary can send it to its workers. */
export interface OriginConfig {
  /** Absolute; undefined only in development mode from sources. */
  readonly root: string | undefined;
  readonly prefix: string;
  readonly dev: boolean;
  /** Development mode: the sources, directories absolute. */
  readonly sources: readonly SourceSpec[];
  readonly host: string;
  readonly port: number;
  readonly quiet: boolean;
}

/** How long a drain waits for responses in flight before it closes their connections. */
export const DRAIN_MS = 10_000;

/**
 * Longer than the idle timeout of the load balancers and CDNs in front (AWS ALB: 60 s), so
 * that they, not we, close idle connections: an origin that closes first races their next
 * request on that connection, which they then answer with a 502.
 */
const KEEP_ALIVE_MS = 65_000;

const ERROR_HEADERS = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '0', 'Cache-Control', 'no-store'];

export interface RefreshResult {
  readonly ok: boolean;
  /** Why the rescan failed; the previous index is still serving. */
  readonly message?: string;
}

export interface Origin {
  readonly port: number;
  /** Rescans and swaps the index; a failure keeps the current one. */
  refresh(): RefreshResult;
  /**
   * Stops accepting, lets responses in flight finish (at most `DRAIN_MS`, then closes their
   * connections) and resolves with whether it had to force them; idempotent.
   */
  drain(): Promise<{ forced: boolean }>;
  /** Closes every connection now (a second SIGTERM); a running drain then resolves. */
  force(): void;
}

/** Builds the index and listens; throws what `staticOrigin()` or `listen` throws. */
export async function startOrigin(config: OriginConfig, stdout: NodeJS.WritableStream): Promise<Origin> {
  // `fallthrough: false`: every miss is the middleware's own 404, with its short cache
  // lifetime (`missMaxAge`), the same whether the origin runs alone or inside an app.
  // Every encoding: the root has the siblings collect was asked for (zstd included), and
  // `static-origin inspect` reports them all; ties go br, gzip, zstd.
  const assets = staticOrigin({
    root: config.root,
    prefix: config.prefix,
    dev: config.dev,
    fallthrough: false,
    encodings: ENCODING_NAMES,
    ...(config.dev && config.sources.length > 0 ? { sources: config.sources } : {}),
  });
  const log = config.quiet ? undefined : createLogWriter(stdout);
  let draining = false;
  /** Responses whose 'close' has not been seen: a drain ends after the last one, so its log line is written. */
  let open = 0;
  let onIdle: (() => void) | undefined;

  const server: Server = createServer<typeof IncomingMessage, typeof CountingResponse>({ ServerResponse: CountingResponse, keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    const received = Date.now();
    const remote = req.socket.remoteAddress;
    open++;
    res.once('close', () => {
      open--;
      log?.line(clfLine(remote, received, req, res));
      if (!draining) return;
      // A connection whose response ends during a drain is idle now: close it rather than keep it alive.
      setImmediate(() => server.closeIdleConnections());
      if (open === 0) onIdle?.();
    });
    if (draining) res.setHeader('Connection', 'close');
    answer(assets, req, res);
  });
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    assets.close();
    throw err;
  }

  let drained: Promise<{ forced: boolean }> | undefined;
  let forced = false;
  return {
    port: (server.address() as { port: number }).port,
    refresh(): RefreshResult {
      try {
        assets.refresh();
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message.replace(/^static-origin: /, '') };
      }
    },
    drain() {
      drained ??= new Promise((resolve) => {
        draining = true;
        const timer = setTimeout(() => {
          forced = true;
          server.closeAllConnections();
        }, DRAIN_MS);
        const done = () => {
          onIdle = undefined;
          clearTimeout(timer);
          assets.close();
          log?.flush();
          resolve({ forced });
        };
        // The server closes once its sockets have; their responses' 'close' events can come later.
        server.close(() => {
          if (open === 0) done();
          else onIdle = done;
        });
        server.closeIdleConnections();
      });
      return drained;
    },
    force() {
      forced = true;
      server.closeAllConnections();
    },
  };
}

function answer(assets: StaticOriginMiddleware, req: IncomingMessage, res: CountingResponse): void {
  let answered: boolean;
  try {
    answered = assets.handle(req, res);
  } catch (err) {
    // Not expected: the middleware answers every request it takes. One request fails, not the process.
    process.emitWarning(`static-origin: ${req.method} ${req.url} failed: ${(err as Error).message}`, { code: 'STATIC_ORIGIN_REQUEST' });
    if (!res.headersSent) res.writeHead(500, ERROR_HEADERS).end();
    else res.destroy();
    return;
  }
  // With `fallthrough: false` handle() answers every request; were it ever not to, a bare 404
  // rather than a request left hanging.
  if (!answered) res.writeHead(404, ERROR_HEADERS).end();
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
