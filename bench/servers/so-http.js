// static-origin on plain node:http through assets.handle(req, res).
import http from 'node:http';
import { appFallback, args, listen } from './_common.js';
import { makeStaticOrigin } from './_so.js';

const { port, root, prefix } = args();
const assets = makeStaticOrigin(root, prefix);
const server = http.createServer((req, res) => {
  if (!assets.handle(req, res)) appFallback(req, res);
});
listen(server, port);
