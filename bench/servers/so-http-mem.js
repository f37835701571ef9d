// static-origin on plain node:http, with files up to 8 MiB kept in memory (the 5 MB case too).
import http from 'node:http';
import { appFallback, args, listen } from './_common.js';
import { BIG_IN_MEMORY, makeStaticOrigin } from './_so.js';

const { port, root, prefix } = args();
const assets = makeStaticOrigin(root, prefix, BIG_IN_MEMORY);
const server = http.createServer((req, res) => {
  if (!assets.handle(req, res)) appFallback(req, res);
});
listen(server, port);
