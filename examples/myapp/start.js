// The app from WhiteNoise's guide, in Express 5: collect the static files, then serve them
// ahead of the app's routes. `npm start` runs this at http://localhost:3000 (PORT overrides).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { collect, staticOrigin } from '../../dist/esm/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// STATIC_ROOT lets the tests collect into a temp dir instead of examples/myapp/staticfiles.
const root = process.env.STATIC_ROOT ?? join(here, 'staticfiles');

const summary = await collect({ sources: [join(here, 'myapp/static')], out: root });
console.log(`collected ${summary.files} files into ${root} (${summary.compressed} compressed, ${summary.reused} reused) in ${summary.timeMs} ms`);

const assets = staticOrigin({ root, prefix: '/static/' });
const app = express();
app.set('views', join(here, 'views'));
app.set('view engine', 'ejs');
app.locals.static = assets.url; // static('myapp/style.css') → /static/myapp/style.<hash>.css
app.locals.integrity = assets.integrity; // integrity('myapp/style.css') → sha384-…

app.use(assets);
app.get('/', (req, res) => res.render('index'));

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, process.env.HOST ?? 'localhost', (err) => {
  if (err) throw err;
  console.log(`myapp listening on http://localhost:${server.address().port}/`);
});
