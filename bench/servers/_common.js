// Shared bits of the bench servers. Each server is its own process, listens on 127.0.0.1 at
// --port (0: any), and prints `ready <port>` once listening. Every server answers the same
// routes: the static files under /static/, `GET /api/ping` -> 200 "ok" (an app route behind
// the static middleware), and 404 for anything else.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function args() {
  const out = { port: Number(process.env.PORT ?? 0), root: process.env.ROOT, prefix: '/static/' };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--port') out.port = Number(a[++i]);
    else if (a[i] === '--root') out.root = a[++i];
    else if (a[i] === '--prefix') out.prefix = a[++i];
  }
  if (!out.root) throw new Error('bench server: --root is required');
  out.root = resolve(out.root);
  return out;
}

export const PING_BODY = 'ok';
export const MOUNT = '/static';
export const ONE_YEAR = 31536000;

/** node:http listener for the non-static route and the final 404 (what an app does after). */
export function appFallback(req, res) {
  if (req.url === '/api/ping') {
    res.writeHead(200, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '2']);
    res.end(PING_BODY);
  } else {
    res.writeHead(404, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '9']);
    res.end('Not Found');
  }
}

/** Listens on loopback, prints `ready <port>`, and exits cleanly on SIGTERM/SIGINT. */
export function listen(server, port) {
  server.keepAliveTimeout = 65000;
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`ready ${server.address().port}\n`);
  });
  stopOnSignal(() => {
    server.close();
    server.closeAllConnections?.();
  });
}

/** Runs `close` and exits on SIGTERM/SIGINT, or when the parent goes away (stdin closed): no orphans if the runner is killed. */
export function stopOnSignal(close) {
  const stop = () => {
    close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

/**
 * The preloaded answers for the ceiling servers: every URL of the manifest that the bench
 * requests, with the same headers a real answer carries (type, length, strong ETag per
 * encoding, Last-Modified, immutable Cache-Control, Vary, Accept-Ranges, CORS).
 */
export function preload(root, prefix = '/static/') {
  const manifest = JSON.parse(readFileSync(join(root, 'staticfiles.json'), 'utf8'));
  const info = JSON.parse(readFileSync(root + '.json', 'utf8'));
  const types = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', mp4: 'video/mp4' };
  const map = new Map();
  for (const f of Object.values(info.files)) {
    const rel = f.hashed;
    const meta = manifest.files[rel];
    const abs = join(root, rel);
    const lastModified = statSync(abs).mtime.toUTCString();
    const ext = rel.slice(rel.lastIndexOf('.') + 1);
    const encs = Object.keys(meta.encodings);
    const variant = (suffix, coding, tag) => {
      const body = readFileSync(abs + suffix);
      const etag = `"${meta.hash.slice(0, 32)}${tag}"`;
      const headers = [
        'Content-Type', types[ext], 'Cache-Control', `public, max-age=${ONE_YEAR}, immutable`, 'ETag', etag,
        'Last-Modified', lastModified, 'Accept-Ranges', 'bytes', 'Access-Control-Allow-Origin', '*',
        'X-Content-Type-Options', 'nosniff',
      ];
      if (encs.length) headers.push('Vary', 'Accept-Encoding');
      const notModified = headers.filter((_, i, a) => i % 2 === 0 && ['ETag', 'Cache-Control', 'Last-Modified', 'Vary', 'Access-Control-Allow-Origin'].includes(a[i])).flatMap((n) => [n, headers[headers.indexOf(n) + 1]]);
      if (coding) headers.push('Content-Encoding', coding);
      headers.push('Content-Length', String(body.length));
      return { body, etag, headers, notModified };
    };
    map.set(prefix + rel, {
      identity: variant('', undefined, ''),
      br: encs.includes('br') ? variant('.br', 'br', '-br') : undefined,
      gzip: encs.includes('gzip') ? variant('.gz', 'gzip', '-gz') : undefined,
    });
  }
  return map;
}

/** The ceiling's whole per-request work: one Map lookup, a substring test, a string compare. */
export function answerPreloaded(map, req, res) {
  const entry = map.get(req.url);
  if (entry === undefined) return false;
  const ae = req.headers['accept-encoding'];
  const v = (ae && ((entry.br && ae.includes('br') && entry.br) || (entry.gzip && ae.includes('gzip') && entry.gzip))) || entry.identity;
  if (req.headers['if-none-match'] === v.etag) {
    res.writeHead(304, v.notModified);
    res.end();
  } else {
    res.writeHead(200, v.headers);
    res.end(v.body);
  }
  return true;
}
