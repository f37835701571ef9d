// Ceiling for Node: plain node:http answering from preloaded buffers, same headers as a real answer.
import http from 'node:http';
import { answerPreloaded, appFallback, args, listen, preload } from './_common.js';

const { port, root, prefix } = args();
const map = preload(root, prefix);
const server = http.createServer((req, res) => {
  if (!answerPreloaded(map, req, res)) appFallback(req, res);
});
listen(server, port);
