// Scenario-named fixture roots, built in a temp dir per test file so that symlinks,
// modes and mtimes are exactly what the scenario needs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

export const MTIME = new Date('2026-01-02T03:04:05Z');

export function tempDir(name: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `static-origin-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function put(root: string, rel: string, content: string | Buffer, mtime: Date = MTIME): string {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  utimesSync(file, mtime, mtime);
  return file;
}

export function brotli(data: Buffer | string): Buffer {
  return brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
}

export function gzip(data: Buffer | string): Buffer {
  return gzipSync(data, { level: 9 });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sri(data: Buffer | string): string {
  return `sha384-${createHash('sha384').update(data).digest('base64')}`;
}

/** A CSS body that compresses well, of about `bytes` bytes. */
export function css(bytes: number, seed = 'a'): string {
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += `.rule-${seed}-${i} { color: #${((i * 2654435761) % 0xffffff).toString(16).padStart(6, '0')}; margin: ${i % 17}px; }\n`;
  return out.slice(0, bytes);
}

export interface HashedRoot {
  root: string;
  css: string;
  cssName: string;
  hash: string;
  cleanup(): void;
}

/**
 * `hashed-and-precompressed/`: what collect writes — a hashed CSS with .br and .gz, its
 * unhashed original, a gzip-only JS, a PNG, an index page, and staticfiles.json.
 */
export function hashedAndPrecompressed(): HashedRoot {
  const { dir: root, cleanup } = tempDir('hashed-and-precompressed');
  const body = css(4096);
  const hash = sha256(body);
  const cssName = `css/app.${hash.slice(0, 12)}.css`;
  const js = `export const big = ${JSON.stringify(css(20000, 'js'))};\n`;
  const jsHash = sha256(js);
  const jsName = `js/app.${jsHash.slice(0, 12)}.js`;
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const html = '<!doctype html><title>home</title><p>hello</p>\n';
  const files: Record<string, Buffer | string> = {
    [cssName]: body,
    'css/app.css': body,
    [jsName]: js,
    'img/logo.png': png,
    'index.html': html,
    'docs/index.html': html,
    'empty.txt': '',
  };
  for (const [rel, content] of Object.entries(files)) put(root, rel, content);
  const br = brotli(body);
  const gz = gzip(body);
  put(root, `${cssName}.br`, br);
  put(root, `${cssName}.gz`, gz);
  put(root, 'css/app.css.br', br);
  put(root, 'css/app.css.gz', gz);
  const jsGz = gzip(js);
  put(root, `${jsName}.gz`, jsGz);
  const manifestFiles: Record<string, unknown> = {};
  for (const [rel, content] of Object.entries(files)) {
    const encodings: Record<string, number> = {};
    if (rel.endsWith('.css')) Object.assign(encodings, { br: br.length, gzip: gz.length });
    if (rel === jsName) encodings.gzip = jsGz.length;
    manifestFiles[rel] = { size: Buffer.byteLength(content), hash: sha256(content), integrity: sri(content), encodings };
  }
  const manifest = { version: 1, paths: { 'css/app.css': cssName, 'js/app.js': jsName }, files: manifestFiles };
  put(root, 'staticfiles.json', JSON.stringify(manifest, null, 2));
  return { root, css: body, cssName, hash, cleanup };
}
