// One collect run in its own process (so its wall time includes start-up, like collectstatic's):
//   node bench/collect-child.js <source dir> <out dir> [--cache-dir DIR|none]
// Prints one JSON line: collect's summary, this process's CPU time (all threads) and when each
// phase began (ms since the process started), so the runner can tell compression from the rest.
// BENCH_DIST (set by run.js) points at a snapshot of dist/esm; without it, ../dist/esm.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now(); // process start → this line: Node's own start-up
const [src, out, ...rest] = process.argv.slice(2);
let cacheDir = false;
for (let i = 0; i < rest.length; i++) if (rest[i] === '--cache-dir') cacheDir = rest[++i] === 'none' ? false : rest[i];
const dist = process.env.BENCH_DIST ? pathToFileURL(join(process.env.BENCH_DIST, 'index.js')).href : '../dist/esm/index.js';
const { collect } = await import(dist);
const phases = { import: performance.now() };
const summary = await collect({
  sources: [src],
  out,
  cacheDir,
  onEvent: (e) => {
    if (e.type === 'phase') phases[e.phase] ??= performance.now();
  },
});
phases.end = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ...summary, bootMs, phases, cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000 }) + '\n');
