// Early Hints (RFC 8297): a page route names the static files its page will need; each is
// resolved once to the URL `url()` gives and to a `Link` value whose fetch mode matches the
// way the README links it, so the browser reuses the preloaded response instead of fetching
// twice. Per request: a `103` with those values, then the same values on the final response,
// except module preloads (see MODULE).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitSuffix } from '../contract/names.js';
import { describe } from '../errors.js';
import { isModuleName } from './import-map.js';
import type { NextFunction } from './options.js';

/** What the hints are built from: the middleware's own `url()` and `integrity()`. */
export interface PreloadSource {
  url(name: string): string;
  integrity(name: string): string;
  /**
   * The index `url()` and `integrity()` answer from: the same object for as long as their
   * answers hold (production: until `refresh()`); undefined once the middleware is closed.
   */
  version(): object | undefined;
  /** Development: files change under one index (an edit changes `integrity()`), so hints are resolved on every request. */
  readonly live: boolean;
}

export type PreloadHandler = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/** How a browser fetches one kind of file, as `Link` parameters after the URL. */
export interface PreloadKind {
  readonly params: string;
  /** CORS-mode fetches carry `integrity`: Chromium refuses a preload whose integrity differs from its consumer's. */
  readonly integrity: boolean;
  /** Whether the value also goes in the final response's `Link` header, or in the `103` only. */
  readonly final: boolean;
}

/** The values for one response: all of them for the `103`, those the final response may carry, joined. */
export interface Hints {
  readonly early: readonly string[];
  readonly final: string;
}

// `crossorigin` (anonymous) on styles: the README links stylesheets with SRI and
// `crossorigin="anonymous"`, and a preload is only reused by a request with the same
// credentials mode. Module scripts are always fetched that way, so `modulepreload` needs no
// attribute. Fonts are always CORS fetches, even from the same origin. Images are not:
// `<img>` and CSS backgrounds fetch them no-cors, which also makes SRI impossible on a CDN.
const STYLE: PreloadKind = { params: 'rel=preload; as=style; crossorigin', integrity: true, final: true };
const FONT: PreloadKind = { params: 'rel=preload; as=font; crossorigin', integrity: true, final: true };
const IMAGE: PreloadKind = { params: 'rel=preload; as=image', integrity: false, final: true };
const FETCH: PreloadKind = { params: 'rel=preload; as=fetch; crossorigin', integrity: true, final: true };
// A `modulepreload` in the page's own headers is acted on before the page's import map is
// parsed; a module that arrives first (from the HTTP cache, on a repeat visit) keeps its
// bare imports unresolved for good: "Failed to resolve module specifier" (whatwg/html#9274;
// 10 of 10 repeat visits of the example in Chromium 156). A `103` only warms the cache (the
// same example over HTTP/2, hinted this way: 29 visits, no failure), so modules go there alone.
const MODULE: PreloadKind = { params: 'rel=modulepreload', integrity: true, final: false };

const KINDS: ReadonlyMap<string, PreloadKind> = new Map([
  ['css', STYLE],
  ['woff2', FONT],
  ['woff', FONT],
  ['ttf', FONT],
  ['otf', FONT],
  ['png', IMAGE],
  ['jpg', IMAGE],
  ['jpeg', IMAGE],
  ['gif', IMAGE],
  ['webp', IMAGE],
  ['avif', IMAGE],
  ['svg', IMAGE],
  ['ico', IMAGE],
  ['json', FETCH],
]);

/** What a `Link` URL reference may hold as Node sends it: printable ASCII, no `<` or `>`. */
const LINK_URL = /^[\x21-\x3b\x3d\x3f-\x7e]+$/;

/** The `Link` parameters for a file, by its extension; a TypeError for a file no preload can serve. */
export function preloadKind(name: string): PreloadKind {
  const [path] = splitSuffix(name);
  if (isModuleName(path)) return MODULE;
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const kind = dot > 0 ? KINDS.get(base.slice(dot + 1).toLowerCase()) : undefined;
  if (kind === undefined) {
    throw new TypeError(`static-origin: preload(): ${JSON.stringify(name)} is not a stylesheet, JavaScript module, font, image or JSON file, so no browser could use its preload`);
  }
  return kind;
}

/** One `Link` value: `<url>; rel=preload; as=style; crossorigin; integrity="sha384-…"`. */
export function linkValue(url: string, kind: PreloadKind, integrity: string | undefined): string {
  if (!LINK_URL.test(url)) throw new TypeError(`static-origin: preload(): the URL ${JSON.stringify(url)} cannot be sent in a Link header`);
  // Base64 holds `/` and `=`, which a token may not: the value is quoted.
  return kind.integrity && integrity !== undefined ? `<${url}>; ${kind.params}; integrity="${integrity}"` : `<${url}>; ${kind.params}`;
}

/** A name's kind and `Link` value; an unknown name throws as `url()` does (it is asked first, for its closest-names hint). */
function hintFor(name: string, source: PreloadSource): [PreloadKind, string] {
  const url = source.url(name);
  const kind = preloadKind(name);
  return [kind, linkValue(url, kind, kind.integrity ? source.integrity(name) : undefined)];
}

function toHints(resolved: ReadonlyArray<[PreloadKind, string]>): Hints {
  return Object.freeze({
    early: Object.freeze(resolved.map(([, link]) => link)),
    final: resolved
      .filter(([kind]) => kind.final)
      .map(([, link]) => link)
      .join(', '),
  });
}

/** `names` as given, checked: a non-empty array of strings, each once. */
function checkNames(names: unknown): readonly string[] {
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
    throw new TypeError(`static-origin: preload(names) takes a non-empty array of file names; got ${describe(names)}`);
  }
  return Object.freeze([...new Set(names as string[])]);
}

/** Every name's hint that still resolves: after a `refresh()` or an edit, a request never fails over a hint. */
function resolveWhatResolves(names: readonly string[], source: PreloadSource, gone: (name: string, err: unknown) => void): Hints {
  const resolved: Array<[PreloadKind, string]> = [];
  for (const name of names) {
    try {
      resolved.push(hintFor(name, source));
    } catch (err) {
      gone(name, err);
    }
  }
  return toHints(resolved);
}

/**
 * Whether a `103` may go to this client: never to HTTP/1.0, which has no 1xx (RFC 9110
 * §15.2; Node does not check), and not for HEAD, whose answer no browser renders.
 */
function mayHint(req: IncomingMessage, res: ServerResponse): boolean {
  return (req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1)) && req.method !== 'HEAD' && typeof res.writeEarlyHints === 'function';
}

/** Sends the hints: a `103`, then the final response's values appended to any `Link` the app already set. */
function writeHints(req: IncomingMessage, res: ServerResponse, hints: Hints): void {
  if (hints.early.length === 0 || res.headersSent) return;
  try {
    if (mayHint(req, res)) res.writeEarlyHints({ link: hints.early as string[] });
    if (hints.final === '') return;
    const set = res.getHeader('link');
    if (set === undefined) res.setHeader('Link', hints.final);
    else if (Array.isArray(set)) res.setHeader('Link', [...set, hints.final]);
    else res.setHeader('Link', `${set}, ${hints.final}`);
  } catch {
    // A socket gone or a header refused is no reason to fail the page: it just goes without hints.
  }
}

/**
 * A `(req, res, next)` middleware that sends Early Hints for `names`. Names are checked and
 * resolved now, so a typo or a file no browser can preload throws at startup.
 */
export function preloadMiddleware(names: unknown, source: PreloadSource): PreloadHandler {
  const list = checkNames(names);
  const version = source.version();
  const hints = toHints(list.map((name) => hintFor(name, source)));
  return source.live ? liveHints(list, source) : indexedHints(list, source, version, hints);
}

/** Production: the hints of one index, built again only when `refresh()` swaps it. */
function indexedHints(names: readonly string[], source: PreloadSource, version: object | undefined, hints: Hints): PreloadHandler {
  const gone = (name: string, err: unknown): void => {
    const why = err instanceof Error ? err.message : String(err);
    process.emitWarning(`static-origin: preload(): ${JSON.stringify(name)} is no longer hinted after a refresh: ${why}`, { code: 'STATIC_ORIGIN_PRELOAD' });
  };
  return function staticOriginPreload(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const current = source.version();
    // Closed (undefined): nothing is served, so nothing is hinted.
    if (current !== undefined) {
      if (current !== version) {
        version = current;
        hints = resolveWhatResolves(names, source, gone);
      }
      writeHints(req, res, hints);
    }
    next();
  };
}

/** Development: resolved on every request, so an edit's new integrity is hinted at once; a file deleted meanwhile is left out (the template's own `url()` call names it). */
function liveHints(names: readonly string[], source: PreloadSource): PreloadHandler {
  const ignore = (): void => {};
  return function staticOriginPreload(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    if (source.version() !== undefined) writeHints(req, res, resolveWhatResolves(names, source, ignore));
    next();
  };
}
