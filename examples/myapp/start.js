// The app from WhiteNoise's guide, in Express 5: collect the static files, then serve them
// ahead of the app's routes. `npm start` runs this at http://localhost:3000 (PORT overrides).
// `npm run dev` (this script with --dev) serves the sources live instead, with no collect
// step, and reloads the page when a file changes.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { collect, staticOrigin } from '../../dist/esm/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dev = process.argv.includes('--dev');
// STATIC_SOURCES and STATIC_ROOT let the tests use temp dirs instead of the example's own.
const sources = [process.env.STATIC_SOURCES ?? join(here, 'myapp/static')];
const root = process.env.STATIC_ROOT ?? join(here, 'staticfiles');

if (!dev) {
  const summary = await collect({ sources, out: root });
  console.log(`collected ${summary.files} files into ${root} (${summary.compressed} compressed, ${summary.reused} reused) in ${summary.timeMs} ms`);
}

const assets = dev ? staticOrigin({ dev: true, sources, liveReload: true, prefix: '/static/' }) : staticOrigin({ root, prefix: '/static/' });
const app = express();
app.set('views', join(here, 'views'));
app.set('view engine', 'ejs');
app.locals.static = assets.url; // static('myapp/style.css') → /static/myapp/style.<hash>.css (unhashed in dev)
app.locals.integrity = assets.integrity; // integrity('myapp/style.css') → sha384-…
app.locals.liveReloadTag = assets.liveReloadTag; // '' unless dev with live reload
app.locals.importMapTag = assets.importMapTag; // importMapTag({ confetti: 'vendor/confetti/index.js' }) → <script type="importmap">…

app.use(assets);
// Early Hints: a 103 with Link preloads before the page renders, and the same Link on the page (modules: the 103 only).
app.get('/', assets.preload(['myapp/style.css', 'myapp/js/main.js', 'myapp/fonts/open-sans-regular.woff2']), (_req, res) => res.render('index'));

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, process.env.HOST ?? 'localhost', (err) => {
  if (err) throw err;
  console.log(`myapp${dev ? ' (development)' : ''} listening on http://localhost:${server.address().port}/`);
});
