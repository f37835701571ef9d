// What a running `static-origin serve` says on stderr (ready, refreshed, stopping, stopped,
// a worker replaced) and which signals it answers. The single process and the cluster's
// primary say the same lines; workers say nothing.
import { DRAIN_MS, type OriginConfig } from './origin.js';

export interface Lifecycle {
  ready(port: number, workers: number): void;
  refreshed(workers: number, failures: readonly string[]): void;
  stopping(signal: string): void;
  stopped(forced: boolean): void;
  say(message: string): void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `http://127.0.0.1:8080/static/`, with brackets around an IPv6 address. */
function originUrl(host: string, port: number, prefix: string): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${prefix}`;
}

export function createLifecycle(stderr: NodeJS.WritableStream, config: OriginConfig): Lifecycle {
  const say = (message: string) => void stderr.write(`static-origin: ${message}\n`);
  const what = config.dev ? `${config.root ?? config.sources.map((s) => (typeof s === 'string' ? s : `${s.dir}:${s.prefix ?? ''}`)).join(', ')} in development mode` : config.root!;
  return {
    ready: (port, workers) => say(`serving ${what} at ${originUrl(config.host, port, config.prefix)} (${plural(workers, 'worker')})`),
    refreshed(workers, failures) {
      if (failures.length === 0) say(`SIGHUP: refreshed the index (${plural(workers, 'worker')})`);
      else say(`SIGHUP: refresh failed in ${failures.length} of ${plural(workers, 'worker')}, which keep serving the previous index: ${failures[0]}`);
    },
    stopping: (signal) => say(`${signal}: no longer accepting connections; finishing the responses in flight (at most ${DRAIN_MS / 1000} s)`),
    stopped: (forced) => say(forced ? `stopped (connections still open after ${DRAIN_MS / 1000} s were closed)` : 'stopped'),
    say,
  };
}

export interface SignalHandlers {
  refresh(): void;
  /** The first SIGTERM or SIGINT. */
  stop(signal: NodeJS.Signals): void;
  /** Any later one: do not wait any more. */
  force(): void;
}

/** Wires SIGHUP, SIGTERM and SIGINT; returns the function that unwires them. */
export function onSignals(handlers: SignalHandlers): () => void {
  let stopping = false;
  const hup = () => handlers.refresh();
  const term = (signal: NodeJS.Signals) => {
    if (stopping) return handlers.force();
    stopping = true;
    handlers.stop(signal);
  };
  process.on('SIGHUP', hup);
  process.on('SIGTERM', term);
  process.on('SIGINT', term);
  return () => {
    process.off('SIGHUP', hup);
    process.off('SIGTERM', term);
    process.off('SIGINT', term);
  };
}
