#!/usr/bin/env node
// static-origin benchmark: every server in its own process on 127.0.0.1, every response
// verified before it is timed, load from Debian's `wrk` pinned to another core, servers
// interleaved over rounds, one table of medians, spreads and ratios.
//
//   npm run bench                       # full run (builds first)
//   node bench/run.js --smoke           # seconds: proves the bench still works
//   node bench/run.js --rounds 5 --duration 5 --only css,css304 --json bench/.out/last.json
//
// See bench/README.md for what each scenario measures.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServeRoot, ensureSourceTree, expectedBody } from './corpus.js';
import { NGINX_BIN, nginxCommand } from './servers/nginx.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(HERE);
const SERVERS_DIR = join(HERE, 'servers');
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => p === 'python3' || existsSync(p));

// ------------------------------------------------------------------ options
const ALL_SCENARIOS = ['css', 'css304', 'js', 'big', 'api', 'miss', 'startup', 'collect'];
function parseOptions(argv) {
  const o = { rounds: 5, duration: 3, warmup: 1, connections: 50, bigConnections: 10, only: null, servers: null, smoke: false, json: null, sources: 1000, startupSources: 10000, collectFiles: 1500, seed: 42 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = posInt(val(), a);
    else if (a === '--duration') o.duration = posInt(val(), a);
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--connections') o.connections = posInt(val(), a);
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--servers') o.servers = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--json') o.json = val();
    else if (a === '--collect-files') o.collectFiles = posInt(val(), a);
    else if (a === '--startup-sources') o.startupSources = posInt(val(), a);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/run.js [--rounds N] [--duration S] [--warmup S] [--connections C] [--only ' + ALL_SCENARIOS.join(',') + '] [--servers id,...] [--smoke] [--json FILE]');
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  if (o.smoke) Object.assign(o, { rounds: 1, duration: 1, warmup: 0, sources: 100, startupSources: 300, collectFiles: 40 });
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
process.on('exit', () => killAll('SIGKILL'));
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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CAN_PIN = os.availableParallelism?.() >= 2 && existsSync('/usr/bin/taskset');
const pin = (core, cmd) => (CAN_PIN ? ['taskset', ['-c', String(core), ...cmd]] : [cmd[0], cmd.slice(1)]);

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
  while (busy > 0.2 && Date.now() < deadline) {
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

/** Starts one server pinned to core 0; resolves { child, port } once it prints `ready <port>` (or answers, for nginx). */
async function startServer(id, root, { timeoutMs = 30000 } = {}) {
  let cmd;
  let port = 0;
  let tmp;
  if (id === 'nginx') {
    port = await freePort();
    tmp = mkdtempSync(join(os.tmpdir(), 'so-bench-nginx-'));
    cmd = nginxCommand({ dir: tmp, port, root });
  } else {
    cmd = [process.execPath, join(SERVERS_DIR, `${id}.js`), '--port', '0', '--root', root];
  }
  const [bin, argv] = pin(0, cmd);
  const child = track(spawn(bin, argv, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] }));
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
    child.once('exit', (code, sig) => reject(new Error(`${id} exited (${code ?? sig}) before it was ready: ${stderr.trim().split('\n').slice(-6).join(' | ')}`)));
    child.once('error', reject);
  });
  const timer = sleep(timeoutMs).then(() => {
    throw new Error(`${id} was not ready within ${timeoutMs} ms`);
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
function readRss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
/** Spawn -> first 200 (polled every 2 ms), then RSS after 500 ms idle. */
async function measureStartup(id, root, path, settleMs = 500) {
  const cmd = [process.execPath, join(SERVERS_DIR, `${id}.js`), '--port', '0', '--root', root];
  const [bin, argv] = pin(0, cmd);
  const t0 = process.hrtime.bigint();
  const child = track(spawn(bin, argv, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] }));
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

// ------------------------------------------------------------------ collect vs collectstatic
function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}
function timedRun(cmd, argv, opts) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
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
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${out.trim().split('\n').slice(-8).join(' | ')}`));
      else resolve({ ms, out });
    });
  });
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
/**
 * The compressors alone, on the same bytes: every hashed file the other tool brotli-compressed,
 * compressed again with static-origin's settings, against that tool's `.br`.
 */
async function sameInputBrotli(out, manifestPaths) {
  const { compressWith, isTextual } = await import('../dist/esm/collect/compress.js');
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
async function collectCompare(o, log) {
  const tree = ensureSourceTree({ files: o.collectFiles });
  const work = mkdtempSync(join(os.tmpdir(), 'so-bench-collect-'));
  const res = { files: tree.files, sourceBytes: tree.bytes, rounds: [] };
  try {
    const djVersion = djangoAvailable();
    res.django = djVersion ? `Django ${djVersion} + WhiteNoise CompressedManifestStaticFilesStorage` : null;
    if (!djVersion) log('  collect: Django/WhiteNoise/brotli not importable by ' + PYTHON + ' (bench/setup.sh installs them); static-origin only');
    for (let round = 0; round < Math.min(o.rounds, 3); round++) {
      const row = {};
      const tools = djVersion ? ['static-origin', 'django'] : ['static-origin'];
      for (const tool of round % 2 ? [...tools].reverse() : tools) {
        const base = join(work, `${tool}-${round}`);
        const src = join(base, 'src');
        const out = join(base, 'out');
        cpSync(tree.src, src, { recursive: true });
        let run;
        if (tool === 'static-origin') {
          run = () => timedRun(process.execPath, [join(HERE, 'collect-child.js'), src, out], { cwd: base });
        } else {
          writeFileSync(join(base, 'bench_settings.py'), [
            `SECRET_KEY = 'bench'`, `DEBUG = False`, `USE_TZ = True`,
            `INSTALLED_APPS = ['django.contrib.staticfiles']`,
            `STATIC_URL = '/static/'`, `STATIC_ROOT = ${JSON.stringify(out)}`,
            `STATICFILES_DIRS = [${JSON.stringify(src)}]`,
            `STATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'`, '',
          ].join('\n'));
          const env = { ...process.env, DJANGO_SETTINGS_MODULE: 'bench_settings', PYTHONPATH: base, PYTHONDONTWRITEBYTECODE: '1' };
          run = () => timedRun(PYTHON, ['-m', 'django', 'collectstatic', '--noinput', '-v', '0'], { cwd: base, env });
        }
        await waitQuiet(o.smoke ? 0 : 30000);
        const full = await run();
        const manifest = JSON.parse(readFileSync(join(out, 'staticfiles.json'), 'utf8'));
        const br = brotliBytes(out, manifest.paths);
        const changed = tree.leaf;
        const p = join(src, changed);
        writeFileSync(p, readFileSync(p, 'utf8') + `\n.bench-change-${round} { color: #c00; }\n`);
        await waitQuiet(o.smoke ? 0 : 30000);
        const rerun = await run();
        row[tool] = { fullMs: full.ms, rerunMs: rerun.ms, brTotal: br.total, brFiles: br.files, brServed: br.served, identity: br.identity, outFiles: walk(out).length };
        if (tool === 'django' && round === 0) res.sameInput = await sameInputBrotli(out, manifest.paths);
        log(`  collect round ${round + 1} ${tool}: full ${fmtMs(full.ms)}, rerun after one change ${fmtMs(rerun.ms)}, ${br.files} .br files ${fmtBytes(br.total)}`);
        rmSync(base, { recursive: true, force: true });
      }
      res.rounds.push(row);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
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
const fmtRatio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
function table(headers, rows, align) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join(' | ') + ' |';
  return [line(headers), '|' + w.map((x, i) => (align[i] === 'r' ? '-'.repeat(x + 1) + ':' : '-'.repeat(x + 2))).join('|') + '|', ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------ main
async function main() {
  const o = parseOptions(process.argv.slice(2));
  const log = (...a) => console.log(...a);
  const want = (s) => !o.only || o.only.includes(s);
  const machine = {
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    model: os.cpus()[0]?.model ?? '?',
    node: process.version,
    wrk: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n')[0].trim() || 'missing',
    pinned: CAN_PIN,
    date: new Date().toISOString(),
  };
  log(`static-origin bench${o.smoke ? ' (smoke)' : ''}: ${o.rounds} round(s), ${o.duration} s loads (+${o.warmup} s warm-up), wrk -t1 -c${o.connections} (5 MB: -c${o.bigConnections})`);
  log(`machine: ${machine.cpus} cores, ${machine.model}, Node ${machine.node}, ${machine.wrk}; ${CAN_PIN ? 'servers pinned to core 0, wrk to core 1' : 'NOT pinned (taskset or 2 cores missing)'}`);
  if (machine.wrk === 'missing') die('wrk is not installed: run bench/setup.sh');
  if (!existsSync(join(REPO, 'dist/esm/index.js'))) log('warning: dist/esm/index.js missing; run `npm run build` (npm run bench does)');

  const results = { options: o, machine, startErrors: {}, verify: {}, load: {}, startup: null, collect: null };
  let failures = 0;

  // ---- throughput scenarios
  const loadScenarios = ['css', 'css304', 'js', 'big', 'api', 'miss'].filter(want);
  const corpus = ensureServeRoot({ sources: o.sources, seed: o.seed });
  const scs = scenarios(corpus, o).filter((s) => loadScenarios.includes(s.id));
  const running = new Map();
  const startErrors = results.startErrors;
  if (scs.length) {
    log(`corpus: ${corpus.root} (${corpus.urlFiles} URLs, ${corpus.onDisk} files on disk)`);
    let ids = [...new Set(scs.flatMap((s) => s.servers))];
    if (o.servers) ids = ids.filter((id) => o.servers.includes(id));
    if (!NGINX_BIN) {
      log('nginx not installed: nginx rows skipped (bench/setup.sh installs nginx-light)');
      ids = ids.filter((id) => id !== 'nginx');
    }
    await Promise.all(ids.map(async (id) => {
      try {
        running.set(id, await startServer(id, corpus.root));
      } catch (err) {
        startErrors[id] = err.message;
        failures++;
        log(`  FAILED to start ${id}: ${err.message}`);
      }
    }));
    // verify every (scenario, server) before any timing
    const plan = [];
    for (const sc of scs) {
      for (const id of sc.servers) {
        if (!ids.includes(id)) continue;
        const key = `${sc.id}/${id}`;
        if (!running.has(id)) {
          results.verify[key] = { ok: false, fail: 'not started (see above)' };
          continue;
        }
        let v;
        try {
          v = await verify(running.get(id).port, sc, corpus.root);
        } catch (err) {
          v = { ok: false, fail: err.message };
        }
        results.verify[key] = v;
        if (!v.ok) {
          if (!v.unsupported) failures++;
          log(`  ${v.unsupported ? 'unsupported' : 'VERIFY FAILED'}: ${key}: ${v.fail}`);
        } else {
          plan.push({ sc, id, headers: v.headers });
        }
      }
    }
    log(`verified: ${Object.values(results.verify).filter((v) => v.ok).length}/${Object.keys(results.verify).length} (scenario, server) pairs`);
    // smoke: time every server once on the 4 KB case, and every scenario on static-origin/node:http
    const timed = o.smoke ? plan.filter((p) => p.sc.id === 'css' || p.id === 'so-http' || (p.sc.id === 'api' && p.id === 'bare-http')) : plan;
    for (let round = 0; round < o.rounds; round++) {
      for (const sc of scs) {
        const items = timed.filter((p) => p.sc === sc);
        // rotate the order each round so no server always runs first or last
        const k = items.length ? round % items.length : 0;
        for (const p of [...items.slice(k), ...items.slice(0, k)]) {
          const key = `${sc.id}/${p.id}`;
          const { port, child } = running.get(p.id);
          const wrkOpts = { duration: o.duration, connections: sc.connections };
          try {
            let busyBefore;
            let r;
            // retake a sample that other processes disturbed (up to twice; the least disturbed is kept)
            for (let attempt = 0; attempt < (o.smoke ? 1 : 3); attempt++) {
              busyBefore = await waitQuiet(o.smoke ? 0 : 30000);
              if (o.warmup > 0) await runWrk(port, sc.path, p.headers, { ...wrkOpts, duration: Math.max(1, Math.round(o.warmup)) });
              const got = await runWrk(port, sc.path, p.headers, { ...wrkOpts, serverPid: child.pid });
              if (!r || !(got.foreign >= r.foreign)) r = got;
              if (!(r.foreign > FOREIGN_LIMIT)) break;
              log(`  retaking ${key}: other processes used ${Math.round(got.foreign * 100)}% of a core during the load`);
            }
            const expectErr = sc.id === 'miss';
            const bad = expectErr ? r.requests - r.non2xx3xx : r.non2xx3xx;
            const entry = (results.load[key] ??= { runs: [], problems: [] });
            entry.runs.push({ round: round + 1, rps: r.rps, bytesPerSec: r.bytesPerSec, requests: r.requests, rssAfter: readRss(child.pid), busyBefore, foreign: r.foreign });
            if (r.foreign > FOREIGN_LIMIT) entry.problems.push(`round ${round + 1}: disturbed (others used ${Math.round(r.foreign * 100)}% of a core)`);
            if (busyBefore > 0.2) entry.problems.push(`round ${round + 1}: cores ${Math.round(busyBefore * 100)}% busy before the load`);
            if (bad > 0) entry.problems.push(`round ${round + 1}: ${bad} unexpected statuses`);
            if (r.socketErrors > 0) entry.problems.push(`round ${round + 1}: ${r.socketErrors} socket errors`);
            if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${p.id} died during the load`);
            log(`  round ${round + 1}/${o.rounds} ${sc.id.padEnd(6)} ${p.id.padEnd(21)} ${fmtInt(r.rps).padStart(8)} req/s${sc.id === 'big' ? `  ${fmtBytes(r.bytesPerSec)}/s` : ''}`);
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
    for (let round = 0; round < o.rounds; round++) {
      const k = round % ids.length;
      for (const id of [...ids.slice(k), ...ids.slice(0, k)]) {
        try {
          await waitQuiet(o.smoke ? 0 : 30000);
          const r = await measureStartup(id, big.root, id.startsWith('bare-') ? '/api/ping' : path, o.smoke ? 100 : 500);
          (st.runs[id] ??= []).push(r);
          log(`  startup round ${round + 1} ${id.padEnd(21)} first response ${fmtMs(r.ms)}, RSS ${fmtBytes(r.rss)}`);
        } catch (err) {
          failures++;
          (st.runs[id] ??= []).push({ ms: NaN, rss: NaN, error: err.message });
          log(`  STARTUP FAILED ${id}: ${err.message}`);
        }
      }
    }
    results.startup = st;
  }

  // ---- collect vs collectstatic
  if (want('collect')) {
    try {
      results.collect = await collectCompare(o, log);
    } catch (err) {
      results.collect = { error: err.message };
      log(`  COLLECT FAILED: ${err.message}`);
      if (!/not implemented/.test(err.message)) failures++;
    }
  }

  // ---- report
  const report = render(results, scs, o);
  log('\n' + report.text);
  results.targets = report.targets;
  if (o.json) {
    mkdirSync(dirname(o.json), { recursive: true });
    writeFileSync(o.json, JSON.stringify(results, (k, v) => (k === 'raw' ? undefined : v), 2));
    log(`\nJSON: ${relative(process.cwd(), o.json) || o.json}`);
  }
  const verified = Object.values(results.verify);
  log(`\n${verified.filter((v) => v.ok).length} of ${verified.length} (scenario, server) pairs verified; ${failures} failure(s).`);
  process.exitCode = failures ? 1 : 0;
}

function render(results, scs, o) {
  const med = (key, f = (r) => r.rps) => median((results.load[key]?.runs ?? []).map(f));
  const spread = (key) => {
    const xs = (results.load[key]?.runs ?? []).map((r) => r.rps);
    return xs.length ? `${fmtInt(Math.min(...xs))}–${fmtInt(Math.max(...xs))}` : '—';
  };
  const out = [];
  for (const [id, msg] of Object.entries(results.startErrors ?? {})) out.push(`NOT STARTED ${id}: ${msg}`);
  const rows = [];
  for (const sc of scs) {
    for (const id of sc.servers) {
      const key = `${sc.id}/${id}`;
      const v = results.verify[key];
      if (!v) continue;
      const s = byId[id];
      const m = med(key);
      const refM = med(`${sc.id}/${s.ref}`);
      const notes = [];
      const short = (x) => (x.length > 100 ? x.slice(0, 97) + '…' : x);
      if (!v.ok) notes.push(v.unsupported ? `unsupported: ${short(v.fail)}` : `FAILED: ${short(v.fail)}`);
      else notes.push(`ok${v.encoding ? ' ' + v.encoding : ''}`, ...(v.notes ?? []));
      notes.push(...(results.load[key]?.problems ?? []));
      if (sc.id === 'big' && Number.isFinite(m)) notes.push(`${fmtBytes(med(key, (r) => r.bytesPerSec))}/s`);
      rows.push([sc.id, s.stack, `${s.label}`, fmtInt(m), spread(key), id === s.ref ? '1.00×' : fmtRatio(m / refM), notes.join('; ')]);
    }
  }
  if (rows.length) {
    out.push(`Throughput: requests/s, median of ${o.rounds} interleaved round(s) (min–max); ratio = this server ÷ static-origin on the same stack (nginx and Fastify rows: ÷ static-origin on node:http).`);
    out.push(table(['scenario', 'stack', 'server', 'req/s', 'min–max', 'vs SO', 'verified / notes'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l']));
    out.push('Scenarios: ' + scs.map((s) => `${s.id} = ${s.title}`).join('; ') + '.');
  }
  let startupRows = [];
  if (results.startup) {
    const st = results.startup;
    const m = (id, f) => median((st.runs[id] ?? []).map(f));
    for (const [id, bare] of STARTUP) {
      if (!st.runs[id]) continue;
      const added = m(id, (r) => r.rss) - m(bare, (r) => r.rss);
      startupRows.push([byId[id].stack, byId[id].label, fmtMs(m(id, (r) => r.ms)), fmtMs(m(bare, (r) => r.ms)), fmtBytes(m(id, (r) => r.rss)), fmtBytes(added), (st.runs[id].find((r) => r.error) ?? {}).error ?? '']);
    }
    out.push('');
    out.push(`Startup over ${fmtInt(st.urls)} URLs with their manifest (${fmtInt(st.onDisk)} files on disk, warm page cache): spawn → first 200, RSS 500 ms later; added = over the bare framework (median of ${o.rounds}).`);
    out.push(table(['stack', 'server', 'first response', 'bare', 'RSS', 'added RSS', 'notes'], startupRows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']));
  }
  const c = results.collect;
  if (c && !c.error) {
    const m = (tool, f) => median(c.rounds.map((r) => r[tool]).filter(Boolean).map(f));
    const tools = c.django ? ['static-origin', 'django'] : ['static-origin'];
    const crow = tools.map((t) => [t === 'django' ? c.django : 'static-origin collect()', fmtMs(m(t, (r) => r.fullMs)), fmtMs(m(t, (r) => r.rerunMs)), fmtRatio(m(t, (r) => r.rerunMs / r.fullMs)).replace('×', ''), fmtInt(m(t, (r) => r.identity)), fmtInt(m(t, (r) => r.brServed)), `${fmtInt(m(t, (r) => r.brFiles))} / ${fmtBytes(m(t, (r) => r.brTotal))}`]);
    out.push('');
    out.push(`collect over a generated source tree of ${fmtInt(c.files)} files (${fmtBytes(c.sourceBytes)}); wall time of a child process, median of ${c.rounds.length}; "hashed" = bytes of every hashed name before compression, "br served" = what a brotli client downloads for them (bytes).`);
    out.push(table(['tool', 'full run', 'rerun, 1 file changed', 'rerun / full', 'hashed', 'br served', '.br files / bytes'], crow, ['l', 'r', 'r', 'r', 'r', 'r', 'r']));
    if (c.sameInput) out.push(`Same bytes, compressors alone: WhiteNoise's ${fmtInt(c.sameInput.files)} hashed files with a .br, compressed again by static-origin: ${fmtInt(c.sameInput.ours)} B vs WhiteNoise's ${fmtInt(c.sameInput.theirs)} B.`);
  } else if (c?.error) {
    out.push('', `collect: not measured: ${c.error}`);
  }

  // ---- targets from the issue
  const targets = [];
  const t = (name, value, pass, detail) => targets.push({ name, value, met: Number.isFinite(value) ? pass(value) : null, detail });
  const r = (a, b) => med(a) / med(b);
  for (const sc of ['css', 'css304']) {
    t(`${sc}: static-origin node:http ≥ 0.9× preloaded buffer`, r(`${sc}/so-http`, `${sc}/http-buffer`), (x) => x >= 0.9, 'ratio');
    t(`${sc}: static-origin Connect ≥ 0.9× preloaded buffer`, r(`${sc}/so-connect`, `${sc}/http-buffer`), (x) => x >= 0.9, 'ratio');
    t(`${sc}: static-origin Express 5 ≥ 0.95× Express preloaded handler`, r(`${sc}/so-express`, `${sc}/express-buffer`), (x) => x >= 0.95, 'ratio');
    t(`${sc}: static-origin Express 5 vs express.static (issue: ~2.4×)`, r(`${sc}/so-express`, `${sc}/serve-static-express`), () => true, 'info');
  }
  t('big: static-origin node:http ≥ 0.8× nginx sendfile', r('big/so-http', 'big/nginx'), (x) => x >= 0.8, 'ratio');
  t('big: static-origin Express 5 ≥ 2.5× express.static', r('big/so-express', 'big/serve-static-express'), (x) => x >= 2.5, 'ratio');
  t('big: static-origin node:http, 5 MB kept in memory (memoryCache.maxFileBytes 8 MiB) ≥ 0.8× nginx sendfile', r('big/so-http-mem', 'big/nginx'), (x) => x >= 0.8, 'ratio');
  t('big: static-origin Express 5, 5 MB kept in memory ≥ 2.5× express.static', r('big/so-express-mem', 'big/serve-static-express'), (x) => x >= 2.5, 'ratio');
  for (const [so, bare] of [['so-connect', 'bare-connect'], ['so-express', 'bare-express'], ['so-http', 'bare-http']]) {
    t(`api: ${byId[so].stack} route through static-origin at most 3% slower than bare`, r(`api/${so}`, `api/${bare}`), (x) => x >= 0.97, 'ratio');
  }
  if (results.startup) {
    const st = results.startup;
    const m = (id, f) => median((st.runs[id] ?? []).map(f));
    for (const id of ['so-http', 'so-connect']) {
      if (!st.runs[id]) continue;
      const bare = STARTUP.find((x) => x[0] === id)[1];
      t(`startup: ${byId[id].stack} first response < 300 ms`, m(id, (x) => x.ms), (x) => x < 300, 'ms');
      t(`startup: ${byId[id].stack} added RSS < 40 MB`, m(id, (x) => x.rss) - m(bare, (x) => x.rss), (x) => x < 40 * 1024 * 1024, 'bytes');
    }
  }
  if (c && !c.error && c.django) {
    const m = (tool, f) => median(c.rounds.map((x) => x[tool]).filter(Boolean).map(f));
    t('collect: ≥ 4× faster than collectstatic + WhiteNoise (full run)', m('django', (x) => x.fullMs) / m('static-origin', (x) => x.fullMs), (x) => x >= 4, 'ratio');
    t('collect: brotli bytes served ≤ WhiteNoise', m('static-origin', (x) => x.brServed) / m('django', (x) => x.brServed), (x) => x <= 1, 'ratio');
    if (c.sameInput) t('collect: brotli output for the same bytes ≤ WhiteNoise', c.sameInput.ours / c.sameInput.theirs, (x) => x <= 1, 'ratio');
  }
  if (c && !c.error) {
    const m = (f) => median(c.rounds.map((x) => x['static-origin']).map(f));
    t('collect: rerun after one change ≤ 10% of a full run', m((x) => x.rerunMs / x.fullMs), (x) => x <= 0.1, 'ratio');
  }
  const shown = targets.filter((x) => x.met !== null || x.detail !== 'info');
  if (shown.length) {
    out.push('');
    out.push('Targets (issue #4):');
    out.push(table(['target', 'measured', 'status'], shown.map((x) => [x.name, x.detail === 'ms' ? fmtMs(x.value) : x.detail === 'bytes' ? fmtBytes(x.value) : Number.isFinite(x.value) ? `${x.value.toFixed(3)}×` : '—', x.detail === 'info' ? 'info' : x.met === null ? 'not measured' : x.met ? 'met' : 'MISSED']), ['l', 'r', 'l']));
  }
  return { text: out.join('\n'), targets };
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  killAll('SIGKILL');
  process.exit(1);
});
