// Write: the manifest, originals, carrying earlier hashed files, clear, dry run, and failure safety.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { serializeManifest } from '../src/contract/manifest.js';
import { handles, run, snapshot, tempDir, writeTree } from './fixtures/collect/helpers.js';

const css = 'a { background: url(../img/a.svg); }\n'.repeat(20);
const svg = '<svg xmlns="http://www.w3.org/2000/svg">' + '<g/>'.repeat(100) + '</svg>';

describe('manifest', () => {
  it('lists every source in paths and every written file in files, with sorted keys, never itself', async (t) => {
    const r = await run(t, { 'css/a.css': css, 'img/a.svg': svg });
    assert.equal(r.manifest.version, 1);
    assert.deepEqual(Object.keys(r.manifest.paths), ['css/a.css', 'img/a.svg']);
    const written = readdirSync(r.out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(r.out.length + 1));
    const expected = written.filter((n) => !/\.(br|gz)$/.test(n) && n !== 'staticfiles.json' && !n.startsWith('.')).sort();
    assert.deepEqual(Object.keys(r.manifest.files).sort(), expected);
    assert.equal(expected.length, 4); // two originals, two hashed copies
    assert.ok(!('staticfiles.json' in r.manifest.files));
    const text = readFileSync(join(r.out, 'staticfiles.json'), 'utf8');
    assert.equal(text, serializeManifest(r.manifest));
    // The hashed copy is rewritten, and the unhashed name holds the same final bytes (one content).
    assert.notEqual(r.hashed('css/a.css'), css);
    assert.ok(r.hashed('css/a.css').includes(`url(../${r.nameOf('img/a.svg')})`));
    assert.equal(r.file('css/a.css').toString(), r.hashed('css/a.css'));
    assert.equal(r.manifest.files['css/a.css'].hash, r.manifest.files[r.nameOf('css/a.css')].hash);
  });

  it('writes only hashed names with keepOriginals: false', async (t) => {
    const r = await run(t, { 'css/a.css': css, 'img/a.svg': svg }, { keepOriginals: false });
    assert.deepEqual(Object.keys(r.manifest.files).sort(), [r.nameOf('css/a.css'), r.nameOf('img/a.svg')].sort());
    assert.ok(!existsSync(join(r.out, 'css/a.css')));
    assert.ok(!existsSync(join(r.out, 'css/a.css.br')));
  });
});

describe('earlier collects', () => {
  it('carries hashed files of earlier collects (and their variants) until clear', async (t) => {
    const dir = tempDir(t);
    const one = await run(t, { 'css/a.css': css, 'img/a.svg': svg }, {}, dir);
    const oldName = one.nameOf('css/a.css');
    writeFileSync(join(one.src, 'css/a.css'), css + 'b{}');
    const two = handles(dir, one.src, one.out, await collect({ sources: [one.src], out: one.out }));
    assert.notEqual(two.nameOf('css/a.css'), oldName);
    assert.equal(two.file(oldName).toString(), one.file(oldName).toString());
    assert.ok(two.file(oldName + '.br').equals(one.file(oldName + '.br')));
    assert.deepEqual(two.manifest.files[oldName], one.manifest.files[oldName]);
    assert.ok(two.summary.carried >= 3);
    // The unhashed name's stale variants are not carried: they would not match its new bytes.
    assert.equal(readFileSync(join(two.out, 'css/a.css'), 'utf8'), two.hashed('css/a.css'));
    assert.ok(two.hashed('css/a.css').endsWith('b{}'));
    assert.ok(zlib.brotliDecompressSync(readFileSync(join(two.out, 'css/a.css.br'))).equals(Buffer.from(two.hashed('css/a.css'))));

    const three = handles(dir, one.src, one.out, await collect({ sources: [one.src], out: one.out, clear: true }));
    assert.ok(!existsSync(join(three.out, oldName)));
    assert.ok(!(oldName in three.manifest.files));
    assert.equal(three.summary.carried, 0);
  });

  it('dry run writes nothing, and reports what it would do', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'css/a.css': css, 'img/a.svg': svg });
    const summary = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), dryRun: true });
    assert.equal(summary.dryRun, true);
    assert.equal(summary.files, 2);
    assert.deepEqual(readdirSync(dir), ['src']);
  });

  it('a failed collect leaves the previous root byte-identical and no staging directory behind', async (t) => {
    const dir = tempDir(t);
    const one = await run(t, { 'css/a.css': css, 'img/a.svg': svg }, {}, dir);
    const before = snapshot(one.out);
    writeFileSync(join(one.src, 'css/b.css'), 'x{b:url(missing.png)}');
    await assert.rejects(collect({ sources: [one.src], out: one.out }), /missing\.png/);
    assert.deepEqual(snapshot(one.out), before);
    assert.deepEqual(readdirSync(dir).sort(), ['out', 'src']);
  });

  it('puts back a previous root that an interrupted swap left aside, and removes stale staging', async (t) => {
    const dir = tempDir(t);
    const one = await run(t, { 'img/a.svg': svg }, {}, dir);
    const before = snapshot(one.out);
    // As if killed between the two renames, and as if killed while building.
    const { renameSync } = await import('node:fs');
    renameSync(one.out, join(dir, '.out.static-origin-old-2147483646'));
    mkdirSync(join(dir, '.out.static-origin-tmp-2147483645-abc'));
    writeFileSync(join(one.src, 'img/b.svg'), svg + ' ');
    await collect({ sources: [one.src], out: one.out, dryRun: true });
    assert.ok(!existsSync(one.out), 'a dry run touches nothing');
    await collect({ sources: [one.src], out: one.out });
    assert.deepEqual(readdirSync(dir).sort(), ['out', 'src']);
    const after = snapshot(one.out);
    for (const [name, bytes] of before) if (name !== 'staticfiles.json' && !name.startsWith('.')) assert.equal(after.get(name), bytes, name);
  });
});
