// CSS references, found with a small tokenizer after CSS Syntax Level 3: comments and strings are
// skipped, `url(` tokens and `@import` preludes are read with their escapes, quoting and spacing kept.
import type { Reference } from './refs.js';

const IMAGE_SET = new Set(['image-set', '-webkit-image-set']);

/** Every reference in a stylesheet: `url()`, `@import "x"`, strings in `image-set()`, and `/*# sourceMappingURL= *\/`. */
export function findCssRefs(text: string): Reference[] {
  const refs: Reference[] = [];
  const n = text.length;
  let i = 0;
  let pendingImport = false;
  let depth = 0;
  // Paren depths at which an image-set() is open: its bare strings are URLs.
  const imageSets: number[] = [];

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close;
      const ref = sourceMapInComment(text, i + 2, end);
      if (ref) refs.push(ref);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      const str = readString(text, i);
      if (!str.bad && (pendingImport || (imageSets.length > 0 && imageSets[imageSets.length - 1] === depth))) {
        refs.push({ start: i + 1, end: str.valueEnd, value: str.value, kind: 'url', context: 'css-string', quote: text[i] });
      }
      pendingImport = false;
      i = str.end;
      continue;
    }
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (c === 0x40 /* @ */ && startsIdent(text, i + 1)) {
      const ident = readIdent(text, i + 1);
      pendingImport = ident.value.toLowerCase() === 'import';
      i = ident.end;
      continue;
    }
    if (startsIdent(text, i)) {
      const ident = readIdent(text, i);
      i = ident.end;
      pendingImport = false;
      if (text.charCodeAt(i) !== 0x28 /* ( */) continue;
      const name = ident.value.toLowerCase();
      if (name === 'url') {
        const url = readUrl(text, i + 1);
        if (url.ref) refs.push(url.ref);
        if (url.end >= 0) {
          i = url.end;
          continue;
        }
      } else if (IMAGE_SET.has(name)) {
        imageSets.push(depth + 1);
      }
      depth++;
      i++;
      continue;
    }
    pendingImport = false;
    if (c === 0x5c /* \ */) {
      i += 2;
      continue;
    }
    if (c === 0x28) depth++;
    else if (c === 0x29 && depth > 0) {
      if (imageSets[imageSets.length - 1] === depth) imageSets.pop();
      depth--;
    }
    i++;
  }
  return refs;
}

/**
 * After `url(`: a quoted argument is an ordinary string (the function's `)` is consumed by the caller's
 * loop); an unquoted one is a url-token. `end` is -1 when the caller should carry on as for a function.
 */
function readUrl(text: string, from: number): { ref?: Reference; end: number } {
  let j = from;
  while (j < text.length && isWhitespace(text.charCodeAt(j))) j++;
  const q = text.charCodeAt(j);
  if (q === 0x22 || q === 0x27) {
    const str = readString(text, j);
    const ref: Reference | undefined = str.bad ? undefined : { start: j + 1, end: str.valueEnd, value: str.value, kind: 'url', context: 'css-string', quote: text[j] };
    let k = str.end;
    while (k < text.length && isWhitespace(text.charCodeAt(k))) k++;
    return { ref, end: text.charCodeAt(k) === 0x29 ? k + 1 : str.end };
  }
  const start = j;
  let value = '';
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x29) break;
    if (isWhitespace(c)) {
      let k = j;
      while (k < text.length && isWhitespace(text.charCodeAt(k))) k++;
      if (k >= text.length || text.charCodeAt(k) === 0x29) {
        return { ref: mkUrlRef(start, j, value), end: Math.min(k + 1, text.length) };
      }
      return { end: skipBadUrl(text, k) };
    }
    if (c === 0x22 || c === 0x27 || c === 0x28 || isNonPrintable(c)) return { end: skipBadUrl(text, j) };
    if (c === 0x5c) {
      if (text.charCodeAt(j + 1) === 0x0a || j + 1 >= text.length) return { end: skipBadUrl(text, j) };
      const esc = readEscape(text, j);
      value += esc.value;
      j = esc.end;
      continue;
    }
    value += text[j];
    j++;
  }
  return { ref: mkUrlRef(start, j, value), end: Math.min(j + 1, text.length) };
}

function mkUrlRef(start: number, end: number, value: string): Reference | undefined {
  if (start === end) return undefined; // `url()`: nothing to resolve.
  return { start, end, value, kind: 'url', context: 'css-url', quote: '' };
}

function skipBadUrl(text: string, from: number): number {
  let j = from;
  while (j < text.length && text.charCodeAt(j) !== 0x29) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
  return Math.min(j + 1, text.length);
}

/** `/*# sourceMappingURL=x *\/` (and the older `/*@`). */
function sourceMapInComment(text: string, start: number, end: number): Reference | undefined {
  const mark = text[start];
  if (mark !== '#' && mark !== '@') return undefined;
  let j = start + 1;
  if (!isWhitespace(text.charCodeAt(j))) return undefined;
  while (j < end && isWhitespace(text.charCodeAt(j))) j++;
  const key = 'sourceMappingURL=';
  if (text.slice(j, j + key.length) !== key) return undefined;
  const vs = j + key.length;
  let ve = vs;
  while (ve < end && !isWhitespace(text.charCodeAt(ve))) ve++;
  if (ve === vs) return undefined;
  const value = text.slice(vs, ve);
  return { start: vs, end: ve, value, kind: 'url', context: 'css-comment', quote: '' };
}

function readString(text: string, at: number): { value: string; valueEnd: number; end: number; bad: boolean } {
  const quote = text.charCodeAt(at);
  let j = at + 1;
  let value = '';
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === quote) return { value, valueEnd: j, end: j + 1, bad: false };
    // A raw newline makes a bad-string (CSS Syntax §4.3.5): browsers drop the declaration, so it is no reference.
    if (c === 0x0a || c === 0x0d || c === 0x0c) return { value, valueEnd: j, end: j, bad: true };
    if (c === 0x5c) {
      const next = text.charCodeAt(j + 1);
      if (j + 1 >= text.length) {
        j++;
        continue;
      }
      if (next === 0x0a || next === 0x0c) {
        j += 2;
        continue;
      } // line continuation
      if (next === 0x0d) {
        j += text.charCodeAt(j + 2) === 0x0a ? 3 : 2;
        continue;
      }
      const esc = readEscape(text, j);
      value += esc.value;
      j = esc.end;
      continue;
    }
    value += text[j];
    j++;
  }
  return { value, valueEnd: j, end: j, bad: false };
}

/** `\` followed by up to six hex digits and one optional whitespace, or by any other character. */
function readEscape(text: string, at: number): { value: string; end: number } {
  let j = at + 1;
  let hex = '';
  while (hex.length < 6 && j < text.length && isHex(text.charCodeAt(j))) hex += text[j++];
  if (hex) {
    if (j < text.length && isWhitespace(text.charCodeAt(j))) j += text[j] === '\r' && text[j + 1] === '\n' ? 2 : 1;
    const cp = parseInt(hex, 16);
    return { value: cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp), end: j };
  }
  if (j >= text.length) return { value: '\ufffd', end: j };
  const cp = text.codePointAt(j)!;
  const ch = String.fromCodePoint(cp);
  return { value: ch, end: j + ch.length };
}

function readIdent(text: string, at: number): { value: string; end: number } {
  let j = at;
  let value = '';
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (isNameChar(c)) {
      value += text[j++];
    } else if (c === 0x5c && text.charCodeAt(j + 1) !== 0x0a && j + 1 < text.length) {
      const esc = readEscape(text, j);
      value += esc.value;
      j = esc.end;
    } else break;
  }
  return { value, end: j };
}

function startsIdent(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  const validEscape = (k: number) => text.charCodeAt(k) === 0x5c && k + 1 < text.length && text.charCodeAt(k + 1) !== 0x0a;
  if (c === 0x2d /* - */) {
    const d = text.charCodeAt(at + 1);
    return isNameStart(d) || d === 0x2d || validEscape(at + 1);
  }
  return isNameStart(c) || validEscape(at);
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}
function isNonPrintable(c: number): boolean {
  return (c >= 0 && c <= 8) || c === 0x0b || (c >= 0x0e && c <= 0x1f) || c === 0x7f;
}
