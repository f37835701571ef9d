// Express 5 with no static middleware: the baseline for the non-static route and the miss.
import http from 'node:http';
import express from 'express';
import { appFallback, args, listen } from './_common.js';

const { port } = args();
const app = express();
app.disable('x-powered-by');
app.get('/api/ping', (req, res) => appFallback(req, res));
listen(http.createServer(app), port);
