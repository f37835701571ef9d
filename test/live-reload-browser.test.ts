// Live reload in a real browser (Debian's Chromium via playwright-core): a stylesheet edit
// is swapped in without a reload; any other edit reloads the page.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { after, before, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLiveReload, LIVE_RELOAD_PATH, type LiveReload } from '../src/serve/live-reload.js';
import { tempDir } from './helpers/fixtures.js';
import { listen, type Listening } from './helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
/** Every wait in the page is bounded by this; nothing asserts how fast anything happens. */
const WAIT_MS = 10_000;
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

const tmp = tempDir('live-reload-browser');
let lr: LiveReload;
let srv: Listening;
let browser: Browser;

/** The page links a stylesheet that @imports another, and runs a module that marks the body. */
function page(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>live reload</title>
<link rel="stylesheet" href="/static/style.css">
<script type="module" src="/static/app.js"></script>
${lr.tag()}
</head><body><h1>Hello</h1><p>text</p></body></html>`;
}

before(async () => {
  writeFileSync(join(tmp.dir, 'style.css'), '@import "theme.css";\nh1 { color: rgb(255, 0, 0) }\n');
  writeFileSync(join(tmp.dir, 'theme.css'), 'p { color: rgb(0, 128, 0) }\n');
  writeFileSync(join(tmp.dir, 'app.js'), "document.body.dataset.app = 'v1';\n");
  lr = createLiveReload({ sources: [{ dir: tmp.dir, prefix: '' }], mount: '/static' });
  srv = await listen((req, res) => {
    if (lr.handle(req, res)) return;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(page());
      return;
    }
    // Just enough of a static server for the test: flat names, read on every request.
    const name = /^\/static\/([a-z]+\.(?:css|js))$/.exec(path)?.[1];
    if (name !== undefined && existsSync(join(tmp.dir, name))) {
      res.writeHead(200, { 'Content-Type': TYPES[extname(name)], 'Cache-Control': 'no-cache' });
      res.end(readFileSync(join(tmp.dir, name)));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  lr?.close();
  await srv?.close();
  tmp.cleanup();
});

async function openPage(): Promise<{ page: Page; loads: () => number; problems: string[] }> {
  const page = await browser.newPage();
  let loads = 0;
  const problems: string[] = [];
  page.on('load', () => {
    loads++;
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    // The event stream is cut when the page reloads; that is the one expected failure.
    if (!req.url().includes(LIVE_RELOAD_PATH)) problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  await page.goto(`http://127.0.0.1:${srv.port}/`, { waitUntil: 'load', timeout: WAIT_MS });
  await waitConnected(page);
  return { page, loads: () => loads, problems };
}

function waitConnected(page: Page): Promise<unknown> {
  return page.waitForFunction(() => (window as unknown as { __staticOriginLiveReload?: { connected: boolean } }).__staticOriginLiveReload?.connected === true, null, { timeout: WAIT_MS });
}

const colorOf = (page: Page, selector: string) => page.evaluate((s) => getComputedStyle(document.querySelector(s)!).color, selector);

it('a stylesheet edit is swapped in without reloading; an @imported one too; a script edit reloads the page', { timeout: 90_000 }, async () => {
  const { page, loads, problems } = await openPage();
  assert.equal(await colorOf(page, 'h1'), 'rgb(255, 0, 0)');
  assert.equal(await colorOf(page, 'p'), 'rgb(0, 128, 0)');
  assert.equal(await page.evaluate(() => document.body.dataset.app), 'v1');
  await page.evaluate(() => {
    (window as unknown as { __marker: number }).__marker = 1;
  });
  const loadsBefore = loads();

  // 1. The stylesheet itself.
  writeFileSync(join(tmp.dir, 'style.css'), '@import "theme.css";\nh1 { color: rgb(0, 0, 255) }\n');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('h1')!).color === 'rgb(0, 0, 255)', null, { timeout: WAIT_MS });
  await page.waitForFunction(() => document.querySelectorAll('link[rel="stylesheet"]').length === 1, null, { timeout: WAIT_MS });
  const links = await page.evaluate(() => Array.from(document.querySelectorAll('link[rel="stylesheet"]'), (l) => l.getAttribute('href')));
  assert.match(links[0]!, /^\/static\/style\.css\?v=\d+$/, 'the clone replaced the old link, cache-busted');
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, 'the page was not reloaded');

  // 2. A stylesheet only @imported by the linked one: the linked one is swapped again, its v replaced.
  writeFileSync(join(tmp.dir, 'theme.css'), 'p { color: rgb(128, 0, 128) }\n');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('p')!).color === 'rgb(128, 0, 128)', null, { timeout: WAIT_MS });
  await page.waitForFunction(() => document.querySelectorAll('link[rel="stylesheet"]').length === 1, null, { timeout: WAIT_MS });
  const relinked = await page.evaluate(() => document.querySelector('link[rel="stylesheet"]')!.getAttribute('href'));
  assert.match(relinked!, /^\/static\/style\.css\?v=\d+$/, 'one v, not two');
  assert.equal(await colorOf(page, 'h1'), 'rgb(0, 0, 255)');
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, 'still not reloaded');
  assert.equal(loads(), loadsBefore, 'no load event: no navigation');

  // 3. A script: the page reloads, and runs the new one.
  const reloaded = page.waitForEvent('load', { timeout: WAIT_MS });
  writeFileSync(join(tmp.dir, 'app.js'), "document.body.dataset.app = 'v2';\n");
  await reloaded;
  await page.waitForFunction(() => document.body.dataset.app === 'v2', null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), undefined, 'the page was reloaded');
  assert.equal(await colorOf(page, 'h1'), 'rgb(0, 0, 255)');
  await waitConnected(page);

  assert.deepEqual(problems, []);
  await page.close();
});
