// Precompression: brotli q11 and gzip 9 (mtime 0) on zlib's async API, which runs on libuv's
// thread pool, so several files compress at once on every core. A variant is kept only when it is
// at most 95% of the original. Content seen before is taken from the previous root (linked, not read), not recompressed.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import compressible from 'compressible';
import { lookup } from 'mime-types';
import { ENCODING_SUFFIX, type EncodingName } from '../contract/encodings.js';
import type { CompressionCache } from './compress-cache.js';
import type { Manifest } from '../contract/manifest.js';

/** A variant is kept only when `compressed <= original * KEEP_RATIO`. */
const KEEP_RATIO = 0.95;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const z = zlib as unknown as Record<string, unknown>;

/** Compressible by type (`compressible` over `mime-types`): text, JSON, SVG, fonts like TTF; not PNG or WOFF2. */
export function isCompressible(name: string): boolean {
  const type = lookup(name);
  return typeof type === 'string' && compressible(type) === true;
}

/** Text-like types get brotli's text mode. */
export function isTextual(name: string): boolean {
  return /^text\/|json|xml|javascript|svg/.test(String(lookup(name)));
}

export async function compressWith(encoding: EncodingName, data: Buffer, textual: boolean): Promise<Buffer> {
  switch (encoding) {
    case 'br':
      return brotli(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_MODE]: textual ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      });
    case 'gzip':
      // Node's gzip header carries mtime 0 and no file name, so equal input gives equal bytes.
      return gzip(data, { level: 9 });
    case 'zstd': {
      const zstd = promisify(z.zstdCompress as (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void);
      const consts = zlib.constants as unknown as Record<string, number>;
      return zstd(data, { params: { [consts.ZSTD_c_compressionLevel]: 19 } });
    }
  }
}

/** Where earlier compression output can be found: the previous root, its manifest and its record of rejects. */
export interface PreviousOutput {
  root: string;
  manifest: Manifest | undefined;
  /** content digest → encodings that were tried and not kept (over 95%). */
  rejected: Record<string, EncodingName[]>;
}

export interface CompressJob {
  /** Digest of `data`; the cache key. */
  hash: string;
  data: Buffer;
  name: string;
}

/**
 * A kept variant: bytes compressed by this run, or a file of the previous root taken over as it is
 * (`from`, with its modification time, so the writer can link it instead of copying bytes).
 */
export type Variant =
  | { readonly size: number; readonly data: Buffer; readonly from?: undefined }
  | { readonly size: number; readonly data?: undefined; readonly from: string; readonly mtimeMs: number };

export interface CompressResult {
  /** content digest → kept variants. */
  variants: Map<string, Partial<Record<EncodingName, Variant>>>;
  /** content digest → encodings tried and not kept. */
  rejected: Record<string, EncodingName[]>;
  compressed: number;
  /** Variants taken from the previous root. */
  reused: number;
  /** Variants (or known rejects) taken from the persistent compression cache. */
  cached: number;
}

/** Compresses each distinct content once per encoding, taking what it can from the previous output. */
export async function compressAll(
  jobs: CompressJob[],
  encodings: readonly EncodingName[],
  previous: PreviousOutput,
  cache: CompressionCache | undefined,
  onDone: (done: number, total: number, name: string) => void,
): Promise<CompressResult> {
  const variants = new Map<string, Partial<Record<EncodingName, Variant>>>();
  const rejected: Record<string, EncodingName[]> = Object.create(null);
  const unique = new Map<string, CompressJob>();
  for (const job of jobs) if (!unique.has(job.hash)) unique.set(job.hash, job);
  const prevByHash = new Map<string, string>();
  if (previous.manifest) for (const [name, f] of Object.entries(previous.manifest.files)) if (!prevByHash.has(f.hash)) prevByHash.set(f.hash, name);

  let compressed = 0;
  let reused = 0;
  let cached = 0;
  let done = 0;
  const tasks: Array<() => Promise<void>> = [];
  // Largest first keeps every core busy to the end instead of waiting on one big file.
  for (const job of [...unique.values()].sort((a, b) => b.data.length - a.data.length)) {
    variants.set(job.hash, {});
    const textual = isTextual(job.name);
    for (const enc of encodings) {
      tasks.push(async () => {
        // The previous root first (linked, not even read), then the persistent cache, then zlib.
        const old = fromPrevious(job, enc, previous, prevByHash);
        let out: Variant | null | undefined = old;
        if (old) reused++;
        else if (old === undefined) {
          const key = { hash: job.hash, encoding: enc, textual };
          const hit = cache?.get(key);
          if (hit !== undefined) {
            cached++;
            out = hit === 'rejected' ? null : { size: hit.length, data: hit };
          } else {
            const data = await compressWith(enc, job.data, textual);
            compressed++;
            out = data.length > job.data.length * KEEP_RATIO ? null : { size: data.length, data };
            cache?.put(key, out === null ? 'rejected' : data);
          }
        }
        if (out) variants.get(job.hash)![enc] = out;
        else (rejected[job.hash] ??= []).push(enc);
        onDone(++done, tasks.length, job.name);
      });
    }
  }
  // One lane more than cores: a lane's hand-back to this thread leaves no core idle meanwhile
  // (2 cores: 1.6 → 1.95 busy). libuv's pool (4 threads by default) bounds it anyway.
  await runPool(tasks, availableParallelism() + 1);
  for (const list of Object.values(rejected)) list.sort();
  return { variants, rejected, compressed, reused, cached };
}

/**
 * The variant from the previous root: found when it is the file that collect wrote there, `null` when
 * it was tried and rejected before, `undefined` when unknown (compress it).
 *
 * The check is by `stat`, not by reading: collect gives a variant the modification time of the file
 * it belongs to, and the manifest records its size. A variant rewritten since (truncated, replaced,
 * edited in place) gets a new modification time and is compressed again rather than served; so is one
 * whose file changed. Reading, decompressing and hashing every variant cost more than the rest of a
 * rerun together.
 */
function fromPrevious(job: CompressJob, enc: EncodingName, previous: PreviousOutput, prevByHash: Map<string, string>): Variant | null | undefined {
  if (previous.rejected[job.hash]?.includes(enc)) return null;
  const name = prevByHash.get(job.hash);
  if (name === undefined) return undefined;
  const entry = previous.manifest!.files[name];
  const size = entry.encodings[enc];
  if (size === undefined) return undefined;
  const from = join(previous.root, name + ENCODING_SUFFIX[enc]);
  const variant = statSync(from, { throwIfNoEntry: false });
  const base = statSync(join(previous.root, name), { throwIfNoEntry: false });
  if (!variant?.isFile() || !base?.isFile() || variant.size !== size || base.size !== entry.size || !sameTime(variant.mtimeMs, base.mtimeMs)) return undefined;
  return { size, from, mtimeMs: variant.mtimeMs };
}

/**
 * Modification times that collect set from the same millisecond `Date` (the conversion to seconds and
 * back leaves nanosecond noise, so exact float equality is not the test).
 */
export function sameTime(aMs: number, bMs: number): boolean {
  return Math.abs(aMs - bMs) < 0.001;
}

async function runPool(tasks: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane));
}
