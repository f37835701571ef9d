// collect(): find → read → find references → hash in dependency order → compress → write the root.
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StaticOriginError } from '../errors.js';
import { closestNames, ENCODING_SUFFIX, MANIFEST_NAME, MANIFEST_VERSION, readManifest, serializeManifest, type EncodingName, type Manifest, type ManifestFile } from '../manifest.js';
import { compressAll, isCompressible, sameTime, type PreviousOutput, type Variant } from './compress.js';
import { findJsRefs } from './js-refs.js';
import { findCssRefs } from './css-refs.js';
import { checkLayout, findFiles, type Duplicate, type FoundFile } from './find.js';
import { dependencyOrder } from './graph.js';
import { digest, hashedName, integrity, NAME_HASH_LENGTH } from './hash.js';
import { normalizeOptions, type CollectOptions, type NormalizedOptions } from './options.js';
import { encodeValue, insertHash, insideRoot, lineColumn, resolveReference, type Reference } from './refs.js';
import { listRoot, recoverInterrupted, writeRoot, type OutputFile, type WrittenFile } from './write.js';

export type { CollectOptions, SourceSpec, CollectEvent } from './options.js';
export type { Duplicate } from './find.js';

/** Remembers, per content digest, the encodings that were tried and not kept, so reruns skip them too. */
export const CACHE_NAME = '.static-origin-cache.json';

export interface EncodingTotals {
  /** Files that got this variant. */
  files: number;
  /** Their size before compression. */
  bytesBefore: number;
  /** The variants' total size. */
  bytesAfter: number;
}

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
  warnings: string[];
  /** Wall time in milliseconds. */
  timeMs: number;
}

interface Source {
  readonly file: FoundFile;
  readonly data: Buffer;
}

interface Link {
  readonly ref: Reference;
  readonly target: string;
}

interface Final {
  readonly data: Buffer;
  readonly hash: string;
  /** The 12 digits in the hashed name (shared by a cycle). */
  readonly nameHash: string;
  readonly hashed: string;
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

  opts.onEvent({ type: 'phase', phase: 'find', total: opts.sources.length });
  const { files: found, duplicates } = await findFiles(opts, warn);
  for (const d of duplicates) warn(`found another file with the destination path "${d.name}": ${d.ignored} is ignored, ${d.kept} is collected`);

  opts.onEvent({ type: 'phase', phase: 'hash', total: found.length });
  const sources = await readAll(found, opts);
  const finals = await hashAll(sources, opts, warn);

  // What goes in the root: every hashed copy, and under the original name the same final bytes (so
  // each file is one content, compressed once, whose references name immutable hashed files).
  const outputs = new Map<string, WrittenFile & { hash: string }>();
  const put = (name: string, data: Buffer, hash: string, mtime: Date) => {
    const had = outputs.get(name);
    if (had && had.hash !== hash) throw new StaticOriginError('ERR_STATIC_ORIGIN_SOURCE', `static-origin: two different files would be written as "${name}"; a source file already carries a hashed-looking name. Rename it.`);
    outputs.set(name, { name, data, hash, mtime });
  };
  for (const [name, src] of sources) {
    const fin = finals.get(name)!;
    put(fin.hashed, fin.data, fin.hash, src.file.mtime);
    if (opts.keepOriginals) put(name, fin.data, fin.hash, src.file.mtime);
  }

  const previous = await readPrevious(opts, warn);

  // Compress each distinct content once; a variant whose name is taken by a collected file is not written.
  const compressInput = [...outputs.values()].filter((o) => o.data.length > 0 && isCompressible(o.name));
  let variants = new Map<string, Partial<Record<EncodingName, Variant>>>();
  let rejected: Record<string, EncodingName[]> = Object.create(null);
  let compressed = 0;
  let reused = 0;
  if (opts.encodings.length && !opts.dryRun) {
    opts.onEvent({ type: 'phase', phase: 'compress', total: compressInput.length * opts.encodings.length });
    const result = await compressAll(compressInput.map((o) => ({ hash: o.hash, data: o.data, name: o.name })), opts.encodings, previous, (done, total, name) =>
      opts.onEvent({ type: 'progress', phase: 'compress', done, total, name }),
    );
    ({ variants, rejected, compressed, reused } = result);
  }

  const manifest: Manifest = { version: MANIFEST_VERSION, paths: Object.create(null), files: Object.create(null) };
  for (const [name] of sources) manifest.paths[name] = finals.get(name)!.hashed;
  const toWrite: OutputFile[] = [];
  const totals: Partial<Record<EncodingName, EncodingTotals>> = {};
  const integrityOf = memo((o: WrittenFile) => integrity(o.data));
  for (const o of [...outputs.values()].sort((a, b) => cmp(a.name, b.name))) {
    const entry: ManifestFile = { size: o.data.length, hash: o.hash, integrity: integrityOf(o.hash, o), encodings: {} };
    const same = unchangedInPrevious(previous, o);
    toWrite.push(same ? { name: o.name, from: same } : o);
    for (const enc of opts.encodings) {
      const v = variants.get(o.hash)?.[enc];
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
  const carried: string[] = [];
  if (!opts.clear && previous.names.length) {
    const writtenNames = new Set(toWrite.map((f) => f.name));
    for (const name of previous.names) {
      if (name === MANIFEST_NAME || name === CACHE_NAME || writtenNames.has(name) || isVariantOf(name, outputs)) continue;
      carried.push(name);
      const entry = previous.manifest?.files[name];
      if (entry) manifest.files[name] = entry;
    }
  }

  const keptRejects: Record<string, EncodingName[]> = {};
  for (const o of outputs.values()) if (rejected[o.hash]) keptRejects[o.hash] = rejected[o.hash];
  const now = new Date();
  toWrite.push({ name: CACHE_NAME, data: Buffer.from(serializeCache(keptRejects)), mtime: now });
  toWrite.push({ name: MANIFEST_NAME, data: Buffer.from(serializeManifest(manifest)), mtime: now });

  if (!opts.dryRun) {
    opts.onEvent({ type: 'phase', phase: 'write', total: toWrite.length + carried.length });
    await writeRoot(opts.out, toWrite, carried, () => {});
  }

  let bytes = 0;
  for (const f of finals.values()) bytes += f.data.length;
  return {
    out: opts.out,
    dryRun: opts.dryRun,
    files: sources.size,
    written: toWrite.length - 2,
    carried: carried.length,
    duplicates,
    bytes,
    encodings: totals,
    compressed,
    reused,
    warnings,
    timeMs: Math.round(performance.now() - started),
  };
}

/** Reads every source synchronously (a few thousand small files: the thread pool only adds hand-offs). */
async function readAll(found: FoundFile[], opts: NormalizedOptions): Promise<Map<string, Source>> {
  // `found` is in sorted destination order, which the map keeps.
  const out = new Map<string, Source>();
  let done = 0;
  for (const file of found) {
    let data: Buffer;
    try {
      data = readFileSync(file.abs);
    } catch (err) {
      throw new StaticOriginError('ERR_STATIC_ORIGIN_UNREADABLE', `static-origin: cannot read ${file.abs}: ${(err as Error).message}`, { cause: err });
    }
    out.set(file.name, { file, data });
    opts.onEvent({ type: 'progress', phase: 'hash', done: ++done, total: found.length, name: file.name });
  }
  return out;
}

type Kind = 'css' | 'js' | undefined;

function kindOf(name: string): Kind {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return ext === 'css' ? 'css' : ext === 'js' || ext === 'mjs' ? 'js' : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Finds references, then hashes every file so that referrers embed their dependencies' final names. */
async function hashAll(sources: Map<string, Source>, opts: NormalizedOptions, warn: (m: string) => void): Promise<Map<string, Final>> {
  const texts = new Map<string, string>();
  const links = new Map<string, Link[]>();
  const edges = new Map<string, Set<string>>();
  for (const [name, src] of sources) {
    const kind = kindOf(name);
    if (!kind) continue;
    let text: string;
    try {
      text = utf8.decode(src.data);
    } catch (err) {
      throw new StaticOriginError('ERR_STATIC_ORIGIN_CHARSET', `static-origin: ${src.file.abs} is not valid UTF-8; collect rewrites references in ${kind.toUpperCase()} files and reads them as UTF-8. Re-save the file as UTF-8.`, { cause: err });
    }
    let refs: Reference[];
    if (kind === 'css') refs = findCssRefs(text);
    else {
      const js = await findJsRefs(text);
      if (js.parseError) warn(`${src.file.abs}: could not be read as JavaScript (${js.parseError}); only its source-map comment is rewritten`);
      for (const u of js.unresolvable) {
        const { line, column } = lineColumn(text, u.offset);
        warn(`${src.file.abs}:${line}:${column}: import(${u.text}) is built at run time and cannot be rewritten to a hashed name`);
      }
      refs = js.refs;
    }
    const mine: Link[] = [];
    const deps = new Set<string>();
    for (const ref of refs) {
      const r = resolveReference(ref.value, name, opts.prefix, ref.kind);
      if (r.skip) continue;
      if (!insideRoot(r.target) || !sources.has(r.target)) {
        const { line, column } = lineColumn(text, ref.start);
        const near = insideRoot(r.target) ? closestNames(r.target, sources.keys(), 3) : [];
        const where = insideRoot(r.target) ? `"${r.target}" is not among the collected files` : 'it points outside the collected root';
        const hint = near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : '';
        const message = `${src.file.abs}:${line}:${column}: the reference "${ref.value}" cannot be resolved: ${where}${hint}`;
        if (opts.strict) throw new StaticOriginError('ERR_STATIC_ORIGIN_MISSING_REFERENCE', `static-origin: ${message}`);
        warn(`${message} (left as written)`);
        continue;
      }
      mine.push({ ref, target: r.target });
      if (kindOf(r.target)) deps.add(r.target);
    }
    texts.set(name, text);
    links.set(name, mine);
    edges.set(name, deps);
  }

  const finals = new Map<string, Final>();
  for (const [name, src] of sources) {
    if (texts.has(name)) continue;
    const hash = digest(src.data);
    finals.set(name, { data: src.data, hash, nameHash: hash.slice(0, NAME_HASH_LENGTH), hashed: hashedName(name, hash) });
  }

  const nameHashOf = (target: string) => finals.get(target)!.nameHash;
  for (const component of dependencyOrder(texts.keys(), edges)) {
    const cyclic = component.length > 1 || edges.get(component[0])!.has(component[0]);
    if (!cyclic) {
      const name = component[0];
      const data = rewriteOrKeep(sources.get(name)!.data, texts.get(name)!, name, links.get(name)!, nameHashOf);
      const hash = digest(data);
      finals.set(name, { data, hash, nameHash: hash.slice(0, NAME_HASH_LENGTH), hashed: hashedName(name, hash) });
      continue;
    }
    // A cycle has no fixed point, so its members share one hash: each member is hashed with the
    // references inside the cycle left as written, and those hashes are combined in name order.
    const members = new Set(component);
    const parts = component.map((name) => {
      const outside = links.get(name)!.filter((l) => !members.has(l.target));
      return `${name}\0${digest(rewrite(texts.get(name)!, name, outside, nameHashOf))}`;
    });
    const shared = digest(parts.join('\n')).slice(0, NAME_HASH_LENGTH);
    for (const name of component) finals.set(name, { data: Buffer.alloc(0), hash: '', nameHash: shared, hashed: hashedName(name, shared) });
    for (const name of component) {
      const data = Buffer.from(rewrite(texts.get(name)!, name, links.get(name)!, nameHashOf));
      finals.set(name, { data, hash: digest(data), nameHash: shared, hashed: hashedName(name, shared) });
    }
  }
  return finals;
}

function rewriteOrKeep(original: Buffer, text: string, name: string, links: Link[], nameHashOf: (t: string) => string): Buffer {
  if (links.length === 0) return original;
  return Buffer.from(rewrite(text, name, links, nameHashOf));
}

/** Replaces each linked reference's text with the hashed form, keeping everything around it as written. */
function rewrite(text: string, referrer: string, links: readonly Link[], nameHashOf: (t: string) => string): string {
  const sorted = [...links].sort((a, b) => a.ref.start - b.ref.start);
  let out = '';
  let at = 0;
  for (const { ref, target } of sorted) {
    const raw = text.slice(ref.start, ref.end);
    const hash = nameHashOf(target);
    const fresh = hashedValue(ref.value, referrer, target, hash);
    // With escapes in the written text, the hash goes into the text as written when the extension is
    // written plainly (`my\ image.png` → `my\ image.<h>.png`); otherwise the new value is escaped afresh.
    const written = raw !== ref.value && fresh === insertHash(ref.value, hash) && extension(raw) === extension(ref.value) ? insertHash(raw, hash) : encodeValue(ref, raw, fresh);
    out += text.slice(at, ref.start) + written;
    at = ref.end;
  }
  return out + text.slice(at);
}

function extension(value: string): string {
  const cut = value.search(/[?#]/);
  const path = cut < 0 ? value : value.slice(0, cut);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The written URL with the hash inserted; when its last segment does not name the target, a relative path. */
function hashedValue(value: string, referrer: string, target: string, hash: string): string {
  const cut = value.search(/[?#]/);
  const path = cut < 0 ? value : value.slice(0, cut);
  const last = path.slice(path.lastIndexOf('/') + 1);
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // keep as written
  }
  if (decoded === posix.basename(target)) return insertHash(value, hash);
  const rel = posix.relative(posix.dirname(referrer), hashedName(target, hash));
  return (rel.startsWith('.') ? rel : './' + rel) + (cut < 0 ? '' : value.slice(cut));
}

interface Previous extends PreviousOutput {
  names: string[];
}

async function readPrevious(opts: NormalizedOptions, warn: (m: string) => void): Promise<Previous> {
  const names = await listRoot(opts.out);
  let manifest: Manifest | undefined;
  try {
    manifest = names.length ? readManifest(opts.out) : undefined;
  } catch (err) {
    warn(`${(err as Error).message}; earlier compression output is not reused`);
  }
  let rejected: Record<string, EncodingName[]> = Object.create(null);
  if (manifest) {
    try {
      const data = JSON.parse(await fsp.readFile(`${opts.out}/${CACHE_NAME}`, 'utf8')) as { version?: unknown; rejected?: unknown };
      if (data.version === 1 && typeof data.rejected === 'object' && data.rejected) rejected = data.rejected as Record<string, EncodingName[]>;
    } catch {
      // No record of rejects: those encodings are simply tried again.
    }
  }
  return { root: opts.out, manifest, rejected, names };
}

/**
 * The previous root's file of the same name, when it holds exactly these bytes with this time: the
 * previous manifest gives it the same digest and size, and `stat` shows it untouched since (same size,
 * the time collect gave it). A rerun then links it instead of writing it again.
 */
function unchangedInPrevious(previous: Previous, o: WrittenFile & { hash: string }): string | undefined {
  const entry = previous.manifest?.files[o.name];
  if (!entry || entry.hash !== o.hash || entry.size !== o.data.length) return undefined;
  const path = join(previous.root, o.name);
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() && st.size === o.data.length && sameTime(st.mtimeMs, o.mtime.getTime()) ? path : undefined;
}

function serializeCache(rejected: Record<string, EncodingName[]>): string {
  const sorted: Record<string, EncodingName[]> = {};
  for (const k of Object.keys(rejected).sort()) sorted[k] = rejected[k];
  return JSON.stringify({ version: 1, rejected: sorted }) + '\n';
}

function isVariantOf(name: string, outputs: Map<string, unknown>): boolean {
  for (const suffix of Object.values(ENCODING_SUFFIX)) if (name.endsWith(suffix) && outputs.has(name.slice(0, -suffix.length))) return true;
  return false;
}

function memo<T>(fn: (o: T) => string): (key: string, o: T) => string {
  const cache = new Map<string, string>();
  return (key, o) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = fn(o)));
    return v;
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
