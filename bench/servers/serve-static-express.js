// express.static (serve-static 2) on Express 5, production settings: ETag, 1-year immutable, no index.
import http from 'node:http';
import express from 'express';
import { appFallback, args, listen, MOUNT } from './_common.js';

const { port, root } = args();
const app = express();
app.disable('x-powered-by');
app.use(MOUNT, express.static(root, { etag: true, lastModified: true, maxAge: '1y', immutable: true, index: false, redirect: false }));
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
