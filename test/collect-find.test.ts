// Find and options: source order, duplicates, ignores, prefixes, layout checks, option validation.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect } from '../src/collect/index.js';
import { handles, tempDir, writeTree } from './fixtures/collect/helpers.js';

describe('find', () => {
  it('collects sources in order: the first file for a destination wins, later ones are reported', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'app/static/a.css': 'first', 'vendor/static/a.css': 'second', 'vendor/static/v.js': 'v' });
    const summary = await collect({ sources: [join(dir, 'app/static'), join(dir, 'vendor/static')], out: join(dir, 'out') });
    const r = handles(dir, '', join(dir, 'out'), summary);
    assert.equal(r.file('a.css').toString(), 'first');
    assert.equal(summary.files, 2);
    assert.deepEqual(summary.duplicates, [{ name: 'a.css', kept: join(dir, 'app/static/a.css'), ignored: join(dir, 'vendor/static/a.css') }]);
    assert.ok(summary.warnings.some((w) => w.includes('another file with the destination path "a.css"')));
  });

  it('puts a source with a prefix under that sub-path', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'vendor/lib.js': 'x', 'app/a.css': 'a' });
    const summary = await collect({ sources: [join(dir, 'app'), { dir: join(dir, 'vendor'), prefix: '/vendor/' }], out: join(dir, 'out') });
    const r = handles(dir, '', join(dir, 'out'), summary);
    assert.deepEqual(Object.keys(r.manifest.paths).sort(), ['a.css', 'vendor/lib.js']);
  });

  it('ignores dotfiles, *~ and CVS by default, and extra globs on the base name or the path', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), {
      '.env': 's',
      '.git/config': 'x',
      'a.css~': 'x',
      'CVS/Entries': 'x',
      'keep.css': 'k',
      'scss/a.scss': 'x',
      'docs/readme.md': 'x',
      'deep/x/notes.txt': 'x',
      'deep/x/keep.txt': 'k',
    });
    const summary = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out'), ignore: ['*.scss', 'docs', 'deep/**/notes.txt'] });
    const r = handles(dir, '', join(dir, 'out'), summary);
    assert.deepEqual(Object.keys(r.manifest.paths).sort(), ['deep/x/keep.txt', 'keep.css']);
  });

  it('follows symlinks but not loops', async (t) => {
    const dir = tempDir(t);
    writeTree(join(dir, 'src'), { 'a/x.txt': 'x' });
    symlinkSync(join(dir, 'src'), join(dir, 'src/a/loop'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'src/dangling.txt'));
    const summary = await collect({ sources: [join(dir, 'src')], out: join(dir, 'out') });
    const r = handles(dir, '', join(dir, 'out'), summary);
    assert.deepEqual(Object.keys(r.manifest.paths), ['a/x.txt']);
    assert.equal(summary.warnings.length, 2);
  });
});

describe('layout checks', () => {
  it('refuses out inside a source', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'src/a.css': 'a' });
    await assert.rejects(
      collect({ sources: [join(dir, 'src')], out: join(dir, 'src/static') }),
      (e: Error & { code?: string }) => e.code === 'ERR_STATIC_ORIGIN_SOURCE' && /output directory .*src\/static is inside the source/.test(e.message),
    );
  });

  it('refuses a source inside out, and out equal to a source', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'out/src/a.css': 'a' });
    await assert.rejects(collect({ sources: [join(dir, 'out/src')], out: join(dir, 'out') }), /the source .*out\/src is inside the output directory/);
    await assert.rejects(collect({ sources: [join(dir, 'out/src')], out: join(dir, 'out/src') }), /is inside the source/);
  });

  it('names a missing source directory', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(
      collect({ sources: [join(dir, 'nope')], out: join(dir, 'out') }),
      (e: Error & { code?: string }) => e.code === 'ERR_STATIC_ORIGIN_SOURCE' && e.message === `static-origin: the source directory ${join(dir, 'nope')} does not exist`,
    );
  });

  it('refuses a source file that would be collected as staticfiles.json', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'src/staticfiles.json': '{}' });
    await assert.rejects(collect({ sources: [join(dir, 'src')], out: join(dir, 'out') }), /would be collected as staticfiles\.json/);
  });
});

describe('options', () => {
  it('throws a TypeError naming the bad option', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ sources: [], out: 'x' }, /option "sources"/],
      [{ sources: ['a'] }, /option "out"/],
      [{ sources: ['a'], out: 'x', prefix: 5 }, /option "prefix"/],
      [{ sources: ['a'], out: 'x', encodings: ['deflate'] }, /option "encodings"/],
      [{ sources: ['a'], out: 'x', keepOriginals: 'no' }, /option "keepOriginals"/],
      [{ sources: [{ dir: 'a', prefix: '../x' }], out: 'x' }, /option "sources\[0\]\.prefix"/],
      [{ sources: ['a'], out: 'x', ignore: 'x' }, /option "ignore"/],
      [{ sources: ['a'], out: 'x', outt: 'y' }, /option "outt"/],
    ];
    for (const [options, re] of cases) await assert.rejects(collect(options as never), (e: Error) => e instanceof TypeError && re.test(e.message));
  });

  it('never mutates the caller’s options (a frozen object works)', async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'src/a.css': 'a' });
    const options = Object.freeze({ sources: Object.freeze([Object.freeze({ dir: 'src', prefix: 'p' })]), out: 'out', cwd: dir, ignore: Object.freeze(['*.map']) });
    const summary = await collect(options as never);
    assert.equal(summary.files, 1);
    assert.equal(summary.out, join(dir, 'out'));
  });

  it('resolves relative paths against cwd', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'src'));
    writeTree(dir, { 'src/a.txt': 'a' });
    const summary = await collect({ sources: ['src'], out: 'out', cwd: dir });
    assert.equal(summary.out, join(dir, 'out'));
  });
});
