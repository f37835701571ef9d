// Clients that abort at random points, concurrently, against an origin in its own process:
// it must stay up, and every descriptor it opened must be closed (exactly once: a second
// close of a reused number aborts libuv, or closes another request's file).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { put, tempDir } from './helpers/fixtures.js';
import { get } from './helpers/http.js';
import { random } from './helpers/random.js';

const SIZE = 3 * 1024 * 1024;
const BIG = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) BIG[i] = (i * 2654435761) >>> 24;

interface Origin {
  child: ChildProcess;
  port: number;
  exited: Promise<string>;
}

async function startOrigin(root: string, options: object): Promise<Origin> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/origin-process.ts'), root, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`exit ${code} ${signal}`)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code, signal) => reject(new Error(`origin exited at start: ${code} ${signal}`)));
  });
  return { child, port, exited };
}

type AbortAt = 'before-head' | 'after-head' | 'mid-body';
const RANGES = [undefined, 'bytes=1000-2000999', 'bytes=0-1000000,2000000-2999999', 'bytes=5-9,100-199,1048576-2097151,-1000'];

/** One request that the client abandons at the given point; resolves when the socket is gone. */
function abandon(port: number, range: string | undefined, at: AbortAt, afterBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`GET /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${range ? `Range: ${range}\r\n` : ''}\r\n`);
      if (at === 'before-head') setImmediate(() => s.destroy());
    });
    let seen = 0;
    s.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (at === 'after-head' || seen >= afterBytes) s.destroy();
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.setTimeout(10_000, () => s.destroy());
  });
}

async function openDescriptors(port: number): Promise<number> {
  return Number((await get(port, '/__fds')).body.toString());
}

async function settle(port: number, baseline: number): Promise<number> {
  let now = await openDescriptors(port);
  for (let i = 0; i < 100 && now > baseline; i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = await openDescriptors(port);
  }
  return now;
}

for (const memoryCache of [false, undefined] as const) {
  describe(`aborted clients (memoryCache: ${memoryCache === false ? 'false' : 'default'})`, () => {
    let tmp: { dir: string; cleanup(): void };
    let origin: Origin;
    before(async () => {
      tmp = tempDir('abort');
      put(tmp.dir, 'big.bin', BIG);
      origin = await startOrigin(tmp.dir, memoryCache === false ? { memoryCache: false } : {});
    });
    after(() => {
      origin.child.kill();
      tmp.cleanup();
    });

    it('multi-range requests closed on the first byte do not crash the origin (double close of a descriptor, SIGABRT)', async () => {
      const baseline = await openDescriptors(origin.port);
      // Four clients abandoning multi-range answers on their first byte, while four others
      // take whole answers: the others' files and sockets are what a stray close would hit.
      let left = 1000;
      const aborting = async (): Promise<void> => {
        while (left-- > 0) await abandon(origin.port, RANGES[2], 'after-head', 0);
      };
      const reading = async (): Promise<void> => {
        while (left > 0) await abandon(origin.port, RANGES[1], 'mid-body', Infinity);
      };
      await Promise.all([aborting(), aborting(), aborting(), aborting(), reading(), reading(), reading(), reading()]);
      assert.equal(origin.child.exitCode, null, await Promise.race([origin.exited, Promise.resolve('running')]));
      assert.ok((await settle(origin.port, baseline)) <= baseline, 'descriptors back to their baseline');
    });

    it('thousands of whole, single- and multi-range requests aborted at random points: the origin stays up and closes every descriptor', async () => {
      const next = random(0x5eed);
      const baseline = await openDescriptors(origin.port);
      const points: AbortAt[] = ['before-head', 'after-head', 'mid-body'];
      let left = 2000;
      const lane = async (): Promise<void> => {
        while (left-- > 0) {
          const range = RANGES[Math.floor(next() * RANGES.length)];
          await abandon(origin.port, range, points[Math.floor(next() * 3)], Math.floor(next() * 2_000_000));
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
      assert.equal(origin.child.exitCode, null, 'the origin is still running');
      const now = await settle(origin.port, baseline);
      assert.ok(now <= baseline, `descriptors: ${baseline} before, ${now} after`);
      const r = await get(origin.port, '/static/big.bin');
      assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(BIG).digest('hex'));
      const multi = await get(origin.port, '/static/big.bin', { range: RANGES[3]! });
      assert.equal(multi.status, 206);
      assert.equal(Number(multi.headers['content-length']), multi.body.length);
      assert.ok(multi.body.includes(BIG.subarray(1048576, 2097152)));
    });
  });
}
