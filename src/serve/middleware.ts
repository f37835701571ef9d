// staticOrigin(): index the root once, then answer each request with a Map lookup and a
// write of prebuilt headers. Misses never touch the file system.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitSuffix, unknownNameError } from '../manifest.js';
import { createNegotiator } from './accept-encoding.js';
import { buildIndex, materialize, reindexFile, type Index } from './build-index.js';
import { toKey } from './canonical-path.js';
import { decide, decideRedirect, type DecideContext } from './decide.js';
import type { FileEntry, RedirectEntry } from './entry.js';
import { normalizeOptions, type NextFunction, type StaticOriginMiddleware, type StaticOriginOptions } from './options.js';
import { absolutePath, defaultWarn, statContained } from './scan.js';
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

/** The live index behind a middleware, for the tests that check what it holds. Not exported from the package. */
const indexes = new WeakMap<StaticOriginMiddleware, () => Index | undefined>();
export function indexOf(middleware: StaticOriginMiddleware): Index | undefined {
  return indexes.get(middleware)?.();
}

export function staticOrigin(input: StaticOriginOptions): StaticOriginMiddleware {
  const options = normalizeOptions(input);
  let index: Index | undefined = buildIndex(options, defaultWarn);
  const dctx: DecideContext = { negotiate: createNegotiator(options.encodings), maxRanges: MAX_RANGES, boundary: randomBytes(12).toString('hex') };
  const urls = new Map<string, string>();
  const integrities = new Map<string, string>();

  /** A miss: `next()` (or `next(404)`), or for `handle()` false (or a 404 answer). */
  function miss(res: ServerResponse, next: NextFunction | undefined): boolean {
    if (next !== undefined) {
      if (options.fallthrough) next();
      else next(notFoundError());
      return false;
    }
    if (options.fallthrough) return false;
    res.writeHead(404, NOT_FOUND_HEADERS);
    res.end('Not Found');
    return true;
  }

  /** A miss found only after `handle()` had already said it would answer. */
  function lateMiss(res: ServerResponse, next: NextFunction | undefined): void {
    if (next !== undefined) {
      miss(res, next);
    } else if (!res.headersSent) {
      res.writeHead(404, NOT_FOUND_HEADERS);
      res.end('Not Found');
    }
  }

  function respond(req: IncomingMessage, res: ServerResponse, current: Index, entry: FileEntry, next: NextFunction | undefined, attempt: number): void {
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
      // Changed or vanished since the index was built: rebuild this entry and decide again.
      const fresh = attempt < MAX_REINDEX ? reindexFile(current, entry) : undefined;
      if (fresh === undefined) lateMiss(res, next);
      else respond(req, res, current, fresh, next, attempt + 1);
    });
  }

  function redirect(req: IncomingMessage, res: ServerResponse, entry: RedirectEntry, next: NextFunction | undefined): boolean {
    const originalUrl = (req as { originalUrl?: string }).originalUrl ?? (req.url as string);
    const decision = decideRedirect(req, entry, originalUrl);
    // Node refuses header values it cannot send; such a URL is simply not ours.
    if (decision.status === 301 && !PRINTABLE_ASCII.test(decision.headers[1])) return miss(res, next);
    writeNow(res, decision, undefined);
    return true;
  }

  function serve(req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined): boolean {
    const current = index;
    const key = current === undefined ? null : toKey(req.url as string, options.mount);
    const entry = key === null ? undefined : current!.entries.get(key);
    if (entry === undefined) return miss(res, next);
    if (entry.kind === 'redirect') return redirect(req, res, entry, next);
    respond(req, res, current!, entry.kind === 'pending' ? materialize(current!, entry) : entry, next, 0);
    return true;
  }

  const middleware = function staticOriginMiddleware(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    serve(req, res, next);
  } as StaticOriginMiddleware;

  function liveIndex(): Index {
    if (index === undefined) throw new Error('static-origin: this middleware was closed');
    return index;
  }

  /** The relative path `name` stands for, or a thrown error naming the closest known names. */
  function resolveName(name: string): [rel: string, suffix: string, hashed: boolean] {
    const idx = liveIndex();
    const [path, suffix] = splitSuffix(name);
    const clean = path.replace(/^\/+/, '');
    const hashed = idx.manifest?.paths[clean];
    if (hashed !== undefined) return [hashed, suffix, true];
    const kind = idx.entries.get(`/${clean}`)?.kind;
    if (kind === 'file' || kind === 'pending') return [clean, suffix, false];
    const known = new Set<string>(idx.manifest ? Object.keys(idx.manifest.paths) : []);
    for (const entry of idx.entries.values()) {
      if (entry.kind === 'file') known.add(entry.rel);
      else if (entry.kind === 'pending') known.add(entry.file.rel);
    }
    throw unknownNameError(clean, known);
  }

  middleware.url = (name: string): string => {
    let url = urls.get(name);
    if (url === undefined) {
      if (typeof name !== 'string') throw new TypeError('static-origin: url(name) takes a string');
      const [rel, suffix] = resolveName(name);
      url = options.baseUrl + rel.split('/').map(encodeURIComponent).join('/') + suffix;
      urls.set(name, url);
    }
    return url;
  };

  middleware.integrity = (name: string): string => {
    let value = integrities.get(name);
    if (value === undefined) {
      if (typeof name !== 'string') throw new TypeError('static-origin: integrity(name) takes a string');
      const [rel] = resolveName(name);
      const idx = liveIndex();
      value = idx.manifest?.files[rel]?.integrity;
      if (value === undefined) {
        // Read through the same containment check as a re-index: never a file outside the root.
        const found = statContained(idx.realRoot, rel);
        if (found === undefined) throw unknownNameError(rel, []);
        value = `sha384-${createHash('sha384').update(readFileSync(absolutePath(idx.realRoot, found.file))).digest('base64')}`;
      }
      integrities.set(name, value);
    }
    return value;
  };

  // Connect treats any function with a `handle` member as a sub-app and calls
  // `handle(req, res, next)`, so a given `next` makes it behave as the middleware does.
  middleware.handle = (req: IncomingMessage, res: ServerResponse, next?: NextFunction): boolean => serve(req, res, next);

  middleware.refresh = (): void => {
    // Build first, swap after: a failed rescan leaves the current index serving.
    const fresh = buildIndex(options, defaultWarn);
    index = fresh;
    urls.clear();
    integrities.clear();
  };

  middleware.close = (): void => {
    index = undefined;
    urls.clear();
    integrities.clear();
  };

  indexes.set(middleware, () => index);
  return middleware;
}
