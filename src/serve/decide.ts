// Decide, then write: a pure function from the request's view and an index entry to the
// answer. Most answers are prebuilt on the entry; only ranges build anything per request.
import type { IncomingHttpHeaders } from 'node:http';
import type { Coding } from './accept-encoding.js';
import type { Decision, FileEntry, RedirectEntry, Variant } from './entry.js';
import { evaluatePreconditions, ifRangeAllows } from './preconditions.js';
import { contentRange, multipartLayout, parseRange, type RangeResult } from './range.js';

export type { Body, Decision } from './entry.js';

export interface RequestView {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface DecideContext {
  /** Ranked acceptable codings for an Accept-Encoding value (memoised). */
  readonly negotiate: (header: string | undefined) => readonly Coding[];
  readonly maxRanges: number;
  readonly boundary: string;
}

/** The variant to send: the best-ranked coding this file has; identity when none is acceptable. */
function selectVariant(entry: FileEntry, ranking: readonly Coding[]): Variant {
  for (let i = 0; i < ranking.length; i++) {
    const coding = ranking[i];
    if (coding === 'identity') return entry.identity;
    const variant = entry.variants[coding];
    if (variant !== undefined) return variant;
  }
  return entry.identity;
}

export function decide(view: RequestView, entry: FileEntry, ctx: DecideContext): Decision {
  const method = view.method;
  if (method !== 'GET' && method !== 'HEAD') {
    return method === 'OPTIONS' ? entry.options : entry.methodNotAllowed;
  }
  const headers = view.headers;
  let variant = selectVariant(entry, ctx.negotiate(headers['accept-encoding']));

  // Ranges address the identity bytes only, so a usable Range switches to identity
  // before the preconditions are checked against the representation we would send.
  const rangeHeader = headers.range;
  let range: RangeResult | undefined;
  if (rangeHeader !== undefined) {
    const parsed = parseRange(rangeHeader, entry.identity.size, ctx.maxRanges);
    if (parsed.kind !== 'none' && ifRangeAllows(headers, entry.identity.validators)) {
      range = parsed;
      variant = entry.identity;
    }
  }

  const pre = evaluatePreconditions(headers, variant.validators);
  if (pre === 'not-modified') return variant.notModified;
  if (pre === 'precondition-failed') return entry.preconditionFailed;
  if (range === undefined) return variant.ok;
  if (range.kind === 'unsatisfiable') return entry.unsatisfiable;
  if (range.kind !== 'ranges') return variant.ok;

  const size = variant.size;
  if (range.ranges.length === 1) {
    const r = range.ranges[0];
    return {
      status: 206,
      headers: [...entry.rangeHeaders, 'Content-Range', contentRange(r, size), 'Content-Length', String(r.end - r.start + 1)],
      body: { kind: 'slice', variant, start: r.start, end: r.end },
    };
  }
  const layout = multipartLayout(range.ranges, size, entry.contentType, ctx.boundary);
  return {
    status: 206,
    headers: [...entry.multipartHeaders, 'Content-Type', layout.contentType, 'Content-Length', String(layout.length)],
    body: { kind: 'multipart', variant, layout },
  };
}

/**
 * `dir` → `dir/`: a path-absolute Location from the URL the client used (`originalUrl`
 * under Express mounts), query kept, leading slashes collapsed so it can never become a
 * protocol-relative `//host` address.
 */
export function decideRedirect(view: RequestView, entry: RedirectEntry, originalUrl: string): Decision {
  if (view.method !== 'GET' && view.method !== 'HEAD') return view.method === 'OPTIONS' ? entry.options : entry.methodNotAllowed;
  const q = originalUrl.indexOf('?');
  // Browsers drop tabs and newlines from a Location before reading it: so do we, first.
  const path = (q < 0 ? originalUrl : originalUrl.slice(0, q)).replace(/[\t\r\n]/g, '');
  const query = q < 0 ? '' : originalUrl.slice(q);
  const location = `/${path.replace(/^[/\\]+/, '')}/${query}`;
  return { status: 301, headers: ['Location', location, ...entry.headers], body: null };
}
