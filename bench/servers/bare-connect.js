// Connect with no static middleware: the baseline for the non-static route and the miss.
import http from 'node:http';
import connect from 'connect';
import { appFallback, args, listen } from './_common.js';

const { port } = args();
const app = connect();
app.use(appFallback);
listen(http.createServer(app), port);
