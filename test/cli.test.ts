// The CLI, run as users run it (the built bin): flags, config file, errors, and interruption.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { staticOrigin } from '../src/index.js';
import { snapshot, tempDir, writeTree } from './fixtures/collect/helpers.js';

const BIN = resolve(import.meta.dirname, '../bin/static-origin.js');
const execFileP = promisify(execFile);

if (!existsSync(resolve(import.meta.dirname, '../dist/esm/cli.js'))) throw new Error('build first: npm run build (npm test does)');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string, extra: { uid?: number; gid?: number } = {}): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, ...extra });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract: non-zero exit, exactly one `static-origin:` line, saying `what`. */
function assertOneError(r: Result, what: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout + r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('static-origin:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const css = 'body { background: url(../img/a.svg); }\n'.repeat(10);
const svg = '<svg xmlns="http://www.w3.org/2000/svg">' + '<g/>'.repeat(100) + '</svg>';

describe('static-origin collect', () => {
  it('--help prints usage and exits 0; no command prints usage too', (t) => {
    const dir = tempDir(t, 'cli');
    for (const args of [['--help'], ['collect', '--help'], []]) {
      const r = cli(args, dir);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: static-origin collect/);
      assert.match(r.stdout, /--no-keep-originals/);
    }
  });

  it('collects positional DIR:PREFIX sources and prints the summary table', (t) => {
    const dir = tempDir(t, 'cli');
    writeTree(dir, { 'app/css/a.css': css, 'app/img/a.svg': svg, 'vendor/v.js': 'export default 1;\n' });
    const r = cli(['collect', 'app', 'vendor:vendor', '--out', 'out'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /collected into .*out\n\s+files\s+3 collected/);
    assert.match(r.stdout, /\n\s+br\s+\d+ files, .* → .*%\)/);
    assert.match(r.stdout, /\n\s+time\s+[\d.]+ s/);
    assert.match(r.stderr, /^finding files \(2\)\n/); // plain lines when stderr is not a TTY
    const manifest = JSON.parse(readFileSync(join(dir, 'out/staticfiles.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.paths), ['css/a.css', 'img/a.svg', 'vendor/v.js']);
  });

  it('--json prints the summary as JSON; flags map to options', (t) => {
    const dir = tempDir(t, 'cli');
    writeTree(dir, { 'src/css/a.css': css, 'src/img/a.svg': svg, 'src/skip.scss': 'x' });
    const r = cli(['collect', '-s', 'src', '-o', 'out', '--json', '--no-keep-originals', '--encodings', 'gzip', '--ignore', '*.scss'], dir);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.files, 2);
    assert.deepEqual(Object.keys(summary.encodings), ['gzip']);
    assert.ok(!existsSync(join(dir, 'out/css/a.css')));
    assert.ok(readdirSync(join(dir, 'out/css')).some((n) => n.endsWith('.css.gz')));
    assert.ok(!readdirSync(join(dir, 'out/css')).some((n) => n.endsWith('.br')));
  });

  it('--cache-dir keeps compression for a fresh out; --no-cache and --no-already-hashed map to options', (t) => {
    const dir = tempDir(t, 'cli');
    writeTree(dir, { 'src/css/a.css': css, 'src/img/a.svg': svg, 'src/assets/app-Bq3nZ7Wd.js': 'export {};\n'.repeat(40) });
    const first = JSON.parse(cli(['collect', 'src', '-o', 'out1', '--json', '--cache-dir', 'cache'], dir).stdout);
    assert.ok(first.compressed > 0);
    const warm = JSON.parse(cli(['collect', 'src', '-o', 'out2', '--json', '--cache-dir', 'cache'], dir).stdout);
    assert.equal(warm.compressed, 0);
    assert.equal(warm.cached, first.compressed);
    const off = JSON.parse(cli(['collect', 'src', '-o', 'out3', '--json', '--no-cache'], dir).stdout);
    assert.equal(off.cached, 0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out3/staticfiles.json'), 'utf8'));
    assert.equal(manifest.paths['assets/app-Bq3nZ7Wd.js'], 'assets/app-Bq3nZ7Wd.js', 'a bundler-hashed name is kept');
    cli(['collect', 'src', '-o', 'out4', '--no-already-hashed', '--no-cache'], dir);
    assert.match(JSON.parse(readFileSync(join(dir, 'out4/staticfiles.json'), 'utf8')).paths['assets/app-Bq3nZ7Wd.js'], /^assets\/app-Bq3nZ7Wd\.[0-9a-f]{12}\.js$/);
    assert.equal(cli(['collect', 'src', '-o', 'out5', '--no-cache', '--cache-dir', 'c'], dir).code, 2);
  });

  it('--dry-run writes nothing; --no-strict turns a missing reference into a warning', (t) => {
    const dir = tempDir(t, 'cli');
    writeTree(dir, { 'src/a.css': 'a{b:url(gone.png)}' });
    const dry = cli(['collect', 'src', '-o', 'out', '--dry-run', '--no-strict'], dir);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: nothing written/);
    assert.match(dry.stderr, /warning: .*a\.css:1:9: the reference "gone\.png" cannot be resolved/);
    assert.ok(!existsSync(join(dir, 'out')));
  });

  it('reads static-origin.config.json from the cwd, paths relative to the file; flags override it', (t) => {
    const dir = tempDir(t, 'cli');
    writeTree(dir, { 'proj/static/css/a.css': css, 'proj/static/img/a.svg': svg, 'proj/static/x.map': '{}' });
    writeFileSync(join(dir, 'proj/static-origin.config.json'), JSON.stringify({ sources: ['static'], out: 'build/static', ignore: ['*.map'], encodings: ['br'] }));
    const r = cli(['collect', '--json'], join(dir, 'proj'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).files, 2);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout).encodings), ['br']);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ sources: ['proj/static'], out: 'elsewhere' }));
    const r2 = cli(['collect', '--config', 'other.json', '--out', 'flag-out', '--json'], dir);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(JSON.parse(r2.stdout).out, join(dir, 'flag-out'));
  });

  it('exits 2 with usage for a bad flag or command', (t) => {
    const dir = tempDir(t, 'cli');
    const r = cli(['collect', '--bogus'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--bogus'/);
    assert.equal(cli(['serve'], dir).code, 2);
    const none = cli(['collect', '--out', 'x'], dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no source directory given/);
  });
});

describe('bad input: one clear message, non-zero exit, the previous output intact', () => {
  /** A project with a good collect already done; returns its dir and the output's snapshot. */
  function collected(t: import('node:test').TestContext): { dir: string; before: Map<string, string> } {
    const dir = tempDir(t, 'cli-bad');
    writeTree(dir, { 'src/css/a.css': css, 'src/img/a.svg': svg });
    const r = cli(['collect', 'src', '-o', 'out'], dir);
    assert.equal(r.code, 0, r.stderr);
    return { dir, before: snapshot(join(dir, 'out')) };
  }

  it('a missing source directory', (t) => {
    const { dir, before } = collected(t);
    assertOneError(cli(['collect', 'src', 'nope', '-o', 'out'], dir), new RegExp(`the source directory ${join(dir, 'nope')} does not exist`));
    assert.deepEqual(snapshot(join(dir, 'out')), before);
  });

  it('an unreadable file (a real EACCES: collect runs as uid 65534)', (t) => {
    const dir = tempDir(t, 'cli-bad');
    writeTree(dir, { 'src/css/a.css': css, 'src/img/a.svg': svg });
    chmodSync(dir, 0o755);
    for (const p of ['src', 'src/css', 'src/img', 'src/css/a.css', 'src/img/a.svg']) chownSync(join(dir, p), 65534, 65534);
    chownSync(dir, 65534, 65534);
    const nobody = { uid: 65534, gid: 65534 };
    assert.equal(cli(['collect', 'src', '-o', 'out'], dir, nobody).code, 0);
    const before = snapshot(join(dir, 'out'));
    writeFileSync(join(dir, 'src/css/secret.css'), 'a{}'); // owned by root
    chmodSync(join(dir, 'src/css/secret.css'), 0o600);
    const r = cli(['collect', 'src', '-o', 'out'], dir, nobody);
    assertOneError(r, new RegExp(`cannot read ${join(dir, 'src/css/secret.css')}: EACCES`));
    assert.deepEqual(snapshot(join(dir, 'out')), before);
  });

  it('a CSS file that is not UTF-8', (t) => {
    const { dir, before } = collected(t);
    writeFileSync(join(dir, 'src/css/latin1.css'), Buffer.from('a{content:"caf\xe9"}', 'latin1'));
    assertOneError(cli(['collect', 'src', '-o', 'out'], dir), new RegExp(`${join(dir, 'src/css/latin1.css')} is not valid UTF-8`));
    assert.deepEqual(snapshot(join(dir, 'out')), before);
  });

  it('a source inside out', (t) => {
    const { dir, before } = collected(t);
    writeTree(dir, { 'out/extra/x.css': 'x{}' });
    const withExtra = snapshot(join(dir, 'out'));
    assertOneError(cli(['collect', 'out/extra', '-o', 'out'], dir), /the source .*out\/extra is inside the output directory/);
    assert.deepEqual(snapshot(join(dir, 'out')), withExtra);
    assert.ok(before.size > 0);
  });

  it('a config file with an unknown key', (t) => {
    const { dir, before } = collected(t);
    writeFileSync(join(dir, 'static-origin.config.json'), JSON.stringify({ sources: ['src'], out: 'out', keep_originals: false }));
    assertOneError(cli(['collect'], dir), /unknown key "keep_originals" in .*static-origin\.config\.json/);
    assert.deepEqual(snapshot(join(dir, 'out')), before);
  });

  it('a reference to a missing file', (t) => {
    const { dir, before } = collected(t);
    writeFileSync(join(dir, 'src/css/b.css'), '\n  a { b: url("../img/missing.svg") }');
    assertOneError(cli(['collect', 'src', '-o', 'out'], dir), /b\.css:2:15: the reference "\.\.\/img\/missing\.svg" cannot be resolved.*did you mean "img\/a\.svg"/);
    assert.deepEqual(snapshot(join(dir, 'out')), before);
  });

  // The child runs on this test's Node (process.execPath), so this Node's zlib says which answer is right.
  const zstd = zlib as unknown as { zstdCompress?: unknown; zstdDecompressSync?: (data: Buffer) => Buffer };
  if (typeof zstd.zstdCompress === 'function') {
    it(`--encodings br,zstd writes .zst siblings (Node ${process.version} has zstd)`, (t) => {
      const { dir } = collected(t);
      const r = cli(['collect', 'src', '-o', 'out', '--encodings', 'br,zstd'], dir);
      assert.equal(r.code, 0, r.stderr);
      const manifest = JSON.parse(readFileSync(join(dir, 'out/staticfiles.json'), 'utf8'));
      assert.deepEqual(Object.keys(manifest.files['css/a.css'].encodings).sort(), ['br', 'zstd']);
      assert.ok(zstd.zstdDecompressSync!(readFileSync(join(dir, 'out/css/a.css.zst'))).equals(readFileSync(join(dir, 'out/css/a.css'))));
    });
  } else {
    it(`zstd on a Node without it (${process.version})`, (t) => {
      const { dir, before } = collected(t);
      const r = cli(['collect', 'src', '-o', 'out', '--encodings', 'br,zstd'], dir);
      assertOneError(r, /zstd needs a Node\.js with zlib\.zstdCompress/);
      assert.deepEqual(snapshot(join(dir, 'out')), before);
    });
  }
});

describe('interruption', () => {
  it('a collect killed half-way (SIGKILL) leaves the previous root intact and servable', async (t) => {
    const dir = tempDir(t, 'cli-kill');
    writeTree(dir, { 'src/css/a.css': css, 'src/img/a.svg': svg });
    assert.equal(cli(['collect', 'src', '-o', 'out'], dir).code, 0);
    const before = snapshot(join(dir, 'out'));

    // Enough brotli-11 work to take seconds, so the kill lands mid-compression.
    let seed = 1;
    const word = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 'abcdefghijklmnopqrstuvwxyz'.slice(seed % 20, (seed % 20) + 3 + (seed % 5));
    };
    for (let i = 0; i < 40; i++) writeTree(dir, { [`src/big/f${i}.css`]: Array.from({ length: 40000 }, word).join(' ') });

    const child = spawn(process.execPath, [BIN, 'collect', 'src', '-o', 'out'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`never reached compression: ${stderr}`)), 30_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('compressing')) {
          clearTimeout(timer);
          setTimeout(res, 300);
        }
      });
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'killed before it finished');
    assert.ok(!stderr.includes('writing'), 'the kill landed before the write phase');

    assert.deepEqual(snapshot(join(dir, 'out')), before);
    const assets = staticOrigin({ root: join(dir, 'out'), prefix: '/static/' });
    const server: Server = createServer((req, res) => {
      if (!assets.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    t.after(() => {
      server.close();
      assets.close();
    });
    const port = (server.address() as { port: number }).port;
    const url = assets.url('css/a.css');
    assert.match(url, /^\/static\/css\/a\.[0-9a-f]{12}\.css$/);
    const body = await new Promise<{ status: number; text: string }>((res, rej) => {
      get({ host: '127.0.0.1', port, path: url }, (r) => {
        let text = '';
        r.setEncoding('utf8')
          .on('data', (c) => (text += c))
          .on('end', () => res({ status: r.statusCode!, text }));
      }).on('error', rej);
    });
    assert.equal(body.status, 200);
    assert.match(body.text, /url\(\.\.\/img\/a\.[0-9a-f]{12}\.svg\)/);

    // The next collect tidies the dead run's staging directory and succeeds.
    const again = await execFileP(process.execPath, [BIN, 'collect', 'src', '-o', 'out', '--encodings', 'gzip'], { cwd: dir });
    assert.match(again.stdout, /42 collected/);
    assert.deepEqual(readdirSync(dir).sort(), ['out', 'src']);
  });
});
