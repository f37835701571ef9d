// A real caching proxy in front of the origin: Debian's varnishd, on loopback, in the
// foreground, stopped by pid when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './fixtures.js';

export const VARNISHD = ['/usr/sbin/varnishd', '/usr/bin/varnishd'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`varnishd did not listen on ${port} in time`);
}

export interface Varnish {
  port: number;
  stop(): Promise<void>;
}

/** Starts varnishd with `vcl` (the backend is filled in), gzip handling off so Vary is honoured as sent. */
export async function startVarnish(backendPort: number, vclBody: string): Promise<Varnish> {
  if (VARNISHD === undefined) throw new Error("varnishd is not installed: `.ci/run` installs Debian's varnish (apt-get install varnish)");
  const tmp = tempDir('varnish');
  // varnishd reads the VCL as its own unprivileged user.
  chmodSync(tmp.dir, 0o755);
  const vcl = join(tmp.dir, 'origin.vcl');
  writeFileSync(vcl, `vcl 4.1;\nbackend origin { .host = "127.0.0.1"; .port = "${backendPort}"; }\n${vclBody}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(VARNISHD, ['-F', '-a', `127.0.0.1:${port}`, '-f', vcl, '-n', join(tmp.dir, 'work'), '-s', 'malloc,32m', '-p', 'http_gzip_support=off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  try {
    await waitForPort(port, Date.now() + 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    tmp.cleanup();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          tmp.cleanup();
          return resolve();
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          tmp.cleanup();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
