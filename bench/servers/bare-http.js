// node:http with no static handling: the baseline for the non-static route and the miss.
import http from 'node:http';
import { appFallback, args, listen } from './_common.js';

const { port } = args();
listen(http.createServer(appFallback), port);
