// References between collected files: what the CSS and JS finders report, and how one resolves.
import { posix } from 'node:path';
import { splitSuffix } from '../contract/names.js';

/** How the reference's text is written, which decides how a new value must be escaped. */
export type RefContext = 'css-string' | 'css-url' | 'css-comment' | 'js-string' | 'js-comment' | 'json-string';

export interface Reference {
  /** Range of the written value in the file's text (quotes excluded). */
  readonly start: number;
  readonly end: number;
  /** The value after unescaping (`url(a\ b.png)` → `a b.png`). */
  readonly value: string;
  /** `url` and `import` resolve like URLs; `module` specifiers must start with `./`, `../` or `/`. */
  readonly kind: 'url' | 'module';
  readonly context: RefContext;
  /** The quote character for string contexts. */
  readonly quote: string;
}

export type Resolved = { readonly skip: true; readonly why: string } | { readonly skip: false; readonly target: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves a reference written in `referrer` (a destination name) to a destination name.
 * Left alone (skip): empty and fragment-only values, any scheme (`data:`, `HTTP:`), protocol-relative
 * `//host`, absolute paths outside `prefix`, bare module specifiers.
 */
export function resolveReference(value: string, referrer: string, prefix: string, kind: Reference['kind']): Resolved {
  if (value === '' || value.startsWith('#')) return { skip: true, why: 'fragment-only or empty' };
  if (SCHEME.test(value)) return { skip: true, why: 'has a scheme' };
  if (value.startsWith('//') || value.startsWith('/\\') || value.startsWith('\\')) return { skip: true, why: 'protocol-relative' };
  const [path] = splitSuffix(value);
  if (path === '') return { skip: true, why: 'query-only' };
  let joined: string;
  if (path.startsWith('/')) {
    if (!path.startsWith(prefix)) return { skip: true, why: 'absolute outside the prefix' };
    joined = path.slice(prefix.length);
  } else {
    if (kind === 'module' && !path.startsWith('./') && !path.startsWith('../')) return { skip: true, why: 'bare specifier' };
    joined = posix.join(posix.dirname(referrer), path);
  }
  let decoded = joined;
  try {
    decoded = decodeURIComponent(joined);
  } catch {
    // A malformed escape cannot name a file we have; resolve it as written so the error shows it.
  }
  const target = posix.normalize(decoded);
  return { skip: false, target: target.startsWith('./') ? target.slice(2) : target };
}

/** True when a normalised target stays inside the root. */
export function insideRoot(target: string): boolean {
  return target !== '' && target !== '.' && target !== '..' && !target.startsWith('../') && !target.startsWith('/') && !target.endsWith('/');
}

/** Writes `value` back in the reference's context; text without escapes is kept byte for byte. */
export function encodeValue(ref: Reference, original: string, value: string): string {
  if (original === ref.value) {
    // Inserting `.` and hex digits never needs escaping, so the author's form is kept exactly.
    return value;
  }
  switch (ref.context) {
    case 'css-string':
      return value.replace(/[\\\n\r\f]|["']/g, (c) => (c === ref.quote || c === '\\' ? '\\' + c : c === "'" || c === '"' ? c : `\\${c.charCodeAt(0).toString(16)} `));
    case 'css-url':
      return value.replace(/[\\\s"'()]|[\x00-\x1f\x7f]/g, (c) => (/[\s\x00-\x1f\x7f]/.test(c) ? `\\${c.charCodeAt(0).toString(16)} ` : '\\' + c));
    case 'js-string':
      return value.replace(/[\\\n\r\u2028\u2029'"`$]/g, (c) => {
        if (c === '\\' || c === ref.quote) return '\\' + c;
        if (c === '$') return ref.quote === '`' ? '\\$' : c;
        if (c === "'" || c === '"' || c === '`') return c;
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      });
    case 'json-string':
      return JSON.stringify(value).slice(1, -1);
    default:
      return value;
  }
}

/** 1-based line and column of an offset, for `file:line:column` messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
