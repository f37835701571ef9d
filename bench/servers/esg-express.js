// express-static-gzip on Express 5: brotli enabled and preferred, serve-static's production settings under it.
import http from 'node:http';
import express from 'express';
import expressStaticGzip from 'express-static-gzip';
import { appFallback, args, listen, MOUNT } from './_common.js';

const { port, root } = args();
const app = express();
app.disable('x-powered-by');
app.use(MOUNT, expressStaticGzip(root, {
  enableBrotli: true, orderPreference: ['br', 'gzip'], index: false,
  serveStatic: { etag: true, lastModified: true, maxAge: '1y', immutable: true, index: false, redirect: false },
}));
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
