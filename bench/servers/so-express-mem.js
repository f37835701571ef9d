// static-origin as Express 5 middleware, with files up to 8 MiB kept in memory (the 5 MB case too).
import http from 'node:http';
import express from 'express';
import { appFallback, args, listen } from './_common.js';
import { BIG_IN_MEMORY, makeStaticOrigin } from './_so.js';

const { port, root, prefix } = args();
const app = express();
app.disable('x-powered-by');
app.use(makeStaticOrigin(root, prefix, BIG_IN_MEMORY));
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
