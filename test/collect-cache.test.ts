// The persistent compression cache: a fresh checkout into an empty `out` compresses nothing
// it compressed before; corrupt entries are detected and replaced; two collects can share
// it at once; it keeps to its bound.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { tempDir, writeTree } from './fixtures/collect/helpers.js';

function tree(n: number): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = { 'noise.txt': randomBytes(3000) };
  for (let i = 0; i < n; i++) files[`css/f${i}.css`] = `.r${i} { color: #${(i * 99991).toString(16).padStart(6, '0')}; }\n`.repeat(40 + i);
  files['app.css'] = Array.from({ length: n }, (_, i) => `@import "css/f${i}.css";`).join('\n');
  return files;
}

/** Every file under a root with its bytes (the cache record's time aside). */
function contents(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), name);
      else out.set(name, readFileSync(join(dir, e.name)).toString('base64'));
    }
  };
  walk(root, '');
  return out;
}

function cacheFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

describe('persistent compression cache', () => {
  it('a fresh checkout into an empty out compresses nothing compressed before, byte for byte the same', async (t) => {
    const dir = tempDir(t, 'cache');
    writeTree(join(dir, 'src'), tree(8));
    const cacheDir = join(dir, 'cache');
    const cold = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out1'), cacheDir });
    assert.ok(cold.compressed > 0);
    assert.equal(cold.cached, 0);
    const warm = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out2'), cacheDir });
    assert.equal(warm.compressed, 0, 'nothing compressed again');
    assert.equal(warm.cached, cold.compressed, 'every variant and every known reject from the cache');
    assert.equal(warm.reused, 0, 'the empty out had nothing to give');
    assert.deepEqual(contents(join(dir, 'out2')), contents(join(dir, 'out1')));
  });

  it('a corrupt or torn entry is ignored, compressed again and replaced', async (t) => {
    const dir = tempDir(t, 'cache-corrupt');
    writeTree(join(dir, 'src'), tree(3));
    const cacheDir = join(dir, 'cache');
    const cold = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out1'), cacheDir });
    const entries = cacheFiles(cacheDir).filter((f) => statSync(f).size > 40);
    const flipped = entries[0];
    const bytes = readFileSync(flipped);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(flipped, bytes);
    writeFileSync(entries[1], readFileSync(entries[1]).subarray(0, 20)); // torn
    const again = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out2'), cacheDir });
    assert.equal(again.compressed, 2, 'the two damaged entries');
    assert.equal(again.cached, cold.compressed - 2);
    assert.deepEqual(contents(join(dir, 'out2')), contents(join(dir, 'out1')));
    const third = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out3'), cacheDir });
    assert.equal(third.compressed, 0, 'and they were replaced');
  });

  it('two collects sharing one cache at once both finish right, and leave it whole', async (t) => {
    const dir = tempDir(t, 'cache-concurrent');
    writeTree(join(dir, 'src'), tree(10));
    const cacheDir = join(dir, 'cache');
    const [a, b] = await Promise.all([collect({ sources: [join(dir, 'src')], out: join(dir, 'a'), cacheDir }), collect({ sources: [join(dir, 'src')], out: join(dir, 'b'), cacheDir })]);
    assert.equal(a.files, b.files);
    assert.deepEqual(contents(join(dir, 'a')), contents(join(dir, 'b')));
    assert.deepEqual(
      cacheFiles(cacheDir).filter((f) => f.endsWith('.tmp')),
      [],
      'no half-written entry left',
    );
    const c = await collect({ sources: [join(dir, 'src')], out: join(dir, 'c'), cacheDir });
    assert.equal(c.compressed, 0);
  });

  it('keeps to its bound, dropping what was used longest ago', async (t) => {
    const dir = tempDir(t, 'cache-bound');
    writeTree(join(dir, 'src'), tree(12));
    const cacheDir = join(dir, 'cache');
    const bound = 4000;
    await collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), cacheDir, cacheMaxBytes: bound });
    const total = cacheFiles(cacheDir).reduce((n, f) => n + statSync(f).size, 0);
    assert.ok(total <= bound, `${total} bytes kept, bound ${bound}`);
    assert.ok(total > 0, 'the newest entries stay');
  });

  it('cacheDir: false, a bad cacheDir, and the default under node_modules', async (t) => {
    const dir = tempDir(t, 'cache-options');
    writeTree(join(dir, 'src'), tree(2));
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'o'), cacheDir: 3 as unknown as string }), /option "cacheDir"/);
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'o'), cacheMaxBytes: -1 }), /option "cacheMaxBytes"/);
    writeTree(join(dir, 'node_modules'), { '.keep': '' });
    await collect({ sources: ['src'], out: 'o', cwd: dir });
    assert.ok(cacheFiles(join(dir, 'node_modules/.cache/static-origin')).length > 0, 'the default cache is under node_modules');
    const off = await collect({ sources: ['src'], out: 'o2', cwd: dir, cacheDir: false });
    assert.ok(off.compressed > 0);
  });
});
