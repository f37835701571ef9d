// static-origin as built by `npm run build` (dist/esm), with its production defaults spelt out:
// hashed names from the manifest are immutable, br/gzip siblings negotiated, bodies under
// 1 MiB kept in memory (filled lazily, 64 MiB in all), larger files streamed from disk.
// `maxFileBytes` raises the per-file limit (the `-mem` servers: 8 MiB, so the 5 MB file too).
// BENCH_DIST (set by run.js) points at a snapshot of dist/esm taken when the run started, so a
// build by someone else during a long run does not change what is measured half-way.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BENCH_DIST ? pathToFileURL(join(process.env.BENCH_DIST, 'index.js')).href : '../../dist/esm/index.js';
const { staticOrigin } = await import(dist);

export const makeStaticOrigin = (root, prefix = '/static/', maxFileBytes = 1024 * 1024) =>
  staticOrigin({ root, prefix, memoryCache: { maxBytes: 64 * 1024 * 1024, maxFileBytes } });

export const BIG_IN_MEMORY = 8 * 1024 * 1024;
