// static-origin as built by `npm run build` (dist/esm), with its production defaults spelt out:
// hashed names from the manifest are immutable, br/gzip siblings negotiated, bodies under
// 1 MiB kept in memory (filled lazily, 64 MiB in all), larger files streamed from disk.
import { staticOrigin } from '../../dist/esm/index.js';

export const makeStaticOrigin = (root, prefix = '/static/') =>
  staticOrigin({ root, prefix, memoryCache: { maxBytes: 64 * 1024 * 1024, maxFileBytes: 1024 * 1024 } });
