// Development mode's live reload: watch the source directories while a page listens, and
// tell it over Server-Sent Events which served names changed. The page's script swaps
// stylesheets in place and reloads for anything else.
import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join, sep } from 'node:path';
import { optionError } from '../errors.js';

/** Under the mount; the leading dot makes it a name no served file can have (dotfiles are never served). */
export const LIVE_RELOAD_PATH = '.static-origin/live-reload';

export interface LiveReloadSource {
  readonly dir: string;
  /** `''` or a sub-path without slashes at its ends (`'vendor'`): the files of `dir` appear under it. */
  readonly prefix: string;
}

export interface LiveReloadOptions {
  /** Absolute directories to watch. */
  readonly sources: readonly LiveReloadSource[];
  /** The URL prefix without its trailing slash (`'/static'`), `''` at the site root. */
  readonly mount: string;
  /** How long changes are collected before they are sent, in milliseconds; default 50. */
  readonly debounceMs?: number;
  /** A name relative to the served root (`'myapp/x.css'`); true: no event. Dotfiles are always ignored. */
  readonly ignore?: (name: string) => boolean;
}

export interface LiveReload {
  /** Answers GET/HEAD of the event stream and of the client script under the mount; false for any other URL. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The `<script>` tag that turns live reload on in a page. */
  tag(): string;
  /** Stops the watchers and ends every open event stream; idempotent. */
  close(): void;
}

const DEFAULT_DEBOUNCE_MS = 50;
/** A burst that never pauses (a build writing for seconds) is still flushed this many debounce periods after it began. */
const MAX_WAIT_FACTOR = 10;
const HEARTBEAT_MS = 15_000;
/** Tabs left open in a long session each hold one; beyond this, something is looping. */
const MAX_CLIENTS = 100;
/** Names held between flushes; a checkout of thousands of files reloads the page all the same. */
const MAX_PENDING = 256;
/** A client that stopped reading is dropped (its EventSource reconnects) rather than buffered for. */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Per source, on Linux (a watch per directory): the kernel's per-user limit is often 8192 and shared with editors. */
const MAX_WATCHED_DIRS = 8192;
/** What EventSource waits before reconnecting after the stream ends (a server restart, close()). */
const RETRY_MS = 500;

/**
 * Node's own recursive watcher is native on macOS and Windows. On Linux (Node 20) it watches
 * each file's inode, so a file replaced by rename (an editor's atomic save) is never reported
 * again; there a watcher per directory, which sees names, is used instead.
 */
const NATIVE_RECURSIVE = process.platform === 'darwin' || process.platform === 'win32';

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-store',
  // nginx buffers proxied responses unless told not to; events would arrive in batches.
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};
const CONNECTED = `: connected\nretry: ${RETRY_MS}\n\n`;
const PING = ': ping\n\n';
const ALLOW_HEADERS = ['Allow', 'GET, HEAD', 'Content-Length', '0'];
const FULL_HEADERS = ['Retry-After', '5', 'Cache-Control', 'no-store', 'Content-Length', '0'];
// 204 is the one status that tells EventSource to stop reconnecting.
const CLOSED_HEADERS = ['Cache-Control', 'no-store'];

/** What the tests look at; not exported from the package. */
export interface LiveReloadState {
  readonly clients: number;
  readonly watchedDirs: number;
  readonly heartbeat: boolean;
}
const states = new WeakMap<LiveReload, () => LiveReloadState>();
export function liveReloadState(lr: LiveReload): LiveReloadState | undefined {
  return states.get(lr)?.();
}

export function createLiveReload(options: LiveReloadOptions): LiveReload {
  const { sources, mount, debounceMs, ignore } = normalize(options);
  const streamPath = `${mount}/${LIVE_RELOAD_PATH}`;
  const scriptPath = `${streamPath}.js`;
  const script = Buffer.from(clientScript(mount));
  const scriptHeaders = ['Content-Type', 'text/javascript; charset=utf-8', 'Cache-Control', 'no-cache', 'Content-Length', String(script.length), 'X-Content-Type-Options', 'nosniff'];
  const tag = `<script src="${escapeAttribute(scriptPath)}" defer></script>`;

  const clients = new Set<ServerResponse>();
  let watchers: TreeWatcher[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  const pending = new Set<string>();
  let pendingReload = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let burstStart = 0;
  let closed = false;

  function changed(name: string): void {
    if (isQuiet(name) || ignore?.(name)) return;
    if (pending.size >= MAX_PENDING) {
      // Full: only a name that turns a stylesheet swap into a reload still matters.
      if (pendingReload || isStylesheet(name)) return;
    }
    pending.add(name);
    if (!isStylesheet(name)) pendingReload = true;
    const now = Date.now();
    if (flushTimer === undefined) burstStart = now;
    else if (now - burstStart >= debounceMs * MAX_WAIT_FACTOR) return;
    else clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, debounceMs);
  }

  function flush(): void {
    flushTimer = undefined;
    let frames = '';
    for (const name of pending) frames += `event: change\ndata: ${JSON.stringify({ path: name })}\n\n`;
    pending.clear();
    pendingReload = false;
    broadcast(frames);
  }

  function broadcast(text: string): void {
    for (const res of clients) {
      res.write(text);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    }
  }

  function startWatching(): void {
    watchers = sources.map((source) => watchTree(source.dir, (rel) => changed(source.prefix === '' ? rel : `${source.prefix}/${rel}`)));
    heartbeat = setInterval(() => broadcast(PING), HEARTBEAT_MS).unref();
  }

  function stopWatching(): void {
    for (const w of watchers) w.close();
    watchers = [];
    clearInterval(heartbeat);
    heartbeat = undefined;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    pending.clear();
    pendingReload = false;
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    if (closed) {
      res.writeHead(204, CLOSED_HEADERS);
      res.end();
      return;
    }
    // HTTP/2 has no Connection header (Node's compatibility API drops it with a warning).
    const headers = req.httpVersionMajor === 1 ? { ...STREAM_HEADERS, Connection: 'keep-alive' } : STREAM_HEADERS;
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    if (clients.size >= MAX_CLIENTS) {
      res.writeHead(503, FULL_HEADERS);
      res.end();
      return;
    }
    res.writeHead(200, headers);
    res.write(CONNECTED);
    if (clients.size === 0) startWatching();
    clients.add(res);
    const leave = () => {
      if (!clients.delete(res)) return;
      if (clients.size === 0) stopWatching();
    };
    res.on('close', leave);
    res.on('error', leave);
  }

  const lr: LiveReload = {
    handle(req, res) {
      const url = req.url;
      if (url === undefined) return false;
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (path !== streamPath && path !== scriptPath) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, ALLOW_HEADERS);
        res.end();
      } else if (path === streamPath) {
        openStream(req, res);
      } else {
        res.writeHead(200, scriptHeaders);
        res.end(req.method === 'HEAD' ? undefined : script);
      }
      return true;
    },
    tag: () => tag,
    close() {
      if (closed) return;
      closed = true;
      const open = [...clients];
      clients.clear();
      stopWatching();
      for (const res of open) res.end();
    },
  };
  states.set(lr, () => ({ clients: clients.size, watchedDirs: watchers.reduce((n, w) => n + w.size(), 0), heartbeat: heartbeat !== undefined }));
  return lr;
}

interface Normalized {
  sources: readonly LiveReloadSource[];
  mount: string;
  debounceMs: number;
  ignore: ((name: string) => boolean) | undefined;
}

function normalize(o: LiveReloadOptions): Normalized {
  if (!Array.isArray(o.sources)) throw optionError('sources', 'an array of { dir, prefix }', o.sources);
  const sources = o.sources.map((s: LiveReloadSource, i: number) => {
    if (typeof s?.dir !== 'string' || s.dir === '') throw optionError(`sources[${i}].dir`, 'a directory path', s?.dir);
    if (typeof s.prefix !== 'string' || s.prefix.startsWith('/') || s.prefix.endsWith('/')) throw optionError(`sources[${i}].prefix`, '"" or a sub-path without slashes at its ends', s.prefix);
    return Object.freeze({ dir: s.dir, prefix: s.prefix });
  });
  if (typeof o.mount !== 'string' || (o.mount !== '' && (!o.mount.startsWith('/') || o.mount.endsWith('/')))) {
    throw optionError('mount', '"" or a URL path without a trailing slash, such as "/static"', o.mount);
  }
  const debounceMs = o.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (typeof debounceMs !== 'number' || !Number.isFinite(debounceMs) || debounceMs < 0) throw optionError('debounceMs', 'a number of milliseconds, 0 or more', o.debounceMs);
  if (o.ignore !== undefined && typeof o.ignore !== 'function') throw optionError('ignore', 'a function of a name', o.ignore);
  return { sources: Object.freeze(sources), mount: o.mount, debounceMs, ignore: o.ignore };
}

/**
 * Names that never make an event: dotfiles and anything in a dot-directory (never served),
 * and the scratch files editors write beside the real one while saving.
 */
function isQuiet(name: string): boolean {
  if (name === '' || name.startsWith('.') || name.includes('/.')) return true;
  const base = name.slice(name.lastIndexOf('/') + 1);
  return (
    base.endsWith('~') || // vim and emacs backups
    base.endsWith('___jb_tmp___') ||
    base.endsWith('___jb_old___') || // JetBrains "safe write"
    (base.startsWith('#') && base.endsWith('#')) || // emacs auto-save
    base === '4913'
  ); // vim's probe for a writable directory
}

/** As the client script decides: a stylesheet is swapped, anything else reloads the page. */
function isStylesheet(name: string): boolean {
  return name.toLowerCase().endsWith('.css');
}

interface TreeWatcher {
  /** Directories watched (1 for a native recursive watcher, 0 once it stopped). */
  size(): number;
  close(): void;
}

/** Reports the '/'-separated name of each changed entry below `root`; never throws, never emits 'error'. */
function watchTree(root: string, report: (rel: string) => void): TreeWatcher {
  return NATIVE_RECURSIVE ? watchNative(root, report) : watchEachDirectory(root, report);
}

function watchNative(root: string, report: (rel: string) => void): TreeWatcher {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(root, { recursive: true });
  } catch {
    return { size: () => 0, close() {} }; // the directory is missing: nothing to watch
  }
  const stop = () => {
    watcher?.close();
    watcher = undefined;
  };
  watcher.on('change', (_type, filename) => {
    if (typeof filename === 'string' && filename !== '') report(filename.split(sep).join('/'));
  });
  watcher.on('error', stop);
  return { size: () => (watcher === undefined ? 0 : 1), close: stop };
}

function watchEachDirectory(root: string, report: (rel: string) => void): TreeWatcher {
  // Keyed by the directory's name relative to root ('' for root itself).
  const dirs = new Map<string, FSWatcher>();
  let warned = false;

  function warnOnce(message: string): void {
    if (warned) return;
    warned = true;
    process.emitWarning(`static-origin: live reload ${message}; changes below it are not seen`, { code: 'STATIC_ORIGIN_LIVE_RELOAD' });
  }

  /** Watches `top` and the directories below it; `announce`: report the files found (they appeared before their directory was watched). */
  function add(top: string, announce: boolean): void {
    const stack = [top];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      if (dirs.has(rel)) continue;
      if (dirs.size >= MAX_WATCHED_DIRS) return warnOnce(`watches at most ${MAX_WATCHED_DIRS} directories; skipped ${join(root, rel)}`);
      const abs = join(root, rel);
      let watcher: FSWatcher;
      try {
        watcher = watch(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') warnOnce(`cannot watch ${abs} (${code})`);
        continue;
      }
      watcher.on('change', (_type, filename) => onEvent(rel, watcher, filename));
      watcher.on('error', () => {
        if (dirs.get(rel) === watcher) remove(rel);
      });
      dirs.set(rel, watcher);
      let entries;
      try {
        entries = readdirSync(abs, { withFileTypes: true });
      } catch {
        continue; // gone already: its watcher reports that
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) stack.push(child);
        else if (announce) report(child);
      }
    }
  }

  /** Stops watching `top` and every directory below it. */
  function remove(top: string): void {
    for (const [rel, watcher] of dirs) {
      if (top === '' || rel === top || rel.startsWith(`${top}/`)) {
        watcher.close();
        dirs.delete(rel);
      }
    }
  }

  function onEvent(dir: string, watcher: FSWatcher, filename: string | Buffer | null): void {
    if (dirs.get(dir) !== watcher) return; // a late event from a watcher already closed or replaced
    if (typeof filename !== 'string' || filename === '') return;
    const rel = dir === '' ? filename : `${dir}/${filename}`;
    const st = lstatOrUndefined(join(root, rel));
    if (st === undefined && filename === basename(join(root, dir))) {
      // inotify names the watched directory itself when it is deleted or moved away, and its
      // watch is dead from then on: stop it, and watch the new one if the name is already back.
      remove(dir);
      if (lstatOrUndefined(join(root, dir))?.isDirectory()) add(dir, true);
      return;
    }
    if (filename.startsWith('.')) return;
    if (st?.isDirectory()) {
      add(rel, true);
      return;
    }
    if (st === undefined && dirs.has(rel)) remove(rel);
    report(rel);
  }

  add('', false);
  return { size: () => dirs.size, close: () => remove('') };
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The page's half, ES5 so that it runs untranspiled wherever EventSource exists. A stylesheet
 * is swapped by inserting a cache-busted clone and removing the old link only once the clone
 * has loaded, so the page is never unstyled; every stylesheet under the mount is swapped,
 * since the changed file may be one that another @imports.
 */
function clientScript(mount: string): string {
  return `// static-origin live reload (development only)
(function () {
  'use strict';
  if (typeof EventSource === 'undefined' || window.__staticOriginLiveReload) return;
  var mount = ${JSON.stringify(mount)};
  var state = window.__staticOriginLiveReload = { connected: false };
  var source = new EventSource(mount + '/${LIVE_RELOAD_PATH}');
  var parser = document.createElement('a');
  var swapScheduled = false;

  source.onopen = function () { state.connected = true; };
  source.onerror = function () { state.connected = false; };
  source.addEventListener('change', function (event) {
    var path;
    try { path = JSON.parse(event.data).path; } catch (e) { return; }
    if (typeof path !== 'string') return;
    if (/\\.css$/i.test(path)) {
      // One swap for a burst of stylesheet events.
      if (swapScheduled) return;
      swapScheduled = true;
      setTimeout(function () { swapScheduled = false; swapStylesheets(); }, 0);
    } else {
      source.close();
      location.reload();
    }
  });

  function swapStylesheets() {
    var live = document.getElementsByTagName('link');
    var links = [];
    var i;
    for (i = 0; i < live.length; i++) links.push(live[i]);
    var stamp = String(Date.now());
    for (i = 0; i < links.length; i++) {
      var link = links[i];
      if (link.getAttribute('data-static-origin-replaced') !== null) continue;
      if (!isStylesheet(link) || !link.href || pathnameOf(link.href).indexOf(mount + '/') !== 0) continue;
      swap(link, stamp);
    }
  }

  function swap(link, stamp) {
    var clone = link.cloneNode(false);
    // The new bytes cannot match the old hash.
    clone.removeAttribute('integrity');
    clone.setAttribute('href', withVersion(link.getAttribute('href'), stamp));
    link.setAttribute('data-static-origin-replaced', '');
    clone.onload = function () {
      clone.onload = clone.onerror = null;
      detach(link);
    };
    clone.onerror = function () {
      // Keep the old styles; the next save tries again.
      clone.onload = clone.onerror = null;
      detach(clone);
      link.removeAttribute('data-static-origin-replaced');
    };
    link.parentNode.insertBefore(clone, link.nextSibling);
  }

  function isStylesheet(link) {
    var rel = ' ' + (link.getAttribute('rel') || '').toLowerCase().replace(/\\s+/g, ' ') + ' ';
    return rel.indexOf(' stylesheet ') !== -1;
  }

  function pathnameOf(href) {
    parser.href = href;
    var path = parser.pathname;
    return path.charAt(0) === '/' ? path : '/' + path;
  }

  function withVersion(href, stamp) {
    var hash = '';
    var h = href.indexOf('#');
    if (h !== -1) { hash = href.slice(h); href = href.slice(0, h); }
    var q = href.indexOf('?');
    var kept = [];
    if (q !== -1) {
      var params = href.slice(q + 1).split('&');
      for (var i = 0; i < params.length; i++) {
        if (params[i] !== '' && params[i].split('=')[0] !== 'v') kept.push(params[i]);
      }
      href = href.slice(0, q);
    }
    kept.push('v=' + stamp);
    return href + '?' + kept.join('&') + hash;
  }

  function detach(node) {
    if (node.parentNode) node.parentNode.removeChild(node);
  }
})();
`;
}
