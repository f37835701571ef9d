// static-origin as Express 5 middleware, ahead of the app's routes.
import http from 'node:http';
import express from 'express';
import { appFallback, args, listen } from './_common.js';
import { makeStaticOrigin } from './_so.js';

const { port, root, prefix } = args();
const app = express();
app.disable('x-powered-by');
app.use(makeStaticOrigin(root, prefix));
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
