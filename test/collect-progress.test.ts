// Feedback: a redrawn bar on a TTY, plain lines otherwise, and the summary table.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createReporter, formatSummary } from '../src/collect/progress.js';
import type { CollectSummary } from '../src/collect/index.js';

function sink() {
  const chunks: string[] = [];
  return { chunks, write: (s: string) => chunks.push(s) };
}

it('draws a bar on a TTY, redrawn in place, and clears it before warnings', () => {
  const out = sink();
  const r = createReporter(out, true, 10);
  r.onEvent({ type: 'phase', phase: 'compress', total: 4 });
  r.onEvent({ type: 'progress', phase: 'compress', done: 4, total: 4, name: 'css/a.css' });
  r.onEvent({ type: 'warning', message: 'careful' });
  r.done();
  assert.deepEqual(out.chunks, ['\r\x1b[Kcompressing [##########] 4/4 css/a.css', '\r\x1b[K', 'warning: careful\n']);
});

it('prints one plain line per phase and no bar elsewhere', () => {
  const out = sink();
  const r = createReporter(out, false);
  r.onEvent({ type: 'phase', phase: 'hash', total: 3 });
  r.onEvent({ type: 'progress', phase: 'hash', done: 1, total: 3, name: 'a' });
  r.onEvent({ type: 'phase', phase: 'write', total: 9 });
  r.done();
  assert.deepEqual(out.chunks, ['reading and hashing (3)\n', 'writing (9)\n']);
});

it('ends with a table: files, bytes before and after per encoding, reused, time', () => {
  const summary: CollectSummary = {
    out: '/srv/static',
    dryRun: false,
    files: 3,
    written: 10,
    carried: 2,
    duplicates: [{ name: 'a.css', kept: '/a/a.css', ignored: '/b/a.css' }],
    bytes: 2048,
    encodings: { br: { files: 2, bytesBefore: 2048, bytesAfter: 512 } },
    compressed: 1,
    reused: 3,
    cached: 4,
    warnings: [],
    timeMs: 1234,
  };
  assert.equal(
    formatSummary(summary),
    [
      'collected into /srv/static',
      '  files    3 collected, 1 duplicate ignored',
      '  written  10 files, 2 carried over from earlier collects',
      '  hashed   2.0 KiB',
      '  br       2 files, 2.0 KiB → 512 B (25.0%)',
      '  reused   3 variants from the previous root, 4 from the cache, 1 compressed now',
      '  time     1.23 s',
      '',
    ].join('\n'),
  );
});
