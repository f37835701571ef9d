// The example app in a real browser: Debian's Chromium, driven by playwright-core.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { tempDir } from './fixtures/collect/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const START = resolve(import.meta.dirname, '../examples/myapp/start.js');

/** Starts the example on an ephemeral port with its static root in a temp dir; resolves to its base URL. */
async function startExample(root: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [START], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
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

it('example app: stylesheet, image, font and JS module load in Chromium, SRI passes, nothing fails', { timeout: 90_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`);
  const root = join(tempDir(t, 'example'), 'staticfiles');
  const { child, base } = await startExample(root);
  t.after(() => child.kill('SIGTERM'));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const failed: string[] = [];
  const consoleErrors: string[] = [];
  const loaded = new Map<string, { status: number; encoding: string | undefined }>();
  page.on('requestfailed', (req) => failed.push(`${req.url()} ${req.failure()?.errorText}`));
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('response', (res) => {
    loaded.set(new URL(res.url()).pathname, { status: res.status(), encoding: res.headers()['content-encoding'] });
    if (res.status() >= 400) failed.push(`${res.url()} ${res.status()}`);
  });

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.js === 'ran', null, { timeout: 10_000 });
  const state = await page.evaluate(async () => {
    await document.fonts.ready;
    const img = document.getElementById('logo') as HTMLImageElement;
    const body = getComputedStyle(document.body);
    let fontLoaded = false;
    document.fonts.forEach((f) => { if (f.family.replace(/"/g, '') === 'Open Sans Example' && f.status === 'loaded') fontLoaded = true; });
    return {
      color: body.color,
      backgroundImage: body.backgroundImage,
      fontFamily: body.fontFamily,
      fontLoaded,
      imageWidth: img.naturalWidth,
      greeting: document.getElementById('greeting')!.textContent,
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

  const paths = [...loaded.keys()];
  for (const re of [/^\/static\/myapp\/style\.[0-9a-f]{12}\.css$/, /^\/static\/myapp\/js\/main\.[0-9a-f]{12}\.js$/, /^\/static\/myapp\/js\/greet\.[0-9a-f]{12}\.js$/, /^\/static\/myapp\/image\.[0-9a-f]{12}\.png$/, /^\/static\/myapp\/fonts\/open-sans-regular\.[0-9a-f]{12}\.woff2$/]) {
    const path = paths.find((p) => re.test(p));
    assert.ok(path, `${re} was requested: ${paths.join(' ')}`);
    assert.equal(loaded.get(path)!.status, 200, path);
  }
  const cssPath = paths.find((p) => p.includes('style.'))!;
  assert.equal(loaded.get(cssPath)!.encoding, 'br', 'Chromium got the brotli variant');
  assert.deepEqual(failed, []);
  assert.deepEqual(consoleErrors, []);
});
