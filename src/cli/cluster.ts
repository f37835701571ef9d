// `static-origin serve --workers N`: a node:cluster primary that serves nothing itself. It
// starts N workers (each an origin.ts process on the shared port), says when all listen,
// forwards SIGHUP as a refresh and SIGTERM as a drain, and replaces a worker that dies
// unexpectedly, a bounded number of times.
//
// The primary and its workers talk over the cluster's IPC channel:
//   worker → primary  waiting (its listener is on: a message sent before would be lost)
//   primary → worker  start {config} · refresh {id} · drain · force
//   worker → primary  ready {port} · fatal {message} · refreshed {id, ok, message} · drained {forced}
import cluster, { type Worker } from 'node:cluster';
import { onSignals, type Lifecycle } from './lifecycle.js';
import { DRAIN_MS, startOrigin, type Origin, type OriginConfig } from './origin.js';

/** At most this many replacements within `RESTART_WINDOW_MS`; beyond, the primary gives up (exit 1) rather than loop. */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;
/** A worker that has not exited this long after a drain began is killed. */
const KILL_AFTER_MS = DRAIN_MS + 5_000;

type ToWorker = { type: 'start'; config: OriginConfig } | { type: 'refresh'; id: number } | { type: 'drain' } | { type: 'force' };

type ToPrimary =
  | { type: 'waiting' }
  | { type: 'ready'; port: number }
  | { type: 'fatal'; message: string }
  | { type: 'refreshed'; id: number; ok: boolean; message?: string }
  | { type: 'drained'; forced: boolean };

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Runs the primary until every worker has stopped; resolves with the exit code. */
export function runPrimary(config: OriginConfig, count: number, lifecycle: Lifecycle): Promise<number> {
  return new Promise((resolve) => {
    const live = new Set<Worker>();
    /** Workers that have said they listen: the ones a refresh asks (one still starting builds a fresh index anyway). */
    const serving = new Set<Worker>();
    let port = config.port;
    let readyCount = 0;
    let ready = false;
    let stopping = false;
    let forced = false;
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;
    const restarts: number[] = [];
    let refreshRound: { id: number; waiting: Set<Worker>; workers: number; failures: string[] } | undefined;
    let refreshId = 0;

    const send = (worker: Worker, message: ToWorker) => {
      if (worker.isConnected()) worker.send(message);
    };

    function fork(): Worker {
      const worker = cluster.fork();
      live.add(worker);
      // A message to a worker that has just died fails with an 'error' event; its 'exit' tells the rest.
      worker.on('error', () => {});
      worker.on('message', (message: ToPrimary) => onMessage(worker, message));
      return worker;
    }

    function onMessage(worker: Worker, message: ToPrimary): void {
      switch (message.type) {
        case 'waiting':
          // The same config, `--port 0` included: the cluster hands a replacement the listening
          // socket the others share, as long as one of them still holds it.
          send(worker, stopping ? { type: 'drain' } : { type: 'start', config });
          return;
        case 'ready':
          serving.add(worker);
          if (ready) {
            // Every worker had died, and with them the shared socket of `--port 0`.
            if (message.port !== port) lifecycle.say(`worker ${worker.process.pid} listens on another port: ${message.port}`);
            port = message.port;
            return;
          }
          port = message.port;
          if (++readyCount === count) {
            ready = true;
            if (!stopping) lifecycle.ready(port, count);
          }
          return;
        case 'fatal':
          if (stopping) return;
          if (!ready) {
            // Every worker would fail the same way: say it once and stop.
            lifecycle.say(message.message);
            exitCode = 1;
            stop();
          } else {
            lifecycle.say(`worker ${worker.process.pid}: ${message.message}`);
          }
          return;
        case 'refreshed':
          if (refreshRound?.id !== message.id) return;
          if (!message.ok) refreshRound.failures.push(message.message ?? 'unknown error');
          refreshRound.waiting.delete(worker);
          endRefreshRound();
          return;
        case 'drained':
          forced ||= message.forced;
          return;
      }
    }

    function endRefreshRound(): void {
      if (refreshRound === undefined || refreshRound.waiting.size > 0) return;
      lifecycle.refreshed(refreshRound.workers, refreshRound.failures);
      refreshRound = undefined;
    }

    function refresh(): void {
      if (!ready || stopping) return lifecycle.say('SIGHUP: not refreshing while starting or stopping');
      // A SIGHUP during a round starts a new one: its answers are the ones reported.
      refreshRound = { id: ++refreshId, waiting: new Set(serving), workers: serving.size, failures: [] };
      for (const worker of serving) send(worker, { type: 'refresh', id: refreshRound.id });
      endRefreshRound();
    }

    function stop(): void {
      if (stopping) return;
      stopping = true;
      for (const worker of live) send(worker, { type: 'drain' });
      killTimer = setTimeout(() => {
        for (const worker of live) worker.process.kill('SIGKILL');
      }, KILL_AFTER_MS);
      if (live.size === 0) finish();
    }

    function finish(): void {
      clearTimeout(killTimer);
      unwire();
      cluster.off('exit', onExit);
      if (ready) lifecycle.stopped(forced);
      resolve(exitCode);
    }

    function onExit(worker: Worker, code: number | null, signal: string | null): void {
      if (!live.delete(worker)) return;
      serving.delete(worker);
      if (refreshRound?.waiting.delete(worker)) endRefreshRound();
      if (stopping) {
        if (live.size === 0) finish();
        return;
      }
      if (!ready) {
        lifecycle.say(`a worker exited while starting (${describeExit(code, signal)})`);
        exitCode = 1;
        return stop();
      }
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= MAX_RESTARTS) {
        lifecycle.say(`worker ${worker.process.pid} exited (${describeExit(code, signal)}); ${MAX_RESTARTS} workers replaced within ${RESTART_WINDOW_MS / 1000} s already: stopping`);
        exitCode = 1;
        return stop();
      }
      restarts.push(now);
      const next = fork();
      lifecycle.say(`worker ${worker.process.pid} exited unexpectedly (${describeExit(code, signal)}); started worker ${next.process.pid} in its place`);
    }

    cluster.on('exit', onExit);
    const unwire = onSignals({
      refresh,
      stop(signal) {
        if (ready) lifecycle.stopping(signal);
        stop();
      },
      force() {
        forced = true;
        for (const worker of live) send(worker, { type: 'force' });
      },
    });
    for (let i = 0; i < count; i++) fork();
  });
}

/**
 * A worker: waits for its config, serves, and answers the primary. Never resolves: it
 * exits once drained. SIGHUP is the primary's to forward (a terminal hangup reaches the
 * whole process group, and must not end the workers); SIGTERM and SIGINT drain, as the
 * primary's `drain` does, since Ctrl-C reaches every process of the group.
 */
export function runWorker(stdout: NodeJS.WritableStream): Promise<number> {
  let origin: Origin | undefined;
  let starting = false;
  let stopping = false;

  // Without the primary (it died), the cluster ends this worker anyway; nothing to tell.
  const tell = (message: ToPrimary) => {
    if (process.connected) process.send!(message);
  };
  const exit = (message: ToPrimary, code: number) => {
    if (process.connected) process.send!(message, () => process.exit(code));
    else process.exit(code);
  };

  function stop(): void {
    if (stopping) return;
    stopping = true;
    if (origin === undefined) {
      // Starting: stop once it has started (or failed). Not started: nothing to drain.
      if (!starting) exit({ type: 'drained', forced: false }, 0);
      return;
    }
    origin.drain().then(({ forced }) => exit({ type: 'drained', forced }, 0));
  }

  onSignals({ refresh() {}, stop, force: () => origin?.force() });
  process.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'start':
        starting = true;
        startOrigin(message.config, stdout).then(
          (started) => {
            origin = started;
            starting = false;
            tell({ type: 'ready', port: started.port });
            if (stopping) {
              stopping = false;
              stop();
            }
          },
          (err: Error) => exit({ type: 'fatal', message: err.message.replace(/^static-origin: /, '') }, 1),
        );
        return;
      case 'refresh': {
        const result = origin?.refresh() ?? { ok: false, message: 'not started' };
        tell({ type: 'refreshed', id: message.id, ...result });
        return;
      }
      case 'drain':
        return stop();
      case 'force':
        return origin?.force();
    }
  });
  tell({ type: 'waiting' });
  return new Promise(() => {});
}
