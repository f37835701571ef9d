// Source directories, as collect reads them and as development mode serves them: one
// definition of a source, of its prefix, and of what is ignored in it.
import { isAbsolute, resolve } from 'node:path';
import { optionError } from '../errors.js';
import { compileGlob, DEFAULT_IGNORE } from './glob.js';

/** A source directory, optionally collected under a sub-path (`{ dir: 'vendor/static', prefix: 'vendor' }`). */
export type SourceSpec = string | { dir: string; prefix?: string; strict?: boolean };

export interface NormalizedSource {
  readonly dir: string;
  /** Destination sub-path with no leading or trailing slash; `''` for the root. */
  readonly prefix: string;
  /** As the user wrote it, for messages. */
  readonly given: string;
  /** Collect's `strict` for this source's files (a vendored tree: `false`); undefined: the global option. */
  readonly strict: boolean | undefined;
}

/** Validates one source; `name` is how messages call it (`sources[0]`). Relative dirs resolve against `cwd`. */
export function normalizeSource(spec: SourceSpec, name: string, cwd: string): NormalizedSource {
  let dir: unknown;
  let prefix: unknown = '';
  let strict: unknown;
  if (typeof spec === 'string') dir = spec;
  else if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    dir = spec.dir;
    prefix = spec.prefix ?? '';
    strict = spec.strict;
    for (const key of Object.keys(spec))
      if (key !== 'dir' && key !== 'prefix' && key !== 'strict') throw optionError(`${name}.${key}`, 'absent (a source takes "dir", "prefix" and "strict")', (spec as Record<string, unknown>)[key]);
  } else throw optionError(name, 'a directory path or { dir, prefix }', spec);
  if (typeof dir !== 'string' || dir === '') throw optionError(`${name}.dir`, 'a directory path', dir);
  if (typeof prefix !== 'string') throw optionError(`${name}.prefix`, 'a relative path such as "vendor"', prefix);
  if (strict !== undefined && typeof strict !== 'boolean') throw optionError(`${name}.strict`, 'a boolean', strict);
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed !== '' && trimmed.split('/').some((seg) => seg === '' || seg === '.' || seg === '..' || seg.includes('\\') || seg.includes('\0'))) {
    throw optionError(`${name}.prefix`, 'a relative path without "." or ".." segments', prefix);
  }
  return Object.freeze({ dir: isAbsolute(dir) ? resolve(dir) : resolve(cwd, dir), prefix: trimmed, given: dir, strict: strict as boolean | undefined });
}

/** Compiles the `ignore` globs; errors name the option. */
export function compileIgnore(value: unknown): readonly RegExp[] {
  const list = value ?? [];
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p === '')) throw optionError('ignore', 'an array of glob patterns', value);
  return Object.freeze(list.map((p: string) => compileGlob(p)));
}

/** Whether one entry of a source is ignored: the defaults by its name, `extra` by its name or its path inside the source. */
export function ignored(base: string, relPath: string, extra: readonly RegExp[]): boolean {
  for (const re of DEFAULT_IGNORE) if (re.test(base)) return true;
  for (const re of extra) if (re.test(base) || re.test(relPath)) return true;
  return false;
}

/** Whether a path inside a source (`a/b/c.css`) would be skipped by the walk: any of its directories or the file itself ignored. */
export function ignoredPath(inner: string, extra: readonly RegExp[]): boolean {
  let start = 0;
  for (;;) {
    const slash = inner.indexOf('/', start);
    const end = slash < 0 ? inner.length : slash;
    if (ignored(inner.slice(start, end), inner.slice(0, end), extra)) return true;
    if (slash < 0) return false;
    start = slash + 1;
  }
}

/** Whether a served name (`vendor/x.css`) is ignored in the sources that could hold it, so no change to it matters. */
export function ignoredName(sources: readonly NormalizedSource[], name: string, extra: readonly RegExp[]): boolean {
  for (const source of sources) {
    if (source.prefix === '') return ignoredPath(name, extra);
    if (name.startsWith(`${source.prefix}/`)) return ignoredPath(name.slice(source.prefix.length + 1), extra);
  }
  return false;
}
