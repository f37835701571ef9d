// staticOrigin(): the request path, one way — canonical key → index → decide → writer.
// The index owns every entry and cached body; this module only asks it and writes what
// `decide()` answers. Misses never touch the file system in production.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitSuffix } from '../contract/names.js';
import { createNegotiator } from './accept-encoding.js';
import { toKey } from './canonical-path.js';
import { createCollectedIndex } from './collected-index.js';
import { decide, decideRedirect, type DecideContext } from './decide.js';
import type { FileEntry, RedirectEntry } from './entry.js';
import { createImportMaps, type ImportMap, type ImportMapSpecifiers, type ImportMaps } from './import-map.js';
import { createLiveIndex } from './live-index.js';
import { ignoredName } from '../contract/sources.js';
import { createLiveReload, type LiveReload } from './live-reload.js';
import { normalizeOptions, type NextFunction, type NormalizedOptions, type StaticOriginMiddleware, type StaticOriginOptions } from './options.js';
import { preloadMiddleware } from './preload.js';
import { defaultWarn, type Warn } from './scan.js';
import type { Entry, StaticIndex } from './static-index.js';
import { writeFromDisk, writeNow, type DiskProblem } from './writer.js';

/** Beyond this many ranges in one request, the whole file is sent (200). */
const MAX_RANGES = 16;
/** How often one request may find its file changed and re-index it before giving up. */
const MAX_REINDEX = 2;

const NOT_FOUND_HEADERS = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '9', 'X-Content-Type-Options', 'nosniff'];
const UNAVAILABLE_HEADERS = ['Retry-After', '1', 'Content-Length', '0', 'Cache-Control', 'no-store'];
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

type HttpError = Error & { status: number; statusCode: number; expose: boolean };

function notFoundError(): HttpError {
  return Object.assign(new Error('Not Found'), { status: 404, statusCode: 404, expose: true });
}

const warnReference: Warn = (message) => process.emitWarning(message, { code: 'STATIC_ORIGIN_REFERENCE' });

function createIndex(options: NormalizedOptions): StaticIndex {
  return options.dev ? createLiveIndex(options, defaultWarn, warnReference) : createCollectedIndex(options, defaultWarn);
}

/** The live index behind a middleware, for the tests that check what it holds. Not exported from the package. */
const indexes = new WeakMap<StaticOriginMiddleware, () => StaticIndex | undefined>();
export function indexOf(middleware: StaticOriginMiddleware): StaticIndex | undefined {
  return indexes.get(middleware)?.();
}

export function staticOrigin(input: StaticOriginOptions): StaticOriginMiddleware {
  const options = normalizeOptions(input);
  let index: StaticIndex | undefined = createIndex(options);
  const missCacheControl = `public, max-age=${options.missMaxAge}`;
  const notFoundHeaders = [...NOT_FOUND_HEADERS, 'Cache-Control', missCacheControl];
  const dctx: DecideContext = { negotiate: createNegotiator(options.encodings), maxRanges: MAX_RANGES, boundary: randomBytes(12).toString('hex') };
  const liveReload: LiveReload | undefined = options.liveReload
    ? createLiveReload({ sources: options.sources.map(({ dir, prefix }) => ({ dir, prefix })), mount: options.mount, ignore: (name) => ignoredName(options.sources, name, options.ignore) })
    : undefined;

  /** A miss: `next()` (or `next(404)`), or for `handle()` false (or a 404 answer). */
  function miss(req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined): boolean {
    markMiss(req, res);
    if (next !== undefined) {
      if (options.fallthrough) next();
      else next(notFoundError());
      return false;
    }
    if (options.fallthrough) return false;
    res.writeHead(404, notFoundHeaders);
    res.end('Not Found');
    return true;
  }

  /**
   * A miss under a dedicated prefix is short-lived for caches: a CDN must not pin a 404 for a
   * name a newer replica already has (a rolling deploy). The app answering the miss may set
   * its own Cache-Control. With prefix `/` every app route is "under the prefix", so only
   * our own 404 carries it.
   */
  function markMiss(req: IncomingMessage, res: ServerResponse): void {
    if (options.prefix === '/' || res.headersSent) return;
    const url = req.url as string;
    if (url.startsWith(options.mount) && (url.length === options.mount.length || url[options.mount.length] === '/' || url[options.mount.length] === '?')) {
      res.setHeader('Cache-Control', missCacheControl);
    }
  }

  /** A miss found only after `handle()` had already said it would answer. */
  function lateMiss(req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined): void {
    if (next !== undefined) {
      miss(req, res, next);
    } else if (!res.headersSent) {
      res.writeHead(404, notFoundHeaders);
      res.end('Not Found');
    }
  }

  function respond(req: IncomingMessage, res: ServerResponse, current: StaticIndex, entry: FileEntry, next: NextFunction | undefined, attempt: number): void {
    const decision = decide(req, entry, dctx);
    const body = decision.body;
    if (body === null || req.method === 'HEAD') {
      writeNow(res, decision, undefined);
      return;
    }
    if (body.variant.body !== undefined) {
      writeNow(res, decision, body.variant.body);
      return;
    }
    writeFromDisk(res, decision, body.variant, current.cache, (problem: DiskProblem) => {
      if (res.destroyed) return;
      if (problem === 'busy') {
        res.writeHead(503, UNAVAILABLE_HEADERS);
        res.end();
        return;
      }
      // Not the file the index describes any more: the index rebuilds this entry, and we decide again.
      if (attempt >= MAX_REINDEX) {
        // Still changing under us: a short-lived 503, not a miss a CDN would keep.
        res.writeHead(503, UNAVAILABLE_HEADERS);
        res.end();
        return;
      }
      current.reindex(entry).then((fresh) => {
        if (res.destroyed) return;
        if (fresh === undefined) lateMiss(req, res, next);
        else respond(req, res, current, fresh, next, attempt + 1);
      });
    });
  }

  function redirect(req: IncomingMessage, res: ServerResponse, entry: RedirectEntry, next: NextFunction | undefined): boolean {
    const originalUrl = (req as { originalUrl?: string }).originalUrl ?? (req.url as string);
    const decision = decideRedirect(req, entry, originalUrl);
    // Node refuses header values it cannot send; such a URL is simply not ours.
    if (decision.status === 301 && !PRINTABLE_ASCII.test(decision.headers[1])) return miss(req, res, next);
    writeNow(res, decision, undefined);
    return true;
  }

  function answer(req: IncomingMessage, res: ServerResponse, current: StaticIndex, entry: Entry, next: NextFunction | undefined): boolean {
    if (entry.kind === 'redirect') return redirect(req, res, entry, next);
    respond(req, res, current, entry, next, 0);
    return true;
  }

  function serve(req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined): boolean {
    const current = index;
    if (current === undefined) return miss(req, res, next);
    if (liveReload?.handle(req, res)) return true;
    const key = toKey(req.url as string, options.mount);
    const found = key === null ? undefined : current.lookup(key);
    if (found === undefined) return miss(req, res, next);
    if (!(found instanceof Promise)) return answer(req, res, current, found, next);
    // Development: the file changed since it was last read; the index reads it first.
    found.then((entry) => {
      if (res.destroyed) return;
      if (entry === undefined) lateMiss(req, res, next);
      else if (!answer(req, res, current, entry, next) && next === undefined) lateMiss(req, res, next);
    });
    return true;
  }

  const middleware = function staticOriginMiddleware(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    serve(req, res, next);
  } as StaticOriginMiddleware;

  function liveIndex(): StaticIndex {
    if (index === undefined) throw new Error('static-origin: this middleware was closed');
    return index;
  }

  function checkName(name: unknown, fn: string): string {
    if (typeof name !== 'string') throw new TypeError(`static-origin: ${fn}(name) takes a string`);
    return name;
  }

  function urlIn(current: StaticIndex, name: string): string {
    const [path, suffix] = splitSuffix(name);
    return options.baseUrl + current.urlPath(path.replace(/^\/+/, '')) + suffix;
  }

  function integrityIn(current: StaticIndex, name: string): string {
    const [path] = splitSuffix(name);
    return current.integrity(path.replace(/^\/+/, ''));
  }

  middleware.url = (name: string): string => urlIn(liveIndex(), checkName(name, 'url'));

  middleware.integrity = (name: string): string => integrityIn(liveIndex(), checkName(name, 'integrity'));

  // One set of import maps per index, so `refresh()` (a new index) starts afresh. A
  // production index lists the same modules for its whole life; development's change.
  const importMaps = new WeakMap<StaticIndex, ImportMaps>();
  function importMapsOf(current: StaticIndex): ImportMaps {
    let maps = importMaps.get(current);
    if (maps === undefined) {
      const source = { modules: () => current.modules(), url: (name: string) => urlIn(current, name), integrity: (name: string) => integrityIn(current, name) };
      maps = createImportMaps(source, !options.dev);
      importMaps.set(current, maps);
    }
    return maps;
  }

  middleware.importMap = (specifiers?: ImportMapSpecifiers): ImportMap => importMapsOf(liveIndex()).map(specifiers);

  middleware.importMapTag = (specifiers?: ImportMapSpecifiers): string => importMapsOf(liveIndex()).tag(specifiers);

  middleware.preload = (names: readonly string[]) => preloadMiddleware(names, { url: middleware.url, integrity: middleware.integrity, version: () => index, live: options.dev });

  // Connect treats any function with a `handle` member as a sub-app and calls
  // `handle(req, res, next)`, so a given `next` makes it behave as the middleware does.
  middleware.handle = (req: IncomingMessage, res: ServerResponse, next?: NextFunction): boolean => serve(req, res, next);

  middleware.refresh = (): void => {
    // Build first, swap after: a failed rescan leaves the current index serving.
    index = createIndex(options);
  };

  middleware.close = (): void => {
    index = undefined;
    liveReload?.close();
  };

  middleware.liveReloadTag = (): string => liveReload?.tag() ?? '';

  indexes.set(middleware, () => index);
  return middleware;
}
