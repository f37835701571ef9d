// The compression floor of a collect: the CPU time brotli (quality 11, text mode where collect
// picks it) and gzip (level 9) alone need for exactly the bytes that collect compresses — the
// hashed outputs of compressible types, each distinct content once — with collect's own settings,
// on this Node's zlib and brotli. Run in its own process on the Node binary being measured:
//
//   node bench/floor-child.js <collected out> [--threads N] [--dist DIR]
//
// Reads `staticfiles.json` of the out, takes every hashed name whose type collect compresses,
// reads the files (not timed), then compresses them one after another on this thread, timing the
// CPU (process.cpuUsage) of the compress calls alone. With --threads N it also compresses the
// same jobs on N worker threads at once (largest first, pulled from a shared counter) and
// reports that wall time: what the cores deliver in parallel. Prints one JSON line.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

const C = zlib.constants;
const brotliOpts = (data, textual) => ({
  params: {
    [C.BROTLI_PARAM_QUALITY]: 11,
    [C.BROTLI_PARAM_MODE]: textual ? C.BROTLI_MODE_TEXT : C.BROTLI_MODE_GENERIC,
    [C.BROTLI_PARAM_SIZE_HINT]: data.length,
  },
});
const cpuMs = (u) => (u.user + u.system) / 1000;

if (isMainThread) {
  const argv = process.argv.slice(2);
  const out = argv[0];
  let threads = 0;
  let dist = new URL('../dist/esm/', import.meta.url).href;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--threads') threads = Number(argv[++i]);
    else if (argv[i] === '--dist') dist = pathToFileURL(argv[++i] + '/').href;
  }
  // collect's own rules for which types are compressed and which get brotli's text mode
  const { isCompressible, isTextual } = await import(new URL('collect/compress.js', dist).href);
  const manifest = JSON.parse(readFileSync(join(out, 'staticfiles.json'), 'utf8'));
  const seen = new Set();
  const jobs = [];
  for (const hashed of Object.values(manifest.paths)) {
    const entry = manifest.files[hashed];
    if (!isCompressible(hashed) || !entry || entry.size === 0 || seen.has(entry.hash)) continue;
    seen.add(entry.hash);
    const data = readFileSync(join(out, hashed));
    if (createHash('sha256').update(data).digest('hex') !== entry.hash) throw new Error(`${hashed}: bytes differ from the manifest's digest`);
    jobs.push({ name: hashed, data, textual: isTextual(hashed), kept: entry.encodings ?? {} });
  }
  jobs.sort((a, b) => b.data.length - a.data.length);

  // one thread: the CPU time of the compress calls alone
  let br = 0;
  let gz = 0;
  let brBytes = 0;
  let gzBytes = 0;
  let sameAsCollect = 0;
  let compared = 0;
  const wall0 = performance.now();
  for (const j of jobs) {
    const a = process.cpuUsage();
    const b = zlib.brotliCompressSync(j.data, brotliOpts(j.data, j.textual));
    const m = process.cpuUsage();
    const g = zlib.gzipSync(j.data, { level: 9 });
    const e = process.cpuUsage();
    br += cpuMs({ user: m.user - a.user, system: m.system - a.system });
    gz += cpuMs({ user: e.user - m.user, system: e.system - m.system });
    brBytes += b.length;
    gzBytes += g.length;
    // collect keeps a variant only when it is ≤ 95 %: where it kept one, the sizes must agree
    for (const [enc, size] of [['br', b.length], ['gzip', g.length]]) {
      if (j.kept[enc] === undefined) continue;
      compared++;
      if (j.kept[enc] === size) sameAsCollect++;
    }
  }
  const wallMs = performance.now() - wall0;

  let parallel;
  if (threads > 0) {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const payload = jobs.map((j) => ({ data: j.data, textual: j.textual }));
    const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { jobs: payload, counter, ready } }));
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r)))); // each has its copy of the jobs
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const done = Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    })));
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
    await done;
    parallel = { threads, wallMs: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)) };
    await Promise.all(workers.map((w) => w.terminate()));
  }
  process.stdout.write(JSON.stringify({
    node: process.version,
    zlib: process.versions.zlib,
    brotli: process.versions.brotli,
    contents: jobs.length,
    bytes: jobs.reduce((s, j) => s + j.data.length, 0),
    textual: jobs.filter((j) => j.textual).length,
    brCpuMs: br,
    gzCpuMs: gz,
    cpuMs: br + gz,
    wallMs,
    brBytes,
    gzBytes,
    sameAsCollect,
    compared,
    parallel,
  }) + '\n');
} else {
  const { jobs, counter, ready } = workerData;
  parentPort.postMessage('loaded');
  Atomics.wait(ready, 0, 0);
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= jobs.length) break;
    const { data, textual } = jobs[i];
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    zlib.brotliCompressSync(buf, brotliOpts(buf, textual));
    zlib.gzipSync(buf, { level: 9 });
  }
  parentPort.postMessage('done');
}
