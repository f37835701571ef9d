// Connect: the same middleware; Connect also calls handle(req, res, next) on it.
import connect from 'connect';
import { fileURLToPath } from 'node:url';
import { staticOrigin } from 'static-origin';

const root = fileURLToPath(new URL('../basic/staticfiles', import.meta.url));
const assets = staticOrigin({ root, prefix: '/static/' });

export const app = connect();
app.use(assets);
app.use('/', (_req, res) => res.end(`<link rel="stylesheet" href="${assets.url('basic/site.css')}">`));
