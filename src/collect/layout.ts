// Collect's layout of the new root: each file under its hashed name (and, with
// keepOriginals, under its own name with the same final bytes, so each file is one content
// compressed once), its kept variants, the files carried over from the previous root, and
// the manifest that describes them all.
import { ENCODING_SUFFIX, type EncodingName } from '../contract/encodings.js';
import { MANIFEST_NAME, MANIFEST_VERSION, serializeManifest, type Manifest, type ManifestFile } from '../contract/manifest.js';
import { integrityOf } from '../contract/names.js';
import { StaticOriginError } from '../errors.js';
import { CACHE_NAME, carriedNames, serializeCache, unchangedInPrevious, type Previous } from './carry-over.js';
import { sameTime, type CompressResult } from './compress.js';
import type { NormalizedOptions } from './options.js';
import type { CollectedFile } from './record.js';
import type { OutputFile, WrittenFile } from './write.js';

export type Output = WrittenFile & { readonly hash: string };

export interface EncodingTotals {
  /** Files that got this variant. */
  files: number;
  /** Their size before compression. */
  bytesBefore: number;
  /** The variants' total size. */
  bytesAfter: number;
}

export interface Layout {
  readonly toWrite: OutputFile[];
  readonly carried: string[];
  readonly manifest: Manifest;
  readonly totals: Partial<Record<EncodingName, EncodingTotals>>;
}

/** Every name this collect writes, with its final bytes; two different contents for one name is an error. */
export function outputsOf(files: ReadonlyMap<string, CollectedFile>, keepOriginals: boolean): Map<string, Output> {
  const outputs = new Map<string, Output>();
  const put = (name: string, file: CollectedFile): void => {
    const { data, hash } = file.final!;
    const had = outputs.get(name);
    if (had && had.hash !== hash)
      throw new StaticOriginError('ERR_STATIC_ORIGIN_SOURCE', `static-origin: two different files would be written as "${name}"; a source file already carries a hashed-looking name. Rename it.`);
    outputs.set(name, { name, data, hash, mtime: file.found.mtime });
  };
  for (const [name, file] of files) {
    put(file.final!.hashed, file);
    if (keepOriginals) put(name, file);
  }
  return outputs;
}

export function layOut(
  files: ReadonlyMap<string, CollectedFile>,
  outputs: ReadonlyMap<string, Output>,
  compression: CompressResult,
  previous: Previous,
  opts: NormalizedOptions,
  warn: (message: string) => void,
): Layout {
  const manifest: Manifest = { version: MANIFEST_VERSION, paths: Object.create(null), files: Object.create(null) };
  for (const [name, file] of files) manifest.paths[name] = file.final!.hashed;
  const toWrite: OutputFile[] = [];
  const totals: Partial<Record<EncodingName, EncodingTotals>> = {};
  const integrities = new Map<string, string>();
  for (const o of [...outputs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    let integrity = integrities.get(o.hash);
    if (integrity === undefined) integrities.set(o.hash, (integrity = integrityOf(o.data)));
    const entry: ManifestFile = { size: o.data.length, hash: o.hash, integrity, encodings: {} };
    const same = unchangedInPrevious(previous, o);
    toWrite.push(same ? { name: o.name, from: same } : o);
    for (const enc of opts.encodings) {
      const v = compression.variants.get(o.hash)?.[enc];
      if (!v) continue;
      const vname = o.name + ENCODING_SUFFIX[enc];
      if (outputs.has(vname)) {
        warn(`not writing ${vname}: a collected file has that name, so the ${enc} variant of ${o.name} is left out`);
        continue;
      }
      // A reused variant is linked when it already has its file's time, else copied and given it.
      if (v.data) toWrite.push({ name: vname, data: v.data, mtime: o.mtime });
      else toWrite.push({ name: vname, from: v.from, mtime: sameTime(v.mtimeMs, o.mtime.getTime()) ? undefined : o.mtime });
      entry.encodings[enc] = v.size;
      const t = (totals[enc] ??= { files: 0, bytesBefore: 0, bytesAfter: 0 });
      t.files++;
      t.bytesBefore += o.data.length;
      t.bytesAfter += v.size;
    }
    manifest.files[o.name] = entry;
  }

  // Files of earlier collects stay until `clear`: a page cached during a rolling deploy still asks for them.
  const carried = opts.clear ? [] : carriedNames(previous, new Set(toWrite.map((f) => f.name)), outputs);
  for (const name of carried) {
    const entry = previous.manifest?.files[name];
    if (entry) manifest.files[name] = entry;
  }

  const keptRejects: Record<string, EncodingName[]> = {};
  for (const o of outputs.values()) if (compression.rejected[o.hash]) keptRejects[o.hash] = compression.rejected[o.hash];
  const now = new Date();
  toWrite.push({ name: CACHE_NAME, data: Buffer.from(serializeCache(keptRejects)), mtime: now });
  toWrite.push({ name: MANIFEST_NAME, data: Buffer.from(serializeManifest(manifest)), mtime: now });
  return { toWrite, carried, manifest, totals };
}
