// Profiles with `node --cpu-prof` and prints the top functions by self time (and by total time
// for the static-origin and bench frames).
//
//   node bench/profile.js <server id> <scenario: css|css304|js|big|api|miss> [seconds] [--node PATH | --node-version V]
//     one bench server under the same wrk load as run.js
//   node bench/profile.js collect <cold|warm|rerun> [--files N] [--node PATH | --node-version V]
//     one collect (bench/collect-child.js) over the bench's source tree: into an empty out with no
//     cache (cold); into an empty out with a cache a first collect filled (warm); or again into
//     the out of a first collect after one stylesheet was edited (rerun). Only the main thread is
//     profiled: compression on libuv's pool shows up as "(idle)"/"(program)" there.
//
// Profiles land in bench/.out/prof/. Uses dist/esm as it is now (run `npm run build` first).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServeRoot, ensureSourceTree } from './corpus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = [];
let node = process.execPath;
let files = 1500;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node') node = argv[++i];
  else if (argv[i] === '--node-version') node = spawnSync(process.execPath, [join(HERE, '../scripts/node-version.js'), argv[++i]], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
  else if (argv[i] === '--files') files = Number(argv[++i]);
  else args.push(argv[i]);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

if (args[0] === 'collect') await profileCollect(args[1] ?? 'cold');
else await profileServer(args[0] ?? 'so-http', args[1] ?? 'css', args[2] ?? '5');

async function profileServer(id, scenario, secs) {
  const corpus = ensureServeRoot({ sources: 1000, seed: 42 });
  const f = corpus.files;
  const paths = { css: `/static/${f.css.hashed}`, css304: `/static/${f.css.hashed}`, js: `/static/${f.js.hashed}`, big: `/static/${f.big.hashed}`, api: '/api/ping', miss: '/static/app/css/missing.0123456789ab.css' };
  const dir = join(HERE, '.out', 'prof', `${id}-${scenario}-${version}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const child = spawn('taskset', ['-c', '0', node, '--cpu-prof', '--cpu-prof-dir', dir, join(HERE, 'servers', `${id}.js`), '--port', '0', '--root', corpus.root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => child.stdout.on('data', (d) => { const m = /ready (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); }));
  const url = `http://127.0.0.1:${port}${paths[scenario]}`;
  const headers = ['-H', 'Accept-Encoding: br, gzip'];
  if (scenario === 'css304') {
    const r = await fetch(url, { headers: { 'accept-encoding': 'br, gzip' } });
    await r.arrayBuffer();
    headers.push('-H', `If-None-Match: ${r.headers.get('etag')}`);
  }
  const conns = scenario === 'big' ? '10' : '50';
  const w = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${secs}s`, ...headers, url], { encoding: 'utf8' });
  console.log(`${id} ${scenario} on Node ${version}`);
  console.log(w.stdout.split('\n').filter((l) => /Requests\/sec|Transfer|Non-2xx/.test(l)).join('\n'));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  report(dir);
}

async function profileCollect(mode) {
  if (!['cold', 'warm', 'rerun'].includes(mode)) throw new Error(`collect mode: cold, warm or rerun (got ${mode})`);
  const tree = ensureSourceTree({ files });
  const base = join(HERE, '.out', 'prof', `collect-${mode}-${version}`);
  rmSync(base, { recursive: true, force: true });
  const src = join(base, 'src');
  const out = join(base, 'out');
  const cache = join(base, 'cache');
  const prof = join(base, 'prof');
  mkdirSync(prof, { recursive: true });
  cpSync(tree.src, src, { recursive: true });
  const child = join(HERE, 'collect-child.js');
  const run = (extra, target, cacheDir) => {
    const r = spawnSync(node, [...extra, child, src, target, '--cache-dir', cacheDir], { encoding: 'utf8', cwd: base });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  };
  if (mode === 'warm') {
    run([], join(base, 'fill'), cache);
    rmSync(join(base, 'fill'), { recursive: true, force: true });
  }
  if (mode === 'rerun') {
    run([], out, 'none');
    const p = join(src, tree.leaf);
    writeFileSync(p, readFileSync(p, 'utf8') + '\n.bench-profile { color: #c00; }\n');
  }
  spawnSync('sync');
  const s = run(['--cpu-prof', '--cpu-prof-dir', prof], out, mode === 'warm' ? cache : 'none');
  const p = s.phases;
  console.log(`collect ${mode} on Node ${version}: ${Math.round(p.end)} ms from process start (CPU ${Math.round(s.cpuMs)} ms, system ${Math.round(s.sysMs)} ms); compressed ${s.compressed}, reused ${s.reused}, cached ${s.cached}`);
  console.log(`phases: start-up ${Math.round(s.bootMs)} ms, import ${Math.round(p.import - s.bootMs)} ms, find ${Math.round(p.hash - p.find)} ms, read + references + hash ${Math.round(p.compress - p.hash)} ms, compress ${Math.round(p.write - p.compress)} ms, write ${Math.round(p.end - p.write)} ms`);
  report(prof);
}

function report(dir) {
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
  // our frames (dist/esm, its copies under bench/.out, the bench, dependencies) by a short path; Node's own as they are
  const ours = (url) => /^(file:\/\/)?\//.test(url);
  const key = (m) => `${m.callFrame.functionName || '(anonymous)'} ${ours(m.callFrame.url) ? m.callFrame.url.replace(/^.*\/(node_modules|esm|bench)\//, '$1/') : m.callFrame.url}:${m.callFrame.lineNumber + 1}`;
  for (const [nid, t] of dt) {
    all += t;
    const n = byId.get(nid);
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
  const ms = (t) => `${Math.round(t / 1000)} ms`.padStart(8);
  console.log(`\nprofile: ${join(dir, file)} (${Math.round(all / 1000)} ms sampled)\ntop self time:`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(pct(t), ms(t), k);
  console.log('\ntop total time (static-origin, dependencies and bench frames):');
  for (const [k, t] of [...total].filter(([k]) => / (esm|bench|node_modules)\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(pct(t), ms(t), k);
}
