// Starts test/helpers/origin-probe.ts as a child process on loopback and keeps an eye on
// it: a crash is reported as such (exit code or signal, and the end of its stderr) instead
// of surfacing as refused connections. Stopped by its pid, with a bounded wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { get } from './http.js';

export interface OriginStats {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  fds: number;
  cache: { used: number; held: number; maxBytes: number };
}

export interface OriginChild {
  readonly port: number;
  readonly pid: number;
  /** Why the process ended ('exit 1 null', 'exit null SIGABRT'), or undefined while it runs. */
  ended(): string | undefined;
  /** The last 16 KiB it wrote to stderr (warnings, a crash's stack). */
  stderr(): string;
  stats(gc?: boolean): Promise<OriginStats>;
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

const PROBE = join(import.meta.dirname, 'origin-probe.ts');
const STDERR_KEPT = 16 * 1024;

export async function startOrigin(root: string, options: object = {}, nodeFlags: string[] = []): Promise<OriginChild> {
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', PROBE, root, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let ended: string | undefined;
  let stderr = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = `exit ${code} ${signal}`;
      resolve();
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the origin did not start within 30 s'));
    }, 30_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(Number(out.trim()));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the origin exited at start (${ended}): ${stderr}`));
    });
  });
  return {
    port,
    pid: child.pid!,
    ended: () => ended,
    stderr: () => stderr,
    async stats(gc = false): Promise<OriginStats> {
      const r = await get(port, gc ? '/__probe/stats?gc=1' : '/__probe/stats');
      if (r.status !== 200) throw new Error(`stats: ${r.status}`);
      return JSON.parse(r.body.toString()) as OriginStats;
    },
    async refresh(): Promise<void> {
      const r = await get(port, '/__probe/refresh');
      if (r.status !== 200) throw new Error(`refresh: ${r.status} ${r.body.toString()}`);
    },
    stop: async () => {
      if (ended !== undefined) return;
      const signal = (name: NodeJS.Signals): void => {
        try {
          process.kill(child.pid!, name);
        } catch {
          // It ended meanwhile.
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => {
        if (ended === undefined) signal('SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits (bounded) until the origin's open descriptors are back at `baseline` or below; the last count. */
export async function settleDescriptors(origin: OriginChild, baseline: number, ms = 5_000): Promise<number> {
  const deadline = Date.now() + ms;
  let now = (await origin.stats()).fds;
  while (now > baseline && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    now = (await origin.stats()).fds;
  }
  return now;
}
