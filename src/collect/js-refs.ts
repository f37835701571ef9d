// JS references: module specifiers from es-module-lexer (a real tokenizer: strings, comments, regex
// literals and templates are understood), and the trailing `//# sourceMappingURL=` comment.
import { init, parse } from 'es-module-lexer';
import type { Reference } from './refs.js';

export interface JsRefs {
  refs: Reference[];
  /** Set when the file could not be lexed as JavaScript; only its source-map comment is then rewritten. */
  parseError?: string;
  /** Dynamic imports that cannot be rewritten, e.g. `import(\`./${x}.js\`)`. */
  unresolvable: Array<{ offset: number; text: string }>;
}

let ready: Promise<void> | undefined;

export async function findJsRefs(text: string): Promise<JsRefs> {
  await (ready ??= init());
  const refs: Reference[] = [];
  const unresolvable: JsRefs['unresolvable'] = [];
  let parseError: string | undefined;
  try {
    const [imports] = parse(text);
    for (const imp of imports) {
      if (imp.type === 'static' || imp.type === 'reexport-star') {
        refs.push({ start: imp.start, end: imp.end, value: imp.specifier, kind: 'module', context: 'js-string', quote: text[imp.start - 1] });
      } else if (imp.type === 'dynamic') {
        if (imp.specifier === undefined) continue; // computed: nothing static to rewrite
        const quote = text[imp.start];
        if (imp.glob || (quote !== '"' && quote !== "'" && quote !== '`')) {
          unresolvable.push({ offset: imp.start, text: text.slice(imp.start, imp.end) });
          continue;
        }
        refs.push({ start: imp.start + 1, end: imp.end - 1, value: imp.specifier, kind: 'module', context: 'js-string', quote });
      }
    }
  } catch (err) {
    parseError = (err as Error).message;
  }
  const map = trailingSourceMap(text);
  if (map) refs.push(map);
  refs.sort((a, b) => a.start - b.start);
  return { refs, parseError, unresolvable };
}

/**
 * The source-map comment is the last non-blank line (as browsers read it): `//# sourceMappingURL=x`,
 * the older `//@`, or `/*# sourceMappingURL=x *\/`. Only that line is looked at, never the whole file.
 */
function trailingSourceMap(text: string): Reference | undefined {
  let end = text.length;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  if (end === 0) return undefined;
  let start = end;
  while (start > 0 && text.charCodeAt(start - 1) !== 0x0a && text.charCodeAt(start - 1) !== 0x0d) start--;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  const head = text.slice(start, start + 4);
  let bodyEnd = end;
  if (head === '//# ' || head === '//@ ') {
    // a line comment
  } else if (head === '/*# ' || head === '/*@ ') {
    if (text.slice(end - 2, end) !== '*/') return undefined;
    bodyEnd = end - 2;
  } else return undefined;
  let j = start + 4;
  while (j < bodyEnd && (text[j] === ' ' || text[j] === '\t')) j++;
  const key = 'sourceMappingURL=';
  if (text.slice(j, j + key.length) !== key) return undefined;
  const vs = j + key.length;
  let ve = vs;
  while (ve < bodyEnd && !isSpace(text.charCodeAt(ve))) ve++;
  if (ve === vs) return undefined;
  return { start: vs, end: ve, value: text.slice(vs, ve), kind: 'url', context: 'js-comment', quote: '' };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}
