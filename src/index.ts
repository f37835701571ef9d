// Public entry point: re-exports, and `collect` loaded on its first call, so an app that only
// serves never loads the build step (its JavaScript lexer, compression and file walking).
import type { CollectOptions, CollectSummary } from './collect/index.js';

export { staticOrigin } from './serve/middleware.js';
export type { StaticOriginOptions, StaticOriginMiddleware, HeadersHook, StaticFileInfo, MemoryCacheOptions } from './serve/options.js';
export type { ImportMap, ImportMapSpecifiers } from './serve/import-map.js';
export type { CollectOptions, CollectSummary, SourceSpec } from './collect/index.js';
export { StaticOriginError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { Manifest, ManifestFile } from './contract/manifest.js';
export type { EncodingName } from './contract/encodings.js';

/** Collects, hashes, rewrites and precompresses static files into `options.out` (see the README). */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const build = await import('./collect/index.js');
  return build.collect(options);
}
