// Plain node:http: handle() answers and returns true, or returns false on a miss.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { staticOrigin } from 'static-origin';

const root = fileURLToPath(new URL('../basic/staticfiles', import.meta.url));
const assets = staticOrigin({ root, prefix: '/static/' });

export const server = createServer((req, res) => {
  if (assets.handle(req, res)) return;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<link rel="stylesheet" href="${assets.url('basic/site.css')}">`);
});
