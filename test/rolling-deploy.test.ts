// A rolling deploy across replicas, as the README's recipe says, with real processes: two
// `static-origin serve` replicas behind Varnish (round-robin, assets passed through so every
// asset request reaches a replica), an app that renders pages naming hashed assets, and
// clients loading pages and all their assets the whole time. Zero failed asset requests and
// zero pages whose assets come from another release.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { staticOrigin } from '../src/index.js';
import { tempDir, writeTree } from './fixtures/collect/helpers.js';
import { get, listen } from './helpers/http.js';
import { startVarnish } from './helpers/varnish.js';

const BIN = resolve(import.meta.dirname, '../bin/static-origin.js');

function release(version: string): Record<string, string> {
  return {
    'css/app.css': `/* ${version} */\nbody { background: url("../img/logo.svg"); color: ${version === 'v1' ? 'red' : 'blue'}; }\n${'.x{margin:0}\n'.repeat(50)}`,
    'img/logo.svg': `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${version} --><rect width="1" height="1"/></svg>`,
    'js/app.js': `import { v } from './version.js';\nexport const version = v; // ${version}\n`,
    'js/version.js': `export const v = '${version}';\n`,
  };
}

/** Starts `static-origin serve` on a replica's root; resolves with its port and a stop that waits for it. */
async function replica(root: string): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', root, '--port', '0', '--prefix', '/static/', '--workers', '1', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`replica did not start: ${err}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /at http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      rej(new Error(`replica exited: ${err}`));
    });
  });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  return {
    port,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

it('rolling deploy behind Varnish: zero failed asset requests, zero mixed-version pages', { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(BIN) && existsSync(resolve(import.meta.dirname, '../dist/esm/index.js')), 'build first: npm run build (npm test does)');
  const dir = tempDir(t, 'rolling');
  const out = join(dir, 'out');
  writeTree(join(dir, 'v1'), release('v1'));
  writeTree(join(dir, 'v2'), release('v2'));
  await collect({ sources: [join(dir, 'v1')], out, cacheDir: false });

  // Each replica (and the app) has a root of its own, as on separate machines.
  const roots = ['r1', 'r2', 'app'].map((name) => join(dir, name));
  for (const root of roots) {
    mkdirSync(root);
    cpSync(out, root, { recursive: true });
  }
  const replicas = [await replica(roots[0]), await replica(roots[1])];
  t.after(async () => {
    for (const r of replicas) await r.stop();
  });

  // The app: pages name the hashed assets of the release it runs.
  let release_ = 'v1';
  const appAssets = staticOrigin({ root: roots[2] });
  const app = await listen((req, res) => {
    if (req.url !== '/') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(`<html data-release="${release_}"><link rel="stylesheet" href="${appAssets.url('css/app.css')}"><script type="module" src="${appAssets.url('js/app.js')}"></script></html>`);
  });
  t.after(() => app.close());

  const cdn = await startVarnish(
    app.port,
    `
import directors;
backend r1 { .host = "127.0.0.1"; .port = "${replicas[0].port}"; }
backend r2 { .host = "127.0.0.1"; .port = "${replicas[1].port}"; }
sub vcl_init { new replicas = directors.round_robin(); replicas.add_backend(r1); replicas.add_backend(r2); }
sub vcl_recv {
  if (req.url ~ "^/static/") { set req.backend_hint = replicas.backend(); return (pass); }
  set req.backend_hint = origin;
}`,
  );
  t.after(() => cdn.stop());

  // Clients: a page, then every asset it names and every asset those name, checked against the page's release.
  const stats = { pages: 0, assets: 0, failed: [] as string[], mixed: [] as string[] };
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const page = await get(cdn.port, '/');
      const rel = /data-release="(v\d)"/.exec(page.body.toString())?.[1];
      if (page.status !== 200 || rel === undefined) {
        stats.failed.push(`page ${page.status}`);
        continue;
      }
      stats.pages++;
      const queue = [...page.body.toString().matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
      while (queue.length) {
        const url = queue.shift()!;
        const r = await get(cdn.port, url);
        stats.assets++;
        if (r.status !== 200) {
          stats.failed.push(`${url} ${r.status}`);
          continue;
        }
        const text = r.body.toString();
        if (!text.includes(rel)) stats.mixed.push(`${rel} page got ${url}`);
        for (const m of text.matchAll(/url\("([^"]+)"\)|from '(\.[^']+)'/g)) queue.push(new URL(m[1] ?? m[2], `http://x${url}`).pathname);
      }
    }
  };
  const clients = Promise.all([client(), client(), client()]);
  await new Promise((r) => setTimeout(r, 1500));
  const before = stats.pages;

  // The deploy, as the README says: collect the new release into the same out (the old
  // hashed files are carried over), put it on every replica and refresh them, then switch the app.
  await collect({ sources: [join(dir, 'v2')], out, cacheDir: false });
  // A replica's root is replaced whole by the new build (as a new image or `rsync --delete`
  // would): only carry-over keeps the old release's files there.
  const replace = (root: string): void => {
    cpSync(out, `${root}.new`, { recursive: true });
    renameSync(root, `${root}.old`);
    renameSync(`${root}.new`, root);
    rmSync(`${root}.old`, { recursive: true, force: true });
  };
  for (const [i, root] of roots.slice(0, 2).entries()) {
    replace(root);
    replicas[i].child.kill('SIGHUP');
  }
  await new Promise((r) => setTimeout(r, 500)); // the refreshes land
  replace(roots[2]);
  appAssets.refresh();
  release_ = 'v2';
  await new Promise((r) => setTimeout(r, 1500));
  running = false;
  await clients;

  assert.ok(before > 5 && stats.pages > before + 5, `pages loaded before (${before}) and after (${stats.pages - before}) the deploy`);
  assert.deepEqual(stats.failed, [], 'no failed request');
  assert.deepEqual(stats.mixed, [], 'no page got an asset of another release');
  const last = await get(cdn.port, '/');
  assert.match(last.body.toString(), /data-release="v2"/);
});
