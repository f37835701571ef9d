// The byte budget of file bodies kept in memory, owned by the index. Bytes are reserved
// before a read starts and given back when the read fails, when its body is not kept, or
// when a body is dropped (evicted, or its file re-indexed), so concurrent cold requests
// cannot overshoot `maxBytes`. Only this module sets or clears `Variant.body`.
import type { Variant } from './entry.js';

export interface BodyCache {
  /** Bytes held by bodies and by reads in flight that may become bodies. */
  used: number;
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  /** Variants holding a body, oldest first: the eviction order. */
  readonly held: Set<Variant>;
}

export function createBodyCache(limits: { readonly maxBytes: number; readonly maxFileBytes: number }): BodyCache {
  return { used: 0, maxBytes: limits.maxBytes, maxFileBytes: limits.maxFileBytes, held: new Set() };
}

/**
 * Takes `bytes` from the budget, evicting the oldest bodies to make room; false (and
 * nothing taken) when a body of this size is not kept at all.
 */
export function reserve(cache: BodyCache, bytes: number): boolean {
  if (bytes > cache.maxFileBytes || bytes > cache.maxBytes) return false;
  if (cache.used + bytes > cache.maxBytes) {
    for (const variant of cache.held) {
      drop(cache, variant);
      if (cache.used + bytes <= cache.maxBytes) break;
    }
    // What is left is reads in flight: they are not evicted.
    if (cache.used + bytes > cache.maxBytes) return false;
  }
  cache.used += bytes;
  return true;
}

export function release(cache: BodyCache, bytes: number): void {
  cache.used -= bytes;
}

/** A reserved read finished: the variant keeps the bytes if it is still in the index and has none, else they go back. */
export function keep(cache: BodyCache, variant: Variant, bytes: Buffer): void {
  if (variant.body !== undefined || variant.retired || bytes.length !== variant.size) {
    release(cache, bytes.length);
    return;
  }
  variant.body = bytes;
  cache.held.add(variant);
}

/** A variant leaves the index: its body's bytes go back, and a read in flight will not keep one. */
export function retire(cache: BodyCache, variant: Variant): void {
  variant.retired = true;
  drop(cache, variant);
}

function drop(cache: BodyCache, variant: Variant): void {
  if (variant.body === undefined) return;
  release(cache, variant.body.length);
  variant.body = undefined;
  cache.held.delete(variant);
}
