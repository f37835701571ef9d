// Small glob matcher for `ignore`: `*` and `?` stay within one path segment, `**` crosses them.

/** Compiles a glob to an anchored RegExp over `/`-separated paths. */
export function compileGlob(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** Default ignores, as Django's collectstatic: dotfiles, editor backups, CVS directories. */
export const DEFAULT_IGNORE: readonly RegExp[] = Object.freeze([compileGlob('.*'), compileGlob('*~'), compileGlob('CVS')]);
