// Ceiling for Express 5: an Express middleware writing preloaded buffers.
import http from "node:http";
import express from "express";
import { answerPreloaded, appFallback, args, listen, preload } from './_common.js';

const { port, root, prefix } = args();
const map = preload(root, prefix);
const app = express();
app.disable('x-powered-by');
app.use((req, res, next) => {
  if (!answerPreloaded(map, req, res)) next();
});
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
