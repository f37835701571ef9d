// The published shape: ESM and CommonJS consumers load the built package through its
// exports map, and TypeScript consumers type-check against the bundled .d.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashedAndPrecompressed, tempDir, type HashedRoot } from './helpers/fixtures.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
let fx: HashedRoot;
let app: { dir: string; cleanup(): void };

before(() => {
  fx = hashedAndPrecompressed();
  app = tempDir('consumer');
  mkdirSync(join(app.dir, 'node_modules'));
  symlinkSync(repo, join(app.dir, 'node_modules', 'static-origin'), 'dir');
});
after(() => {
  fx.cleanup();
  app.cleanup();
});

function run(file: string, source: string): string {
  writeFileSync(join(app.dir, file), source);
  const child = spawnSync(process.execPath, [file], { cwd: app.dir, encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim();
}

describe('package consumers', () => {
  it('loads from ESM', () => {
    const out = run(
      'esm.mjs',
      `import { staticOrigin, collect, StaticOriginError } from 'static-origin';
const a = staticOrigin({ root: ${JSON.stringify(fx.root)} });
console.log(typeof a, typeof a.url, typeof a.handle, typeof collect, typeof StaticOriginError, a.url('css/app.css'));`,
    );
    assert.equal(out, `function function function function function /static/${fx.cssName}`);
  });

  it('loads from CommonJS', () => {
    const out = run(
      'cjs.cjs',
      `const { staticOrigin, collect } = require('static-origin');
const a = staticOrigin({ root: ${JSON.stringify(fx.root)} });
console.log(typeof a, typeof collect, a.url('css/app.css'));`,
    );
    assert.equal(out, `function function /static/${fx.cssName}`);
  });

  it('type-checks a TypeScript consumer against the bundled types, and rejects misuse', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    writeFileSync(
      join(app.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(repo, 'node_modules/@types')] },
        files: ['good.mts', 'good.cts'],
      }),
    );
    const good = `import { staticOrigin, collect, type StaticOriginOptions, type Manifest, type ImportMap } from 'static-origin';
import { createServer } from 'node:http';
const options: StaticOriginOptions = { root: 'staticfiles', prefix: '/static/', encodings: ['br', 'gzip'], immutable: /\\.[0-9a-f]{12}\\./, headers: (h, f) => { h['x-file'] = f.path; } };
const assets = staticOrigin(options);
const href: string = assets.url('app.css');
const sri: string = assets.integrity('app.css');
const map: ImportMap = assets.importMap({ lit: 'vendor/lit/index.js' });
const tag: string = assets.importMapTag();
const litUrl: string | undefined = map.imports.lit; void tag; void litUrl;
createServer((req, res) => { if (!assets.handle(req, res)) res.end(); });
void collect; void href; void sri; const m: Manifest | undefined = undefined; void m;
`;
    writeFileSync(join(app.dir, 'good.mts'), good);
    writeFileSync(join(app.dir, 'good.cts'), good.replace(/^import \{ createServer \} from 'node:http';$/m, "import http = require('node:http'); const createServer = http.createServer;"));
    const ok = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app.dir, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    writeFileSync(join(app.dir, 'bad.mts'), `import { staticOrigin } from 'static-origin';\nstaticOrigin({ root: 'x', maxAge: '60' });\n`);
    const bad = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--strict', '--types', 'node', '--typeRoots', join(repo, 'node_modules/@types'), 'bad.mts'],
      { cwd: app.dir, encoding: 'utf8' },
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /bad\.mts\(2,27\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });
});
