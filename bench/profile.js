// Profiles one bench server under wrk load with `node --cpu-prof`, then prints the top
// functions by self time (and by total time for the static-origin frames).
//   node bench/profile.js <server id> <scenario: css|css304|js|big|api|miss> [seconds]
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServeRoot } from './corpus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const [id = 'so-http', scenario = 'css', secs = '5'] = process.argv.slice(2);
const corpus = ensureServeRoot({ sources: 1000, seed: 42 });
const f = corpus.files;
const paths = { css: `/static/${f.css.hashed}`, css304: `/static/${f.css.hashed}`, js: `/static/${f.js.hashed}`, big: `/static/${f.big.hashed}`, api: '/api/ping', miss: '/static/app/css/missing.0123456789ab.css' };
const dir = join(HERE, '.out', 'prof', `${id}-${scenario}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const child = spawn('taskset', ['-c', '0', process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, join(HERE, 'servers', `${id}.js`), '--port', '0', '--root', corpus.root], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => child.stdout.on('data', (d) => { const m = /ready (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); }));
const url = `http://127.0.0.1:${port}${paths[scenario]}`;
let headers = ['-H', 'Accept-Encoding: br, gzip'];
if (scenario === 'css304') {
  const r = await fetch(url, { headers: { 'accept-encoding': 'br, gzip' } });
  await r.arrayBuffer();
  headers.push('-H', `If-None-Match: ${r.headers.get('etag')}`);
}
const conns = scenario === 'big' ? '10' : '50';
const w = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${secs}s`, ...headers, url], { encoding: 'utf8' });
console.log(w.stdout.split('\n').filter((l) => /Requests\/sec|Transfer|Non-2xx/.test(l)).join('\n'));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
const file = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
// self time per node from samples
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const total = new Map();
let all = 0;
for (const [nid, t] of dt) {
  all += t;
  const n = byId.get(nid);
  const key = (m) => `${m.callFrame.functionName || '(anonymous)'} ${m.callFrame.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/').replace(/^node:/, 'node:')}:${m.callFrame.lineNumber + 1}`;
  self.set(key(n), (self.get(key(n)) ?? 0) + t);
  const seen = new Set();
  for (let cur = nid; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + t);
  }
}
const pct = (t) => ((100 * t) / all).toFixed(1).padStart(5) + '%';
console.log(`\nprofile: ${join(dir, file)}\ntop self time:`);
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(pct(t), k);
console.log('\ntop total time (static-origin and server frames):');
for (const [k, t] of [...total].filter(([k]) => /dist\/|bench\/|node_modules\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(pct(t), k);
