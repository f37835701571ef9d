// collect(): find → references → order, hash and rewrite → compress → write, over one
// record per file, with what the previous root holds carried over. Each step is a module
// named for it; this function only runs them in turn.
import { performance } from 'node:perf_hooks';
import type { EncodingName } from '../contract/encodings.js';
import { readPrevious } from './carry-over.js';
import { openCompressionCache } from './compress-cache.js';
import { compressAll, isCompressible, type CompressResult } from './compress.js';
import { checkLayout, findFiles, readFound, type Duplicate } from './find.js';
import { hashAll } from './hash.js';
import { layOut, outputsOf, type EncodingTotals } from './layout.js';
import { normalizeOptions, type CollectOptions } from './options.js';
import type { CollectedFile } from './record.js';
import { kindOf, resolveAll } from './references.js';
import { recoverInterrupted, writeRoot } from './write.js';

export type { CollectOptions, SourceSpec, CollectEvent } from './options.js';
export type { Duplicate } from './find.js';
export type { EncodingTotals } from './layout.js';
export { CACHE_NAME } from './carry-over.js';

export interface CollectSummary {
  /** The absolute output directory. */
  out: string;
  dryRun: boolean;
  /** Source files collected (after ignores and duplicates). */
  files: number;
  /** Files this run put in the root: hashed copies, originals and compressed variants; the manifest excluded. */
  written: number;
  /** Files of earlier collects carried over (hashed names a cached page may still ask for). */
  carried: number;
  /** Later files with the same destination as an earlier one; not collected. */
  duplicates: Duplicate[];
  /** Total size of the hashed files. */
  bytes: number;
  encodings: Partial<Record<EncodingName, EncodingTotals>>;
  /** Compressions run by this collect. */
  compressed: number;
  /** Variants taken from the previous root instead of compressed again. */
  reused: number;
  /** Variants (and known rejects) taken from the persistent compression cache (`cacheDir`). */
  cached: number;
  warnings: string[];
  /** Wall time in milliseconds. */
  timeMs: number;
}

export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const started = performance.now();
  const opts = normalizeOptions(options);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    opts.onEvent({ type: 'warning', message });
  };

  checkLayout(opts);
  if (!opts.dryRun) await recoverInterrupted(opts.out);

  // Find (and read), one record per destination name, in sorted order.
  opts.onEvent({ type: 'phase', phase: 'find', total: opts.sources.length });
  const { files: found, duplicates } = await findFiles(opts, warn);
  for (const d of duplicates) warn(`found another file with the destination path "${d.name}": ${d.ignored} is ignored, ${d.kept} is collected`);
  opts.onEvent({ type: 'phase', phase: 'hash', total: found.length });
  const files = new Map<string, CollectedFile>();
  for (const f of found) {
    files.set(f.name, { found: f, data: readFound(f), kind: kindOf(f.name), alreadyHashed: opts.alreadyHashed(f.name), links: [], deps: new Set() });
    opts.onEvent({ type: 'progress', phase: 'hash', done: files.size, total: found.length, name: f.name });
  }

  // References, then hash and rewrite in dependency order.
  await resolveAll(files, opts.prefix, warn);
  hashAll(files);
  const outputs = outputsOf(files, opts.keepOriginals);

  // Compress each distinct content once, taking what the previous root already has.
  const previous = await readPrevious(opts.out, warn);
  let compression: CompressResult = { variants: new Map(), rejected: Object.create(null), compressed: 0, reused: 0, cached: 0 };
  if (opts.encodings.length && !opts.dryRun) {
    const jobs = [...outputs.values()].filter((o) => o.data.length > 0 && isCompressible(o.name)).map((o) => ({ hash: o.hash, data: o.data, name: o.name }));
    opts.onEvent({ type: 'phase', phase: 'compress', total: jobs.length * opts.encodings.length });
    const cache = opts.cacheDir === false ? undefined : openCompressionCache(opts.cacheDir, opts.cacheMaxBytes);
    compression = await compressAll(jobs, opts.encodings, previous, cache, (done, total, name) => opts.onEvent({ type: 'progress', phase: 'compress', done, total, name }));
    cache?.close();
  }

  // Write the new root beside the old one and swap it in.
  const layout = layOut(files, outputs, compression, previous, opts, warn);
  if (!opts.dryRun) {
    opts.onEvent({ type: 'phase', phase: 'write', total: layout.toWrite.length + layout.carried.length });
    await writeRoot(opts.out, layout.toWrite, layout.carried, (done, total, name) => opts.onEvent({ type: 'progress', phase: 'write', done, total, name }));
  }

  let bytes = 0;
  for (const file of files.values()) bytes += file.final!.data.length;
  return {
    out: opts.out,
    dryRun: opts.dryRun,
    files: files.size,
    written: layout.toWrite.length - 2,
    carried: layout.carried.length,
    duplicates,
    bytes,
    encodings: layout.totals,
    compressed: compression.compressed,
    reused: compression.reused,
    cached: compression.cached,
    warnings,
    timeMs: Math.round(performance.now() - started),
  };
}
