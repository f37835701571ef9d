// static-origin as Connect middleware, ahead of the app's routes.
import http from 'node:http';
import connect from 'connect';
import { appFallback, args, listen } from './_common.js';
import { makeStaticOrigin } from './_so.js';

const { port, root, prefix } = args();
const app = connect();
app.use(makeStaticOrigin(root, prefix));
app.use(appFallback);
listen(http.createServer(app), port);
