// Collect's second step: the references in each CSS, JavaScript and source-map file, each
// resolved to a collected name, or judged. A reference that breaks the page when missing
// (CSS `url()`/`@import`, JS imports) fails a strict collect; a missing source map never
// does (vendored minified files often name a `.map` they do not ship): it is a warning and
// stays as written. Development mode asks the same questions of a file as it is served.
import { closestNames } from '../contract/names.js';
import { StaticOriginError } from '../errors.js';
import { findCssRefs } from './css-refs.js';
import { findJsRefs } from './js-refs.js';
import type { CollectedFile, Kind } from './record.js';

export type { Kind };
import { insideRoot, lineColumn, resolveReference, type Reference } from './refs.js';

/** Which files have references, by extension. */
export function kindOf(name: string): Kind | undefined {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  if (ext === 'css') return 'css';
  if (ext === 'js' || ext === 'mjs') return 'js';
  return ext === 'map' ? 'map' : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The file's text, strictly UTF-8 (a BOM kept, so offsets are the file's own); `where` names it in the error. */
export function decode(data: Uint8Array, kind: Kind, where: string): string {
  try {
    return utf8.decode(data);
  } catch (err) {
    throw new StaticOriginError(
      'ERR_STATIC_ORIGIN_CHARSET',
      `static-origin: ${where} is not valid UTF-8; collect rewrites references in ${kind.toUpperCase()} files and reads them as UTF-8. Re-save the file as UTF-8.`,
      { cause: err },
    );
  }
}

/** A source map: the comment naming a file's map, or a map's own `"file"` field naming what it maps. */
export function isSourceMap(ref: Reference): boolean {
  return ref.context === 'css-comment' || ref.context === 'js-comment' || ref.context === 'json-string';
}

/** What could not be read in a file: at an offset, or about the whole file. */
export interface Note {
  readonly offset: number | undefined;
  readonly note: string;
}

/** Every reference in the text, with notes on what could not be read. */
export async function findReferences(kind: Kind, text: string): Promise<{ refs: Reference[]; notes: Note[] }> {
  if (kind === 'css') return { refs: findCssRefs(text), notes: [] };
  if (kind === 'map') return { refs: mapFileField(text), notes: [] };
  const js = await findJsRefs(text);
  const notes: Note[] = js.unresolvable.map((u) => ({ offset: u.offset, note: `import(${u.text}) is built at run time and cannot be rewritten to a hashed name` }));
  if (js.parseError) notes.unshift({ offset: undefined, note: `could not be read as JavaScript (${js.parseError}); only its source-map comment is rewritten` });
  return { refs: js.refs, notes };
}

export type Judgement =
  | { readonly kind: 'link'; readonly target: string }
  | { readonly kind: 'skip' }
  /** Not collected: `why` says how; `fatal` when it breaks the page (strictness decides). */
  | { readonly kind: 'missing'; readonly target: string | undefined; readonly why: string; readonly fatal: boolean };

/** Resolves one reference of `referrer`; `exists` says whether a name is collected. */
export function judge(ref: Reference, referrer: string, prefix: string, exists: (name: string) => boolean): Judgement {
  const r = resolveReference(ref.value, referrer, prefix, ref.kind);
  if (r.skip) return { kind: 'skip' };
  const inside = insideRoot(r.target);
  if (inside && exists(r.target)) return { kind: 'link', target: r.target };
  // A map's "file" names what it was built from, often not shipped: nothing to say.
  if (ref.context === 'json-string') return { kind: 'skip' };
  return {
    kind: 'missing',
    target: inside ? r.target : undefined,
    why: inside ? `"${r.target}" is not among the collected files` : 'it points outside the collected root',
    fatal: !isSourceMap(ref),
  };
}

/** `where:line:column: the reference "x" cannot be resolved: why` — the same words at build time and in development. */
export function missingMessage(where: string, text: string, ref: Reference, why: string): string {
  const { line, column } = lineColumn(text, ref.start);
  return `${where}:${line}:${column}: the reference "${ref.value}" cannot be resolved: ${why}`;
}

/**
 * A source map's top-level `"file"` field (what the map describes), as a reference to
 * rewrite to the hashed name. Found with a small scan of the JSON text that tracks strings
 * and nesting, so a `"file"` inside `sections` or in a string is never taken.
 */
function mapFileField(text: string): Reference[] {
  let depth = 0;
  let expectKey = false;
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',') {
      expectKey = depth === 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i + 1, j);
      if (depth === 1 && expectKey) {
        lastKey = raw;
        expectKey = false;
      } else if (depth === 1 && lastKey === 'file') {
        let value: string;
        try {
          value = JSON.parse(`"${raw}"`) as string;
        } catch {
          return [];
        }
        return [{ start: i + 1, end: j, value, kind: 'url', context: 'json-string', quote: '"' }];
      } else {
        lastKey = undefined;
      }
      i = j;
    }
  }
  return [];
}

/**
 * The step: every file's references found and judged. Links and dependency edges go on
 * the records; a missing reference that breaks the page throws when its file's source is
 * strict, and every other problem is one warning.
 */
export async function resolveAll(files: ReadonlyMap<string, CollectedFile>, prefix: string, warn: (message: string) => void): Promise<void> {
  const exists = (name: string): boolean => files.has(name);
  for (const [name, file] of files) {
    if (file.kind === undefined) continue;
    const where = file.found.abs;
    const text = decode(file.data, file.kind, where);
    const { refs, notes } = await findReferences(file.kind, text);
    for (const { offset, note } of notes) {
      if (offset === undefined) warn(`${where}: ${note}`);
      else {
        const { line, column } = lineColumn(text, offset);
        warn(`${where}:${line}:${column}: ${note}`);
      }
    }
    for (const ref of refs) {
      const j = judge(ref, name, prefix, exists);
      if (j.kind === 'skip') continue;
      if (j.kind === 'link') {
        file.links.push({ ref, target: j.target });
        if (files.get(j.target)!.kind !== undefined) file.deps.add(j.target);
        continue;
      }
      const near = j.target === undefined ? [] : closestNames(j.target, files.keys(), 3);
      const hint = near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : '';
      const message = missingMessage(where, text, ref, j.why) + hint;
      if (j.fatal && file.found.strict) throw new StaticOriginError('ERR_STATIC_ORIGIN_MISSING_REFERENCE', `static-origin: ${message}`);
      warn(`${message} (left as written)`);
    }
    file.text = text;
  }
}
