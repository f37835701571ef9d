// Development mode serves sources as they are; this reports, per file, the references that `collect`
// (strict) would refuse, so the deploy-time error shows up at edit time. Finding and resolving are
// collect's own (css-refs, js-refs, refs); only the "does this fail" glue is restated, see below.
import { optionError } from '../errors.js';
import { findCssRefs } from '../collect/css-refs.js';
import { findJsRefs } from '../collect/js-refs.js';
import { insideRoot, lineColumn, resolveReference, type Reference } from '../collect/refs.js';

/** One reference collect would refuse, with its place in the file (1-based line and column, as collect's own error reports them). */
export interface MissingReference {
  readonly line: number;
  readonly column: number;
  /** The reference as collect reads it (unescaped, query and fragment kept). */
  readonly reference: string;
  /** `css/app.css:3:14: the reference "missing.png" cannot be resolved: "css/missing.png" is not among the collected files` */
  readonly message: string;
}

/**
 * The references in `text` (the file served as `name`, relative to the served root, '/'-separated) that collect would refuse.
 * `exists(name)` tells whether a name relative to the served root exists (the caller looks it up in the dev sources;
 * it should answer as collect would: true for a file that would be collected, false for a directory or an ignored file).
 * `prefix` is the URL prefix ('/static/', normalised as the options do), used as collect uses it to resolve absolute references.
 * Only CSS (`.css`) and JavaScript modules (`.js`, `.mjs`) are inspected; anything else returns [].
 * `text` should be decoded as collect decodes it (UTF-8, a BOM kept) so that columns match.
 */
export async function missingReferences(name: string, text: string, prefix: string, exists: (name: string) => boolean): Promise<MissingReference[]> {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw optionError('prefix', 'a normalised URL path such as "/static/"', prefix);
  const refs = await referencesOf(name, text);
  const missing: MissingReference[] = [];
  for (const ref of refs) {
    // Comment contexts are only ever source-map comments. A missing .map is left out on purpose:
    // it must not be what stops a developer, whatever the deploy does with it.
    if (ref.context === 'css-comment' || ref.context === 'js-comment') continue;
    const r = resolveReference(ref.value, name, prefix, ref.kind);
    if (r.skip) continue;
    // The same test and wording as collect's hashAll() (src/collect/index.ts), without its "did you
    // mean" hint, which needs the list of every collected name.
    const inside = insideRoot(r.target);
    if (inside && exists(r.target)) continue;
    const { line, column } = lineColumn(text, ref.start);
    const where = inside ? `"${r.target}" is not among the collected files` : 'it points outside the collected root';
    missing.push({ line, column, reference: ref.value, message: `${name}:${line}:${column}: the reference "${ref.value}" cannot be resolved: ${where}` });
  }
  return missing;
}

/**
 * The references collect reads in this file, chosen by extension as collect's kindOf() does. For JS,
 * a file that cannot be lexed and dynamic imports built at run time are only warnings in collect.
 */
async function referencesOf(name: string, text: string): Promise<Reference[]> {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  if (ext === 'css') return findCssRefs(text);
  if (ext === 'js' || ext === 'mjs') return (await findJsRefs(text)).refs;
  return [];
}
