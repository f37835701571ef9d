// Import maps (importmap-rails' idea): every JavaScript module an index knows, by logical
// name, mapped to the URL `url()` gives it, with its Subresource Integrity value; bare
// specifiers added on request. Collect leaves `import 'lit'` alone (a bare specifier names no
// file), so the page's import map is what lets the browser find the hashed file.
// This module asks a `ModuleSource` and never knows which index answers.
import { describe } from '../errors.js';

export interface ImportMap {
  /** Logical name or bare specifier → URL, keys sorted. */
  readonly imports: Readonly<Record<string, string>>;
  /** URL → `sha384-…`, keys sorted. */
  readonly integrity: Readonly<Record<string, string>>;
}

/** Bare specifier → logical name: `{ lit: 'vendor/lit/index.js' }`. */
export type ImportMapSpecifiers = Readonly<Record<string, string>>;

/** One index, seen as `url()` and `integrity()` see it. */
export interface ModuleSource {
  /** Logical names of the JavaScript modules (see `isModuleName`). */
  modules(): Iterable<string>;
  url(name: string): string;
  integrity(name: string): string;
}

export interface ImportMaps {
  map(specifiers?: unknown): ImportMap;
  tag(specifiers?: unknown): string;
}

const MODULE_NAME = /\.m?js$/i;
/** Distinct `specifiers` contents remembered per index; templates pass a handful. */
const MAX_REMEMBERED = 64;
/** What could end the script element or open a comment in it, and the two line terminators old parsers choke on. */
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;

/** Whether a logical name is a JavaScript module an import map lists. */
export function isModuleName(name: string): boolean {
  return MODULE_NAME.test(name);
}

/** `specifiers` as [bare name, logical name] pairs in key order; a TypeError names a bad one. */
export function normalizeSpecifiers(value: unknown): Array<[string, string]> {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`static-origin: importMap(specifiers) takes an object { specifier: logicalName }; got ${describe(value)}`);
  }
  const pairs: Array<[string, string]> = [];
  for (const key of Object.keys(value).sort(byCodeUnits)) {
    const name = (value as Record<string, unknown>)[key];
    if (key === '') throw new TypeError('static-origin: importMap(specifiers): a specifier must not be empty');
    // A trailing slash maps a directory by URL prefix, which hashed names cannot follow.
    if (key.endsWith('/')) throw new TypeError(`static-origin: importMap(specifiers): the specifier ${JSON.stringify(key)} ends in "/"; map each module by its own name`);
    if (typeof name !== 'string') throw new TypeError(`static-origin: importMap(specifiers): the specifier ${JSON.stringify(key)} must map to a logical name (a string); got ${describe(name)}`);
    pairs.push([key, name]);
  }
  return pairs;
}

/**
 * Every module by its logical name, then each specifier (which replaces a logical name
 * spelled the same). Unknown logical names throw as `url()` does.
 */
export function buildImportMap(source: ModuleSource, specifiers: ReadonlyArray<readonly [string, string]>): ImportMap {
  const imports = new Map<string, string>();
  const integrity = new Map<string, string>();
  const add = (key: string, name: string): void => {
    const url = source.url(name);
    imports.set(key, url);
    if (!integrity.has(url)) integrity.set(url, source.integrity(name));
  };
  for (const name of source.modules()) add(name, name);
  for (const [specifier, name] of specifiers) add(specifier, name);
  return Object.freeze({ imports: sortedRecord(imports), integrity: sortedRecord(integrity) });
}

/** The `<script type="importmap">` element; no file name or specifier can end it early. */
export function importMapTag(map: ImportMap): string {
  const json = JSON.stringify({ imports: map.imports, integrity: map.integrity }).replace(UNSAFE_IN_SCRIPT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `<script type="importmap">${json}</script>`;
}

/**
 * The maps of one index. With `remember` (an index whose listing does not change: it is
 * replaced by `refresh()` instead), each distinct `specifiers` content is built once;
 * otherwise (development) every call asks the index again.
 */
export function createImportMaps(source: ModuleSource, remember: boolean): ImportMaps {
  const built = new Map<string, { map: ImportMap; tag?: string }>();

  function get(specifiers: unknown): { map: ImportMap; tag?: string } {
    const pairs = normalizeSpecifiers(specifiers);
    if (!remember) return { map: buildImportMap(source, pairs) };
    const key = JSON.stringify(pairs);
    let found = built.get(key);
    if (found === undefined) {
      found = { map: buildImportMap(source, pairs) };
      if (built.size >= MAX_REMEMBERED) built.delete(built.keys().next().value as string);
      built.set(key, found);
    }
    return found;
  }

  return {
    map: (specifiers) => get(specifiers).map,
    tag(specifiers) {
      const found = get(specifiers);
      return (found.tag ??= importMapTag(found.map));
    },
  };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A frozen record with sorted keys (`Object.fromEntries` defines `__proto__` as a plain key). */
function sortedRecord(map: Map<string, string>): Readonly<Record<string, string>> {
  return Object.freeze(Object.fromEntries([...map].sort((a, b) => byCodeUnits(a[0], b[0]))));
}
