import http from 'node:http';
import express from 'express';
import { appFallback, args, listen, MOUNT } from './_common.js';
import { makeSirv } from './_sirv.js';

const { port, root } = args();
const app = express();
app.disable('x-powered-by');
app.use(MOUNT, makeSirv(root));
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
