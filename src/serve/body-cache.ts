// The byte budget of file bodies kept in memory. Bytes are reserved before a read starts
// and given back when the read fails, when its body is not kept, or when a body is dropped
// (its file re-indexed), so concurrent cold requests cannot overshoot `maxBytes`.
import type { Variant } from './entry.js';

export interface BodyCache {
  /** Bytes held by bodies and by reads in flight that may become bodies. */
  used: number;
  readonly maxBytes: number;
  readonly maxFileBytes: number;
}

export function createBodyCache(limits: { readonly maxBytes: number; readonly maxFileBytes: number }): BodyCache {
  return { used: 0, maxBytes: limits.maxBytes, maxFileBytes: limits.maxFileBytes };
}

/** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
export function reserve(cache: BodyCache, bytes: number): boolean {
  if (cache.used + bytes > cache.maxBytes) return false;
  cache.used += bytes;
  return true;
}

export function release(cache: BodyCache, bytes: number): void {
  cache.used -= bytes;
}

/** A variant leaves the index: its body's bytes go back, and a read in flight will not keep one. */
export function retire(cache: BodyCache, variant: Variant): void {
  variant.retired = true;
  if (variant.body !== undefined) {
    release(cache, variant.body.length);
    variant.body = undefined;
  }
}
