// Development mode serves sources as they are; this reports, per file, the references that
// a strict collect would refuse, so the deploy-time error shows up at edit time. Finding,
// resolving, judging and wording are collect's own (`collect/references.ts`).
import { optionError } from '../errors.js';
import { findReferences, isSourceMap, judge, kindOf, missingMessage } from '../collect/references.js';
import { lineColumn } from '../collect/refs.js';

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
 * A missing source map is never reported: it does not break the page, and collect only warns about it.
 * `text` should be decoded as collect decodes it (UTF-8, a BOM kept) so that columns match.
 */
export async function missingReferences(name: string, text: string, prefix: string, exists: (name: string) => boolean): Promise<MissingReference[]> {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw optionError('prefix', 'a normalised URL path such as "/static/"', prefix);
  const kind = kindOf(name);
  if (kind === undefined || kind === 'map') return [];
  const { refs } = await findReferences(kind, text);
  const missing: MissingReference[] = [];
  for (const ref of refs) {
    if (isSourceMap(ref)) continue;
    const j = judge(ref, name, prefix, exists);
    if (j.kind !== 'missing' || !j.fatal) continue;
    const { line, column } = lineColumn(text, ref.start);
    missing.push({ line, column, reference: ref.value, message: missingMessage(name, text, ref, j.why) });
  }
  return missing;
}
