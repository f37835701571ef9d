// Public entry point: re-exports only.
export { staticOrigin } from './serve/middleware.js';
export type { StaticOriginOptions, StaticOriginMiddleware, HeadersHook, StaticFileInfo, MemoryCacheOptions } from './serve/options.js';
export { collect } from './collect/index.js';
export type { CollectOptions, CollectSummary, SourceSpec } from './collect/index.js';
export { StaticOriginError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { Manifest, ManifestFile, EncodingName } from './manifest.js';
