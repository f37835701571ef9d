import http from 'node:http';
import connect from 'connect';
import { appFallback, args, listen, MOUNT } from './_common.js';
import { makeSirv } from './_sirv.js';

const { port, root } = args();
const app = connect();
app.use(MOUNT, makeSirv(root));
app.use(appFallback);
listen(http.createServer(app), port);
