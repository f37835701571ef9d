// A static origin in a process of its own, for tests that must survive its crash or read its
// descriptors: `node --import tsx origin-process.ts <root> <options-json>` prints its port.
// `/__fds` answers the number of open descriptors; everything else the middleware misses, 404.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticOrigin } from '../../src/index.js';

const [root, json] = process.argv.slice(2);
const assets = staticOrigin({ root, ...(JSON.parse(json ?? '{}') as object) });
const server = createServer((req, res) => {
  assets(req, res, () => {
    if (req.url === '/__fds') {
      res.end(String(readdirSync('/proc/self/fd').length));
      return;
    }
    res.statusCode = 404;
    res.end('app');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
