// Deterministic, seeded corpus generator for the bench. Nothing is checked in:
//
//  * ensureServeRoot(): a realistic *collected* root (what `collect` writes): hashed names
//    `name.<12hex>.ext` beside the kept originals, `.br`/`.gz` siblings made with zlib, and a
//    `staticfiles.json` manifest in the format of src/manifest.ts. It always holds the fixed
//    scenario files (a 4 KB CSS with br+gz, a 100 KB JS with gz only, a 5 MB MP4) plus
//    `sources` filler source files (each written twice: original + hashed copy).
//  * ensureSourceTree(): an *uncollected* app static tree (CSS with url()/@import between files,
//    JS modules importing each other, SVG/PNG/WOFF2/JSON) for the collect vs collectstatic run.
//
// Output goes under bench/.corpus/ (git-ignored) and is reused when the stamp matches.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const CORPUS_VERSION = 3;
export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '.corpus');

/** mulberry32: small, fast, good enough for deterministic test data. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  next.bytes = (n) => {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE((next() * 4294967296) >>> 0, i);
    for (; i < n; i++) b[i] = (next() * 256) | 0;
    return b;
  };
  return next;
}

// ---------------------------------------------------------------- content makers
const WORDS = ['header', 'nav', 'card', 'button', 'modal', 'footer', 'grid', 'list', 'item', 'title', 'badge', 'avatar', 'form', 'input', 'label', 'table', 'row', 'cell', 'panel', 'tab', 'menu', 'toast', 'alert', 'hero', 'banner', 'sidebar', 'content', 'link', 'icon', 'media'];
const MODS = ['primary', 'secondary', 'active', 'disabled', 'large', 'small', 'dark', 'light', 'open', 'hidden', 'error', 'success'];
const PROPS = [
  ['display', ['block', 'flex', 'grid', 'inline-block', 'none']],
  ['margin', ['0', '0 auto', '4px 8px', '1rem', '.5rem 1rem']],
  ['padding', ['0', '8px', '12px 16px', '1rem 2rem', '.25rem']],
  ['color', ['#333', '#1a73e8', '#fff', 'rgba(0,0,0,.87)', 'var(--fg)']],
  ['background-color', ['#fff', '#f5f5f5', 'transparent', '#1a73e8', 'var(--bg)']],
  ['border', ['0', '1px solid #ddd', '2px solid transparent', '1px solid var(--line)']],
  ['border-radius', ['0', '4px', '8px', '50%', '999px']],
  ['font-size', ['12px', '14px', '1rem', '1.25rem', '2rem']],
  ['font-weight', ['400', '500', '600', '700']],
  ['line-height', ['1', '1.25', '1.5', '20px']],
  ['transition', ['all .2s ease', 'opacity .15s linear', 'transform .3s cubic-bezier(.4,0,.2,1)']],
  ['box-shadow', ['none', '0 1px 2px rgba(0,0,0,.1)', '0 4px 12px rgba(0,0,0,.15)']],
  ['justify-content', ['center', 'space-between', 'flex-start']],
  ['align-items', ['center', 'stretch', 'baseline']],
];

function cssText(r, size, refs = []) {
  let out = '/* generated stylesheet */\n:root{--fg:#222;--bg:#fff;--line:#e0e0e0}\n';
  for (const ref of refs) out += ref + '\n';
  while (out.length < size) {
    const sel = `.${r.pick(WORDS)}${r() < 0.5 ? '-' + r.pick(WORDS) : ''}${r() < 0.3 ? '--' + r.pick(MODS) : ''}${r() < 0.2 ? ':hover' : ''}`;
    out += `${sel} {\n`;
    const n = r.int(2, 6);
    for (let i = 0; i < n; i++) {
      const [p, vals] = r.pick(PROPS);
      out += `  ${p}: ${r.pick(vals)};\n`;
    }
    out += '}\n';
  }
  return out;
}

const IDENTS = ['state', 'props', 'value', 'items', 'result', 'options', 'config', 'event', 'target', 'index', 'count', 'handler', 'element', 'node', 'data', 'response', 'request', 'cache', 'key', 'entry'];
function jsText(r, size, imports = []) {
  let out = '// generated module\n';
  for (const imp of imports) out += imp + '\n';
  let fn = 0;
  while (out.length < size) {
    const a = r.pick(IDENTS), b = r.pick(IDENTS), c = r.pick(IDENTS);
    const kind = r.int(0, 3);
    if (kind === 0) out += `export function ${a}${fn++}(${b}, ${c}) {\n  if (!${b}) return null;\n  const ${a} = ${b}.map((x) => x.${c} ?? ${r.int(0, 99)});\n  return ${a}.filter(Boolean).length > ${r.int(0, 9)} ? ${a} : [];\n}\n`;
    else if (kind === 1) out += `const ${a}${fn++} = { ${b}: ${r.int(0, 1000)}, ${c}: '${r.pick(WORDS)}-${r.pick(MODS)}', enabled: ${r() < 0.5} };\n`;
    else if (kind === 2) out += `export class ${a[0].toUpperCase() + a.slice(1)}${fn++} {\n  constructor(${b}) { this.${b} = ${b}; this.${c} = new Map(); }\n  get(${a}) { return this.${c}.get(${a}) || this.${b}[${a}]; }\n}\n`;
    else out += `document.querySelectorAll('.${r.pick(WORDS)}').forEach((${a}) => ${a}.addEventListener('click', (${b}) => { ${b}.preventDefault(); ${a}.classList.toggle('${r.pick(MODS)}'); }));\n`;
  }
  return out;
}

function svgText(r, size) {
  let out = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">\n';
  while (out.length < size - 7) out += `  <path d="M${r.int(0, 24)} ${r.int(0, 24)}L${r.int(0, 24)} ${r.int(0, 24)}H${r.int(0, 24)}V${r.int(0, 24)}Z" fill="#${r.int(0, 0xffffff).toString(16).padStart(6, '0')}"/>\n`;
  return out + '</svg>\n';
}

function jsonText(r, size) {
  const items = [];
  let len = 2;
  while (len < size) {
    const item = { id: items.length, name: `${r.pick(WORDS)} ${r.pick(MODS)}`, value: r.int(0, 100000), tags: [r.pick(WORDS), r.pick(MODS)] };
    len += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return JSON.stringify(items);
}

/** Exactly `size` bytes of `text` (padded with a comment, or cut on a line boundary + padding). */
function exact(text, size, pad) {
  let buf = Buffer.from(text);
  if (buf.length > size) {
    const cut = buf.lastIndexOf(10, size - 64);
    buf = buf.subarray(0, cut > 0 ? cut + 1 : 0);
  }
  const rest = size - buf.length;
  return Buffer.concat([buf, pad(rest)]);
}
const cssPad = (n) => (n <= 0 ? Buffer.alloc(0) : n < 5 ? Buffer.alloc(n, 10) : Buffer.from('/*' + ' '.repeat(n - 5) + '*/\n'));
const jsPad = (n) => (n <= 0 ? Buffer.alloc(0) : n < 4 ? Buffer.alloc(n, 10) : Buffer.from('//' + '-'.repeat(n - 3) + '\n'));

// ---------------------------------------------------------------- writing a collected root
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const sri = (b) => 'sha384-' + createHash('sha384').update(b).digest('base64');
export const hashedName = (name, hex) => {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? `${name.slice(0, dot)}.${hex.slice(0, 12)}${name.slice(dot)}` : `${name}.${hex.slice(0, 12)}`;
};

function brotli(buf, quality) {
  return zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } });
}
function gzip(buf, level) {
  const out = zlib.gzipSync(buf, { level });
  out[4] = out[5] = out[6] = out[7] = 0; // header mtime 0, as collect does
  return out;
}

class RootWriter {
  constructor(root) {
    this.root = root;
    this.manifest = { version: 1, paths: {}, files: {} };
    this.onDisk = 0;
  }
  write(rel, buf) {
    const abs = join(this.root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, buf);
    this.onDisk++;
  }
  /** Writes original + hashed copy and the requested siblings (kept only when <= 95%). */
  add(name, body, { br = false, gz = false, quality = 11, level = 9 } = {}) {
    const hex = sha256(body);
    const hashed = hashedName(name, hex);
    const enc = {};
    const variants = {};
    if (br) {
      const b = brotli(body, quality);
      if (b.length <= body.length * 0.95) { variants.br = b; enc.br = b.length; }
    }
    if (gz) {
      const g = gzip(body, level);
      if (g.length <= body.length * 0.95) { variants.gz = g; enc.gzip = g.length; }
    }
    const integrity = sri(body);
    for (const rel of [name, hashed]) {
      this.write(rel, body);
      if (variants.br) this.write(rel + '.br', variants.br);
      if (variants.gz) this.write(rel + '.gz', variants.gz);
      this.manifest.files[rel] = { size: body.length, hash: hex, integrity, encodings: { ...enc } };
    }
    this.manifest.paths[name] = hashed;
    return { name, hashed, url: hashed, size: body.length, hash: hex, encodings: enc };
  }
  finish() {
    const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    const m = { version: 1, paths: sorted(this.manifest.paths), files: sorted(this.manifest.files) };
    writeFileSync(join(this.root, 'staticfiles.json'), JSON.stringify(m, null, 2) + '\n');
  }
}

const FILLER_KINDS = [
  // [weight, dir, ext, maker, compressible]
  [20, 'css', 'css', (r, n) => Buffer.from(cssText(r, n)), true],
  [30, 'js', 'js', (r, n) => Buffer.from(jsText(r, n)), true],
  [15, 'img', 'svg', (r, n) => Buffer.from(svgText(r, n)), true],
  [20, 'img', 'png', (r, n) => r.bytes(n), false],
  [5, 'fonts', 'woff2', (r, n) => r.bytes(n), false],
  [10, 'data', 'json', (r, n) => Buffer.from(jsonText(r, n)), true],
];
function pickKind(r) {
  let x = r() * 100;
  for (const k of FILLER_KINDS) if ((x -= k[0]) < 0) return k;
  return FILLER_KINDS[0];
}
/** Log-uniform size between 200 B and 40 KB: most assets are small. */
const fillerSize = (r) => Math.round(200 * Math.pow(200, r()));

// Stamps and info live beside the generated directory, never inside it (nothing extra to serve).
function stampOk(dir, stamp) {
  try {
    return existsSync(dir) && readFileSync(dir + '.stamp', 'utf8') === stamp;
  } catch {
    return false;
  }
}

/**
 * A collected root with the scenario files and `sources` filler sources (2 URLs each).
 * Returns { root, files: {css, js, big}, urls, sources }.
 */
export function ensureServeRoot({ sources = 1000, seed = 42, big = true, dir = CORPUS_DIR } = {}) {
  const root = join(dir, `root-n${sources}-s${seed}${big ? '' : '-nobig'}`);
  const stamp = JSON.stringify({ v: CORPUS_VERSION, sources, seed, big });
  const infoFile = root + '.json';
  if (stampOk(root, stamp) && existsSync(infoFile)) return { root, ...JSON.parse(readFileSync(infoFile, 'utf8')) };
  rmSync(root, { recursive: true, force: true });
  rmSync(root + '.stamp', { force: true });
  mkdirSync(root, { recursive: true });
  const r = rng(seed);
  const w = new RootWriter(root);
  const files = {};
  // Fixed scenario files, compressed at collect's settings (brotli 11, gzip 9).
  files.css = w.add('app/css/site.css', exact(cssText(r, 4200), 4096, cssPad), { br: true, gz: true });
  files.js = w.add('app/js/app.js', exact(jsText(r, 104000), 102400, jsPad), { br: false, gz: true });
  if (big) files.big = w.add('app/media/intro.mp4', r.bytes(5 * 1024 * 1024), {});
  // Filler: brotli 5 / gzip 6 to keep generation quick; their bytes are never measured.
  for (let i = 0; i < sources; i++) {
    const [, kdir, ext, make, comp] = pickKind(r);
    const name = `pkg${String(i % 97).padStart(2, '0')}/${kdir}/f${i}.${ext}`;
    w.add(name, make(r, fillerSize(r)), { br: comp, gz: comp, quality: 5, level: 6 });
  }
  w.finish();
  const info = { files, urlFiles: Object.keys(w.manifest.files).length, onDisk: w.onDisk + 1, sources: sources + Object.keys(files).length };
  writeFileSync(infoFile, JSON.stringify(info));
  writeFileSync(root + '.stamp', stamp);
  return { root, ...info };
}

/**
 * An app's uncollected static tree: `files` source files with references between them
 * (CSS url() to images/fonts, @import between stylesheets, JS imports), all resolvable.
 * Returns { src, files, bytes, changeOne(): relPath } — changeOne edits one CSS leaf file.
 */
export function ensureSourceTree({ files = 1500, seed = 7, dir = CORPUS_DIR } = {}) {
  const src = join(dir, `src-n${files}-s${seed}`);
  const stamp = JSON.stringify({ v: CORPUS_VERSION, files, seed });
  const r = rng(seed);
  const n = {
    png: Math.round(files * 0.2), woff2: Math.round(files * 0.04), svg: Math.round(files * 0.13),
    json: Math.round(files * 0.08), css: Math.round(files * 0.2),
  };
  n.js = Math.max(2, files - n.png - n.woff2 - n.svg - n.json - n.css);
  const list = [];
  const plan = [];
  const img = (i) => `app/img/i${i}.png`;
  const svg = (i) => `app/icons/s${i}.svg`;
  const font = (i) => `app/fonts/f${i}.woff2`;
  const css = (i) => `app/css/c${i}.css`;
  const js = (i) => `app/js/m${i}.js`;
  for (let i = 0; i < n.png; i++) plan.push([img(i), () => r.bytes(Math.round(500 * Math.pow(120, r())))]);
  for (let i = 0; i < n.woff2; i++) plan.push([font(i), () => r.bytes(r.int(15000, 60000))]);
  for (let i = 0; i < n.svg; i++) plan.push([svg(i), () => Buffer.from(svgText(r, r.int(300, 6000)))]);
  for (let i = 0; i < n.json; i++) plan.push([`app/data/d${i}.json`, () => Buffer.from(jsonText(r, Math.round(300 * Math.pow(100, r()))))]);
  for (let i = 0; i < n.css; i++) {
    plan.push([css(i), () => {
      const refs = [];
      // stylesheets import a lower-numbered one (a DAG), and reference images/fonts/icons
      if (i > 0 && r() < 0.3) refs.push(`@import url("c${r.int(0, i - 1)}.css");`);
      const k = r.int(1, 6);
      for (let j = 0; j < k; j++) {
        const t = r.int(0, 2);
        if (t === 0 && n.png) refs.push(`.bg-${i}-${j} { background-image: url("../img/i${r.int(0, n.png - 1)}.png"); }`);
        else if (t === 1 && n.svg) refs.push(`.ic-${i}-${j} { background: url(../icons/s${r.int(0, n.svg - 1)}.svg) no-repeat; }`);
        else if (n.woff2) refs.push(`@font-face { font-family: F${i}x${j}; src: url('../fonts/f${r.int(0, n.woff2 - 1)}.woff2') format('woff2'); }`);
      }
      return Buffer.from(cssText(r, Math.round(1500 * Math.pow(40, r())), refs));
    }]);
  }
  for (let i = 0; i < n.js; i++) {
    plan.push([js(i), () => {
      const imps = [];
      const k = i > 0 ? r.int(0, 3) : 0;
      for (let j = 0; j < k; j++) imps.push(`import * as dep${j} from './m${r.int(0, i - 1)}.js';`);
      return Buffer.from(jsText(r, Math.round(1000 * Math.pow(60, r())), imps));
    }]);
  }
  const leaf = css(n.css - 1);
  const changeOne = () => {
    const p = join(src, leaf);
    writeFileSync(p, readFileSync(p, 'utf8') + `\n.bench-change-${Date.now()} { color: red; }\n`);
    return leaf;
  };
  if (stampOk(src, stamp)) {
    const info = JSON.parse(readFileSync(src + '.json', 'utf8'));
    return { src, ...info, changeOne, leaf };
  }
  rmSync(src, { recursive: true, force: true });
  rmSync(src + '.stamp', { force: true });
  let bytes = 0;
  for (const [rel, make] of plan) {
    const body = make();
    const abs = join(src, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, body);
    bytes += body.length;
    list.push(rel);
  }
  const info = { files: list.length, bytes, counts: n };
  writeFileSync(src + '.json', JSON.stringify(info));
  writeFileSync(src + '.stamp', stamp);
  return { src, ...info, changeOne, leaf };
}

/** The bytes a server should send for a file and a Content-Encoding. */
export function expectedBody(root, rel, contentEncoding) {
  const suffix = contentEncoding === 'br' ? '.br' : contentEncoding === 'gzip' ? '.gz' : '';
  return readFileSync(join(root, rel + suffix));
}

// CLI: node bench/corpus.js [sources] — generate and print where.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t = Date.now();
  const out = ensureServeRoot({ sources: Number(process.argv[2] ?? 1000) });
  console.log(JSON.stringify({ ...out, ms: Date.now() - t }, null, 2));
}
