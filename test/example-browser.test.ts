// The example app in a real browser: Debian's Chromium, driven by playwright-core.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it, type TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import { tempDir } from './fixtures/collect/helpers.js';
import { raw } from './helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
const START = resolve(import.meta.dirname, '../examples/myapp/start.js');

const SOURCES = resolve(import.meta.dirname, '../examples/myapp/myapp/static');
const LAUNCH = {
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/** Starts the example on an ephemeral port with its static root (or, with --dev, its sources) in a temp dir; resolves to its base URL. */
async function startExample(env: Record<string, string>, args: string[] = []): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [START, ...args], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const base = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the example did not start: ${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /listening on http:\/\/localhost:(\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        res(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => rej(new Error(`the example exited with ${code}: ${output}`)));
  });
  return { child, base };
}

/**
 * Starts the example and opens its page in Chromium (both closed after the test): what
 * failed, what the console said in red, and every response by path. The live-reload
 * stream, cut when the page reloads, is not a failure.
 */
async function openExample(t: TestContext, env: Record<string, string>, args: string[] = []) {
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`);
  const { child, base } = await startExample(env, args);
  t.after(() => child.kill('SIGTERM'));
  const browser = await chromium.launch(LAUNCH);
  t.after(() => browser.close());
  const page = await browser.newPage();
  const failed: string[] = [];
  const consoleErrors: string[] = [];
  const consoleWarnings: string[] = [];
  const loaded = new Map<string, { status: number; encoding: string | undefined }>();
  const responses = new Map<string, number>();
  page.on('requestfailed', (req) => {
    if (!req.url().includes('/.static-origin/')) failed.push(`${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
    else if (msg.type() === 'warning') consoleWarnings.push(msg.text());
  });
  page.on('response', (res) => {
    loaded.set(new URL(res.url()).pathname, { status: res.status(), encoding: res.headers()['content-encoding'] });
    responses.set(new URL(res.url()).pathname, (responses.get(new URL(res.url()).pathname) ?? 0) + 1);
    if (res.status() >= 400) failed.push(`${res.url()} ${res.status()}`);
  });
  return { page, base, failed, consoleErrors, consoleWarnings, loaded, responses };
}

it('example app: stylesheet, image, font, JS module and a vendored module by bare specifier load in Chromium, SRI passes, nothing fails', { timeout: 90_000 }, async (t) => {
  const root = join(tempDir(t, 'example'), 'staticfiles');
  const { page, base, failed, consoleErrors, loaded } = await openExample(t, { STATIC_ROOT: root });

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.js === 'ran', null, { timeout: 10_000 });
  await page.waitForFunction(() => document.body.dataset.vendor === 'loaded', null, { timeout: 10_000 });
  const state = await page.evaluate(async () => {
    await document.fonts.ready;
    const img = document.getElementById('logo') as HTMLImageElement;
    const body = getComputedStyle(document.body);
    let fontLoaded = false;
    document.fonts.forEach((f) => {
      if (f.family.replace(/"/g, '') === 'Open Sans Example' && f.status === 'loaded') fontLoaded = true;
    });
    return {
      color: body.color,
      backgroundImage: body.backgroundImage,
      fontFamily: body.fontFamily,
      fontLoaded,
      imageWidth: img.naturalWidth,
      greeting: document.getElementById('greeting')!.textContent,
      vendor: document.getElementById('vendor')!.textContent,
      importMap: JSON.parse(document.querySelector('script[type=importmap]')!.textContent!),
      integrity: Array.from(document.querySelectorAll('[integrity]')).map((e) => e.getAttribute('integrity')),
    };
  });

  assert.equal(state.color, 'rgb(17, 34, 51)', 'the stylesheet applied (SRI passed for it)');
  assert.match(state.backgroundImage, /\/static\/myapp\/image\.[0-9a-f]{12}\.png/);
  assert.match(state.fontFamily, /Open Sans Example/);
  assert.equal(state.fontLoaded, true, 'the woff2 font loaded');
  assert.equal(state.imageWidth, 32, 'the PNG decoded');
  assert.equal(state.greeting, 'Hello from myapp, loaded as a hashed ES module.', 'the module and its import ran (SRI passed for it)');
  assert.equal(state.integrity.length, 2);
  for (const v of state.integrity) assert.match(v!, /^sha384-/);
  // `import { sparkle } from 'confetti'` (left alone by collect) resolved through the page's import map to the hashed file.
  assert.equal(state.vendor, '✨ confetti, a vendored module found through the import map ✨');
  const confetti = state.importMap.imports.confetti as string;
  assert.match(confetti, /^\/static\/vendor\/confetti\/index\.[0-9a-f]{12}\.js$/);
  assert.equal(state.importMap.imports['vendor/confetti/index.js'], confetti);
  assert.match(state.importMap.integrity[confetti], /^sha384-/);
  assert.equal(loaded.get(confetti)?.status, 200, `${confetti} was fetched under its hashed name`);
  assert.ok(!loaded.has('/static/vendor/confetti/index.js'), 'never under its unhashed name');

  const paths = [...loaded.keys()];
  for (const re of [
    /^\/static\/myapp\/style\.[0-9a-f]{12}\.css$/,
    /^\/static\/myapp\/js\/main\.[0-9a-f]{12}\.js$/,
    /^\/static\/myapp\/js\/greet\.[0-9a-f]{12}\.js$/,
    /^\/static\/myapp\/image\.[0-9a-f]{12}\.png$/,
    /^\/static\/myapp\/fonts\/open-sans-regular\.[0-9a-f]{12}\.woff2$/,
  ]) {
    const path = paths.find((p) => re.test(p));
    assert.ok(path, `${re} was requested: ${paths.join(' ')}`);
    assert.equal(loaded.get(path)!.status, 200, path);
  }
  const cssPath = paths.find((p) => p.includes('style.'))!;
  assert.equal(loaded.get(cssPath)!.encoding, 'br', 'Chromium got the brotli variant');
  assert.deepEqual(failed, []);
  assert.deepEqual(consoleErrors, []);
});

it('example app: Early Hints on "/" (a 103, and the Link on the page); Chromium uses every preload: one fetch each, started by the hint, no preload warning, and the import map still works on a repeat visit', {
  timeout: 90_000,
}, async (t) => {
  const root = join(tempDir(t, 'example-preload'), 'staticfiles');
  const { page, base, failed, consoleErrors, consoleWarnings, responses } = await openExample(t, { STATIC_ROOT: root });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const firstInitiator = new Map<string, string>();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => {
    const path = new URL(e.request.url).pathname;
    if (!firstInitiator.has(path)) firstInitiator.set(path, `${e.initiator.type} ${e.initiator.url ?? ''}`);
  });

  const page200 = await page.goto(base + '/', { waitUntil: 'load' });
  const link = page200!.headers().link;
  const hinted = [...link.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
  assert.equal(hinted.length, 2, link);
  assert.match(hinted[0], /^\/static\/myapp\/style\.[0-9a-f]{12}\.css$/);
  assert.match(hinted[1], /^\/static\/myapp\/fonts\/open-sans-regular\.[0-9a-f]{12}\.woff2$/);
  // Chromium acts on a 103 only over HTTP/2 and later, so here it preloads from the page's own
  // Link header. The 103 (seen raw) also carries the module, which the page's header leaves out.
  const early = await raw(Number(new URL(base).port), '/');
  assert.equal(early.status, 103);
  const [style, font] = link.split(', ');
  const [earlyStyle, earlyModule, earlyFont, ...more] = (early.headers.link as string).split(', ');
  assert.deepEqual([earlyStyle, earlyFont, more], [style, font, []]);
  assert.match(earlyModule, /^<\/static\/myapp\/js\/main\.[0-9a-f]{12}\.js>; rel=modulepreload; integrity="sha384-[^"]+"$/);

  await page.waitForFunction(() => document.body.dataset.js === 'ran' && document.body.dataset.vendor === 'loaded', null, { timeout: 10_000 });
  assert.equal(
    await page.evaluate(async () => {
      await document.fonts.ready;
      return getComputedStyle(document.body).color;
    }),
    'rgb(17, 34, 51)',
  );
  // Chromium reports a preload nobody used "within a few seconds from the window's load event".
  await new Promise((r) => setTimeout(r, 4_000));
  for (const path of hinted) {
    assert.equal(responses.get(path), 1, `${path} was fetched once: the page reused the preload`);
    // Without the hint the page's markup (or, for the font, the stylesheet) starts the fetch: initiator "parser".
    assert.doesNotMatch(firstInitiator.get(path) ?? 'none', /^parser /, `${path} was fetched because of the hint (${firstInitiator.get(path)})`);
  }
  assert.deepEqual(
    consoleWarnings.filter((w) => /preload/i.test(w)),
    [],
    'no unused preload, credentials mode or integrity mismatch',
  );

  // A repeat visit, with every file in the HTTP cache: a modulepreload in the page's header
  // would load main.js before the import map and break `import 'confetti'` (whatwg/html#9274).
  for (let visit = 2; visit <= 4; visit++) {
    await page.goto(`${base}/?visit=${visit}`, { waitUntil: 'load' });
    await page
      .waitForFunction(() => document.body.dataset.vendor === 'loaded', null, { timeout: 5_000 })
      .catch((err: Error) => {
        throw new Error(`visit ${visit}: ${pageErrors.join('; ') || err.message}`);
      });
  }
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(failed, []);
  assert.deepEqual(consoleErrors, []);
});

it('example app in development mode (npm run dev): a stylesheet edit restyles the page in place, a module edit reloads it', { timeout: 90_000 }, async (t) => {
  const sources = join(tempDir(t, 'example-dev'), 'static');
  cpSync(SOURCES, sources, { recursive: true });
  const { page, base, failed, consoleErrors, loaded } = await openExample(t, { STATIC_SOURCES: sources }, ['--dev']);

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.js === 'ran', null, { timeout: 10_000 });
  // The vendored module, by bare specifier, through an import map of unhashed source URLs.
  await page.waitForFunction(() => document.body.dataset.vendor === 'loaded', null, { timeout: 10_000 });
  const importMap = await page.evaluate(() => JSON.parse(document.querySelector('script[type=importmap]')!.textContent!));
  assert.equal(importMap.imports.confetti, '/static/vendor/confetti/index.js');
  assert.match(importMap.integrity['/static/vendor/confetti/index.js'], /^sha384-/);
  assert.equal(loaded.get('/static/vendor/confetti/index.js')?.status, 200);
  await page.waitForFunction(() => (window as unknown as { __staticOriginLiveReload?: { connected: boolean } }).__staticOriginLiveReload?.connected === true, null, { timeout: 10_000 });
  const first = await page.evaluate(() => ({
    color: getComputedStyle(document.body).color,
    css: document.querySelector('link[rel=stylesheet]')!.getAttribute('href'),
  }));
  assert.equal(first.color, 'rgb(17, 34, 51)');
  assert.equal(first.css, '/static/myapp/style.css', 'unhashed names in development');

  // A stylesheet edit: the colour changes with no reload (the marker survives).
  await page.evaluate(() => {
    (window as unknown as { __marker: number }).__marker = 1;
  });
  const cssFile = join(sources, 'myapp/style.css');
  writeFileSync(cssFile, readFileSync(cssFile, 'utf8').replace('color: rgb(17, 34, 51)', 'color: rgb(200, 0, 0)'));
  await page.waitForFunction(() => getComputedStyle(document.body).color === 'rgb(200, 0, 0)', null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, 'restyled without a reload');

  // A module edit: the page reloads and runs the new code.
  const greetFile = join(sources, 'myapp/js/greet.js');
  writeFileSync(greetFile, readFileSync(greetFile, 'utf8').replace('loaded as a hashed ES module', 'edited live'));
  await page.waitForFunction(() => document.getElementById('greeting')?.textContent === 'Hello from myapp, edited live.', null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), undefined, 'the page reloaded');
  await page.waitForFunction(() => document.body.dataset.vendor === 'loaded', null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).color), 'rgb(200, 0, 0)', 'the edited stylesheet after the reload');
  assert.deepEqual(failed, []);
  assert.deepEqual(consoleErrors, []);
});
