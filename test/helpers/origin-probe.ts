// A static origin in a process of its own that also answers a few probes, for the tests that
// must survive its crash or watch what it holds:
//   node --import tsx origin-probe.ts <root> <options-json>     (prints its port)
// `/__probe/stats` answers JSON: rss, heap, open descriptors, and what the body cache
// holds (`used` as the cache counts it, `held` summed over the bodies kept, `maxBytes`);
// `?gc=1` first collects garbage when the process runs with --expose-gc.
// `/__probe/refresh` calls `refresh()`. Everything the middleware misses is 404 'app'.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticOrigin } from '../../src/index.js';
import { indexOf } from '../../src/serve/middleware.js';

const [root, json] = process.argv.slice(2);
const assets = staticOrigin({ root, ...(JSON.parse(json ?? '{}') as object) });
const gc = (globalThis as { gc?: () => void }).gc;

function stats(): object {
  const cache = indexOf(assets)?.cache;
  let held = 0;
  for (const variant of cache?.held ?? []) held += variant.body?.length ?? 0;
  const memory = process.memoryUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    fds: readdirSync('/proc/self/fd').length,
    cache: { used: cache?.used ?? 0, held, maxBytes: cache?.maxBytes ?? 0 },
  };
}

const server = createServer((req, res) => {
  assets(req, res, () => {
    if (req.url === '/__probe/stats' || req.url === '/__probe/stats?gc=1') {
      if (req.url.endsWith('?gc=1')) gc?.();
      const body = JSON.stringify(stats());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (req.url === '/__probe/refresh') {
      assets.refresh();
      res.end('ok');
      return;
    }
    res.statusCode = 404;
    res.end('app');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
