// `static-origin inspect`, run as users run it (the built bin): the table, --json, --check on a
// root collect wrote and on one broken in each way --check names, and what inspect reports
// against what the server sends for the same root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { staticOrigin } from '../src/index.js';
import type { InspectReport } from '../src/serve/inspect.js';
import { run, tempDir, writeTree, type Run } from './fixtures/collect/helpers.js';
import { get, listen } from './helpers/http.js';

const BIN = resolve(import.meta.dirname, '../bin/static-origin.js');
if (!existsSync(resolve(import.meta.dirname, '../dist/esm/cli/inspect.js'))) throw new Error('build first: npm run build (npm test does)');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract of the CLI: this exit code, exactly one `static-origin:` line saying `what`, no stack. */
function assertOneError(r: Result, code: number, what: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('static-origin:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const css = '.a { background: url(../img/logo.svg) } .b { color: red }\n'.repeat(40);
const svg = '<svg xmlns="http://www.w3.org/2000/svg">' + '<rect width="1" height="1"/>'.repeat(60) + '</svg>';
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** A root collect wrote: hashed and original names, br and gzip siblings, a PNG with none, an empty file, a page. */
function collected(t: import('node:test').TestContext): Promise<Run> {
  return run(t, {
    'css/app.css': css,
    'img/logo.svg': svg,
    'img/photo.png': png,
    'js/app.js': `import { x } from './util.js';\nexport const y = x + ${JSON.stringify('y'.repeat(2000))};\n`,
    'js/util.js': `export const x = ${JSON.stringify('x'.repeat(3000))};\n`,
    'empty.txt': '',
    'index.html': '<!doctype html><title>t</title>\n',
  });
}

describe('static-origin inspect', () => {
  it('--help prints its usage and exits 0; so does the overview', (t) => {
    const dir = tempDir(t, 'inspect');
    const r = cli(['inspect', '--help'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: static-origin inspect \[options\] <root>/);
    assert.match(r.stdout, /--json/);
    assert.match(r.stdout, /--check/);
    assert.match(cli(['--help'], dir).stdout, /Usage: static-origin inspect/);
  });

  it('--json: one row per file the manifest lists, with the sizes, ETag and immutability the manifest gives; totals add up', async (t) => {
    const c = await collected(t);
    const r = cli(['inspect', c.out, '--json'], c.dir);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as InspectReport;
    assert.equal(report.root, c.out);
    assert.equal('problems' in report, false, 'problems only with --check');
    const listed = Object.keys(c.manifest.files).sort();
    assert.equal(report.manifestFiles, listed.length);
    assert.deepEqual(
      report.files.map((f) => f.path),
      listed,
    );
    const hashed = new Set(Object.values(c.manifest.paths));
    let bytes = 0;
    let smallest = 0;
    let brAfter = 0;
    let brFiles = 0;
    for (const row of report.files) {
      const m = c.manifest.files[row.path];
      assert.equal(row.size.identity, m.size, row.path);
      assert.equal(row.size.br, m.encodings.br, row.path);
      assert.equal(row.size.gzip, m.encodings.gzip, row.path);
      assert.equal(row.size.zstd, undefined);
      assert.equal(row.etag, `"${m.hash.slice(0, 32)}"`, row.path);
      assert.equal(row.immutable, hashed.has(row.path), row.path);
      const best = Math.min(m.size, m.encodings.br ?? Infinity, m.encodings.gzip ?? Infinity);
      assert.equal(row.saving, m.size === 0 ? 0 : Math.round((1 - best / m.size) * 1000) / 10, row.path);
      bytes += m.size;
      smallest += best;
      if (m.encodings.br !== undefined) {
        brFiles++;
        brAfter += m.encodings.br;
      }
    }
    assert.ok(brFiles >= 8, 'the fixture has br siblings');
    assert.equal(report.files.find((f) => f.path === 'img/photo.png')!.size.br, undefined, 'a PNG is not compressed');
    assert.equal(report.totals.files, listed.length);
    assert.equal(report.totals.immutable, report.files.filter((f) => f.immutable).length);
    assert.equal(report.totals.bytes, bytes);
    assert.equal(report.totals.smallestBytes, smallest);
    assert.equal(report.totals.encodings.br!.files, brFiles);
    assert.equal(report.totals.encodings.br!.bytesAfter, brAfter);
    assert.equal(report.totals.encodings.zstd, undefined);
  });

  it('the table: a header, one row per file with exact byte counts, and the totals', async (t) => {
    const c = await collected(t);
    const r = cli(['inspect', c.out], c.dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `${c.out} (manifest: ${Object.keys(c.manifest.files).length} files)`);
    assert.match(lines[1], /^path\s+content type\s+identity\s+br\s+gzip\s+zstd\s+saving\s+immutable\s+etag$/);
    const name = c.nameOf('css/app.css');
    const m = c.manifest.files[name];
    const row = lines.find((l) => l.startsWith(`${name} `))!;
    assert.match(
      row,
      new RegExp(`^${name.replace(/\./g, '\\.')}\\s+text/css; charset=utf-8\\s+${m.size}\\s+${m.encodings.br}\\s+${m.encodings.gzip}\\s+-\\s+\\d+\\.\\d%\\s+yes\\s+"${m.hash.slice(0, 32)}"$`),
    );
    assert.match(lines.find((l) => l.startsWith('img/photo.png '))!, /\s+-\s+-\s+-\s+0\.0%\s+no\s+"/);
    assert.match(lines.find((l) => l.startsWith('css/app.css '))!, /\s+no\s+"/, 'the original is not immutable');
    const files = Object.keys(c.manifest.files).length;
    const immutable = new Set(Object.values(c.manifest.paths)).size;
    assert.match(
      r.stdout,
      new RegExp(
        `\ntotals\n  files     ${files} \\(${immutable} immutable\\), .* \\(\\d+ bytes\\)\n  br        \\d+ files, .* → .* \\(\\d+\\.\\d% saved\\)\n  gzip      .*\n  smallest  .* saved\\)\n$`,
      ),
    );
  });

  it('says what `serve` sends: Content-Type, Cache-Control, ETag and length of every row, in every encoding', async (t) => {
    const c = await collected(t);
    const zstName = c.nameOf('js/util.js');
    writeFileSync(join(c.out, `${zstName}.zst`), 'smaller than the file');
    const report = JSON.parse(cli(['inspect', c.out, '--json'], c.dir).stdout) as InspectReport;
    assert.equal(report.files.find((f) => f.path === zstName)!.size.zstd, 21);
    assert.equal(report.totals.encodings.zstd!.files, 1);
    // What `static-origin serve <root>` runs: the middleware's handle(), prefix "/", every encoding.
    const assets = staticOrigin({ root: c.out, prefix: '/', encodings: ['br', 'gzip', 'zstd'] });
    const server = await listen(
      createServer((req, res) => {
        if (!assets.handle(req, res)) res.writeHead(404).end();
      }),
    );
    t.after(() => server.close());
    for (const row of report.files) {
      const path = '/' + row.path.split('/').map(encodeURIComponent).join('/');
      for (const coding of ['identity', 'br', 'gzip', 'zstd'] as const) {
        const r = await get(server.port, path, { 'accept-encoding': coding });
        const sent = coding !== 'identity' && row.size[coding] !== undefined ? coding : 'identity';
        assert.equal(r.status, 200, path);
        assert.equal(r.headers['content-encoding'], sent === 'identity' ? undefined : sent, `${path} ${coding}`);
        assert.equal(Number(r.headers['content-length']), row.size[sent], `${path} ${coding}`);
        assert.equal(r.body.length, row.size[sent]);
        assert.equal(r.headers.etag, sent === 'identity' ? row.etag : row.etag.replace(/"$/, `-${{ br: 'br', gzip: 'gz', zstd: 'zst' }[sent]}"`));
        assert.equal(r.headers['cache-control'], row.cacheControl);
        assert.equal(r.headers['content-type'], row.contentType);
      }
    }
  });

  it('--check on a root collect wrote: no problems, exit 0', async (t) => {
    const c = await collected(t);
    const r = cli(['inspect', c.out, '--check'], c.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `no problems: ${Object.keys(c.manifest.files).length} files in ${c.out}\n`);
    const json = cli(['inspect', c.out, '--check', '--json'], c.dir);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout).problems, []);
  });

  it("--check on a root without a manifest (a bundler's dist): nothing to hold hashed names to, exit 0", (t) => {
    const dir = tempDir(t, 'inspect');
    writeTree(dir, { 'dist/assets/index-BxK3a9Zq.js': 'export{}', 'dist/assets/app.3f2a9c1b7d4e.css': 'a{}', 'dist/index.html': '<p>' });
    const r = cli(['inspect', 'dist', '--check'], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^no problems: 3 files in /);
    assert.match(cli(['inspect', 'dist'], dir).stdout, /\(no manifest: ETags from the bytes, nothing immutable\)\n/);
  });

  it('--check names every problem of a broken root, one line each, and exits 1', async (t) => {
    const c = await collected(t);
    const cssName = c.nameOf('css/app.css');
    const svgName = c.nameOf('img/logo.svg');
    const jsName = c.nameOf('js/util.js');
    const past = new Date(Date.now() - 3_600_000);
    // A gzip sibling that is bigger than its file.
    writeFileSync(join(c.out, `${cssName}.gz`), Buffer.alloc(c.manifest.files[cssName].size + 10, 1));
    // A brotli sibling older than its file.
    utimesSync(join(c.out, `${jsName}.br`), past, past);
    // A manifest entry whose file is gone, its siblings left behind.
    rmSync(join(c.out, svgName));
    // A manifest entry whose file has another size now.
    writeFileSync(join(c.out, 'js/app.js'), readFileSync(join(c.out, 'js/app.js'), 'utf8') + '// edited\n');
    // A file the manifest does not list, named as collect names hashed files.
    writeFileSync(join(c.out, 'css/stray.0123456789ab.css'), 'a{}');
    // And an unlisted file with a plain name, which is no problem.
    writeFileSync(join(c.out, 'robots.txt'), 'User-agent: *\n');

    const r = cli(['inspect', c.out, '--check'], c.dir);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const summary = lines.pop()!;
    const edited = statSync(join(c.out, 'js/app.js')).size;
    const expected = [
      `${cssName}.gz: not smaller than ${cssName} (${c.manifest.files[cssName].size + 10} ≥ ${c.manifest.files[cssName].size} bytes); never sent`,
      `${jsName}.br: older than ${jsName}; not sent until it is written again`,
      `${svgName}: listed in the manifest but missing`,
      `${svgName}.br: a precompressed sibling of ${svgName}, which is missing; served as a file of its own`,
      `${svgName}.gz: a precompressed sibling of ${svgName}, which is missing; served as a file of its own`,
      `js/app.js: ${edited} bytes, the manifest says ${c.manifest.files['js/app.js'].size}; served with an ETag of its bytes`,
      'css/stray.0123456789ab.css: named like a hashed file, but the manifest does not list it',
    ];
    for (const line of expected) assert.ok(lines.includes(line), `missing "${line}" in:\n${r.stdout}`);
    // The edited file's siblings are now older than it: the server stops sending them, and says so.
    assert.ok(lines.includes('js/app.js.br: older than js/app.js; not sent until it is written again'), r.stdout);
    assert.ok(!lines.some((l) => l.startsWith('robots.txt')), r.stdout);
    // Rows: the listed files but the svg, its two orphaned siblings, the stray and robots.txt.
    assert.equal(summary, `${lines.length} problems in ${c.out} (${Object.keys(c.manifest.files).length + 3} files)`);

    const json = cli(['inspect', c.out, '--check', '--json'], c.dir);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout).problems, lines);
    // Without --check, inspect reports and succeeds.
    assert.equal(cli(['inspect', c.out], c.dir).code, 0);
  });

  it("--check: a sibling listed in the manifest but missing, and one whose size is not the manifest's", async (t) => {
    const c = await collected(t);
    const cssName = c.nameOf('css/app.css');
    const jsName = c.nameOf('js/app.js');
    rmSync(join(c.out, `${cssName}.br`));
    const gz = join(c.out, `${jsName}.gz`);
    const { mtime } = statSync(gz);
    writeFileSync(gz, readFileSync(gz).subarray(1));
    utimesSync(gz, mtime, mtime);
    const r = cli(['inspect', c.out, '--check'], c.dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^${cssName.replace(/\./g, '\\.')}\\.br: listed in the manifest but missing; ${cssName.replace(/\./g, '\\.')} is sent without br$`, 'm'));
    assert.match(
      r.stdout,
      new RegExp(`^${jsName.replace(/\./g, '\\.')}\\.gz: ${c.manifest.files[jsName].encodings.gzip! - 1} bytes, the manifest says ${c.manifest.files[jsName].encodings.gzip}; not sent$`, 'm'),
    );
  });

  it('--check: what the scan skips (a symlink out of the root) is a problem too', async (t) => {
    const c = await collected(t);
    writeFileSync(join(c.dir, 'secret.txt'), 'outside\n');
    symlinkSync(join(c.dir, 'secret.txt'), join(c.out, 'leak.txt'));
    const r = cli(['inspect', c.out, '--check'], c.dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^leak\.txt: skipped: the symlink points outside the root\n1 problem in /);
    assert.ok(!(JSON.parse(cli(['inspect', c.out, '--json'], c.dir).stdout) as InspectReport).files.some((f) => f.path === 'leak.txt'));
  });

  describe('bad input: one clear message', () => {
    it('no root, two roots, an unknown flag: exit 2 with usage', (t) => {
      const dir = tempDir(t, 'inspect');
      assertOneError(cli(['inspect'], dir), 2, /^static-origin: no root given/);
      assertOneError(cli(['inspect', 'a', 'b'], dir), 2, /^static-origin: one root only; got "a", "b"/);
      const bogus = cli(['inspect', '.', '--bogus'], dir);
      assertOneError(bogus, 2, /Unknown option '--bogus'/);
      assert.match(bogus.stderr, /Run "static-origin inspect --help" for usage\./);
    });

    it('a root that does not exist, or is a file: exit 2 naming it', (t) => {
      const dir = tempDir(t, 'inspect');
      writeFileSync(join(dir, 'file'), 'x');
      assertOneError(cli(['inspect', 'nope'], dir), 2, new RegExp(`^static-origin: the root directory ${join(dir, 'nope')} does not exist$`));
      assertOneError(cli(['inspect', 'file', '--check'], dir), 2, new RegExp(`^static-origin: the root directory ${join(dir, 'file')} is not a directory$`));
    });

    it('a malformed manifest: exit 1 naming it', (t) => {
      const dir = tempDir(t, 'inspect');
      writeTree(dir, { 'root/a.css': 'a{}', 'root/staticfiles.json': '{"version": 1, "paths": {}' });
      assertOneError(cli(['inspect', 'root', '--check'], dir), 1, new RegExp(`^static-origin: the manifest ${join(dir, 'root/staticfiles.json')} is not valid JSON`));
    });
  });
});
