// The basic example: an Express app with static-origin first in its stack, serving the
// pre-built root in ./staticfiles (checked in; rebuild it with `npm run example:basic:collect`).
import express from 'express';
import { fileURLToPath } from 'node:url';
import { staticOrigin } from 'static-origin';

const root = fileURLToPath(new URL('./staticfiles', import.meta.url));
const assets = staticOrigin({ root, prefix: '/static/' });

export const app = express();
app.use(assets); // ahead of every route: a hit never reaches them, a miss falls through
app.get('/', (_req, res) => {
  res.type('html').send(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>static-origin · basic</title>
<link rel="stylesheet" href="${assets.url('basic/site.css')}" integrity="${assets.integrity('basic/site.css')}" crossorigin="anonymous">
<h1>static-origin</h1>
<p>This stylesheet is <code>${assets.url('basic/site.css')}</code>: hashed, precompressed and cached for a year.</p>
<p id="loaded">…</p>
<footer>An Express route answered this page; the middleware answered everything under <code>/static/</code>.</footer>
<script type="module" src="${assets.url('basic/app.js')}" integrity="${assets.integrity('basic/app.js')}" crossorigin="anonymous"></script>
</html>`);
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => console.log(`basic example on http://localhost:${port}`));
}
