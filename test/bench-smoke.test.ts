// Proves `npm run bench` still works: runs the bench in smoke mode (1 round, 1 s loads, small
// corpus) and checks that it exits 0 and printed a table in which every server was verified.
// No timing assertions: the numbers of a smoke run mean nothing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const hasWrk = spawnSync('wrk', ['-v']).error === undefined;

test('bench --smoke runs, verifies every server and prints the table', { timeout: 120_000 }, async () => {
  assert.ok(hasWrk, "wrk is not installed: `.ci/run` (or bench/setup.sh) installs Debian's wrk");
  const child = spawn(process.execPath, [join(repo, 'bench/run.js'), '--smoke'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
  const code: number | null = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  assert.equal(code, 0, `bench --smoke exited ${code}:\n${out.slice(-4000)}`);
  assert.match(out, /\| scenario +\| stack +\| server +\| +req\/s/, 'no throughput table');
  const m = /(\d+) of (\d+) \(scenario, server\) pairs verified; 0 failure\(s\)/.exec(out);
  assert.ok(m, `no verification summary:\n${out.slice(-2000)}`);
  // every pair verified, except those a peer cannot do at all (marked "unsupported" in the table)
  const unsupported = (out.match(/^\s+unsupported: /gm) ?? []).length;
  assert.equal(Number(m[1]) + unsupported, Number(m[2]), out.slice(-4000));
  for (const id of ['so-http', 'so-connect', 'so-express', 'http-buffer', 'express-buffer', 'sirv-connect', 'sirv-express', 'serve-static-express', 'esg-express', 'fastify-static']) {
    assert.doesNotMatch(out, new RegExp(`(NOT STARTED|VERIFY FAILED: [a-z0-9]+/)${id}\\b`), `${id} failed`);
  }
  assert.doesNotMatch(out, /FAILED/, out.slice(-4000));
  assert.match(out, /Startup over/, 'no startup table');
  assert.match(out, /collect over|collect: not measured/, 'no collect section');
});
