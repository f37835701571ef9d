// Express 4: the middleware first, at the site root with prefix '/static/', or mounted.
import express from 'express4';
import { fileURLToPath } from 'node:url';
import { staticOrigin } from 'static-origin';

const root = fileURLToPath(new URL('../basic/staticfiles', import.meta.url));
const assets = staticOrigin({ root, prefix: '/static/' });

export const app = express();
app.use(assets);
// Or mounted by Express, where req.url no longer carries the mount:
// app.use('/static', staticOrigin({ root, prefix: '/' }));
app.get('/', (_req, res) => res.send(`<link rel="stylesheet" href="${assets.url('basic/site.css')}">`));
