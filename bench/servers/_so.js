// static-origin as built by `npm run build` (dist/esm), with its production defaults spelt out:
// hashed names from the manifest are immutable, br/gzip siblings negotiated, bodies under
// 1 MiB kept in memory (filled lazily, 64 MiB in all), larger files streamed from disk.
// `maxFileBytes` raises the per-file limit (the `-mem` servers: 8 MiB, so the 5 MB file too).
import { staticOrigin } from '../../dist/esm/index.js';

export const makeStaticOrigin = (root, prefix = '/static/', maxFileBytes = 1024 * 1024) =>
  staticOrigin({ root, prefix, memoryCache: { maxBytes: 64 * 1024 * 1024, maxFileBytes } });

export const BIG_IN_MEMORY = 8 * 1024 * 1024;
