// `static-origin serve <root>`: the flags, checked before anything starts, then one serving
// process (--workers 1) or a cluster of them (src/cli/cluster.ts).
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { normalizePrefix } from '../contract/prefix.js';
import type { SourceSpec } from '../contract/sources.js';
import { normalizeOptions } from '../serve/options.js';
import { existingDirectory, parseSource, reportFailure, resolveIo, UsageError, wholeNumber, type CliIo } from './args.js';
import { runPrimary, runWorker } from './cluster.js';
import { createLifecycle, onSignals, type Lifecycle } from './lifecycle.js';
import { DRAIN_MS, startOrigin, type OriginConfig } from './origin.js';

export const USAGE = `Usage: static-origin serve [options] <root>

Serves a collected root over HTTP: a standalone origin (for a CDN, or on its own)
with the middleware's caching, encodings and conditional requests, and its
short-lived 404 for anything else. One Common Log Format line per response on stdout.

Options:
  -p, --port N               port to listen on (default 8080; 0: any free port)
      --host ADDR            address to listen on (default 127.0.0.1; 0.0.0.0: every IPv4 one)
      --prefix URL           URL prefix the root is served at (default /)
  -w, --workers N            serving processes (default: one per core, or 1 with --dev);
                             1 serves from this process, without a cluster
      --dev                  development mode: every request looks at the files on disk
  -s, --source DIR[:PREFIX]  with --dev, serve this source directory (repeatable) as
                             collect reads it, in place of a root
  -q, --quiet                no access log
  -h, --help                 show this help

Signals: SIGHUP rescans the root; SIGTERM or SIGINT stops accepting connections,
lets the responses in flight finish (at most ${DRAIN_MS / 1000} s) and exits 0.
`;

const FLAGS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  prefix: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  dev: { type: 'boolean' },
  source: { type: 'string', short: 's', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MAX_WORKERS = 256;

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  // A cluster worker runs this same command line; its config comes from the primary.
  if (cluster.isWorker) return runWorker(process.stdout);
  const { stdout, stderr, cwd } = resolveIo(io);
  let parsed: { config: OriginConfig; workers: number } | 'help';
  try {
    parsed = parse(argv, cwd);
  } catch (err) {
    return reportFailure(err, stderr, 'serve');
  }
  if (parsed === 'help') {
    stdout.write(USAGE);
    return 0;
  }
  const lifecycle = createLifecycle(stderr, parsed.config);
  if (parsed.workers > 1) return runPrimary(parsed.config, parsed.workers, lifecycle);
  return runSingle(parsed.config, stdout, lifecycle).catch((err) => reportFailure(err, stderr, 'serve'));
}

function parse(argv: string[], cwd: string): { config: OriginConfig; workers: number } | 'help' {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const dev = values.dev ?? false;
  const sourceArgs = values.source ?? [];
  if (sourceArgs.length > 0 && !dev) throw new UsageError('--source serves a source directory in development mode: add --dev (or serve a collected root)');
  if (positionals.length > 1) throw new UsageError(`one root only; got ${positionals.map((p) => JSON.stringify(p)).join(', ')}`);
  const [rootArg] = positionals;
  if (sourceArgs.length > 0 && rootArg !== undefined) throw new UsageError('--source serves the source directories in place of a root: give a root or --source, not both');
  if (rootArg === undefined && sourceArgs.length === 0) throw new UsageError(`no root given: static-origin serve <root>${dev ? ' (or --dev --source DIR)' : ''}`);

  const port = values.port === undefined ? 8080 : wholeNumber('--port', values.port, 0, 65535);
  const host = values.host ?? '127.0.0.1';
  if (host === '' || /[\s/]/.test(host)) throw new UsageError(`--host must be an address or a host name such as 127.0.0.1, :: or localhost; got ${JSON.stringify(host)}`);
  let prefix: string;
  try {
    prefix = normalizePrefix(values.prefix ?? '/');
  } catch {
    throw new UsageError(`--prefix must be a plain URL path such as /static/; got ${JSON.stringify(values.prefix)}`);
  }
  const workers = values.workers === undefined ? (dev ? 1 : availableParallelism()) : wholeNumber('--workers', values.workers, 1, MAX_WORKERS);

  const root = rootArg === undefined ? undefined : existingDirectory(rootArg, cwd, 'the root directory');
  const sources: SourceSpec[] = sourceArgs.map((arg) => {
    const spec = parseSource(arg);
    const dir = existingDirectory(typeof spec === 'string' ? spec : spec.dir, cwd, 'the source directory');
    return typeof spec === 'string' ? dir : { ...spec, dir };
  });
  const config: OriginConfig = { root, prefix, dev, sources, host, port, quiet: values.quiet ?? false };
  // The middleware's own checks (a source's prefix), here, before any process starts.
  try {
    normalizeOptions({ root, prefix, dev, ...(sources.length > 0 ? { sources } : {}) });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^static-origin: /, ''));
  }
  return { config, workers };
}

/** `--workers 1`: this process serves. Resolves with the exit code once it has stopped. */
async function runSingle(config: OriginConfig, stdout: NodeJS.WritableStream, lifecycle: Lifecycle): Promise<number> {
  const origin = await startOrigin(config, stdout);
  lifecycle.ready(origin.port, 1);
  return new Promise((resolve) => {
    const unwire = onSignals({
      refresh() {
        const result = origin.refresh();
        lifecycle.refreshed(1, result.ok ? [] : [result.message!]);
      },
      stop(signal) {
        lifecycle.stopping(signal);
        origin.drain().then(({ forced }) => {
          unwire();
          lifecycle.stopped(forced);
          resolve(0);
        });
      },
      force: () => origin.force(),
    });
  });
}
