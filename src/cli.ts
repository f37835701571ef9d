// The `static-origin` command line: one module per command under src/cli/, dispatched here.
//   collect  build the static root (src/cli/collect.ts)
//   serve    a standalone origin over that root (src/cli/serve.ts)
//   inspect  what the index would hold, and --check for what is wrong with a root (src/cli/inspect.ts)
import type { CliIo } from './cli/args.js';
import { collectCommand, USAGE as COLLECT_USAGE } from './cli/collect.js';
import { inspectCommand, USAGE as INSPECT_USAGE } from './cli/inspect.js';
import { serveCommand, USAGE as SERVE_USAGE } from './cli/serve.js';

export { CONFIG_NAME } from './cli/collect.js';

const OVERVIEW = `Usage: static-origin <command> [options]

Commands:
  collect   collect, hash, rewrite and precompress static files into one root
  serve     serve a collected root over HTTP: a standalone origin
  inspect   what the server would index in a root, and what is wrong with it

${COLLECT_USAGE}
${SERVE_USAGE}
${INSPECT_USAGE}`;

/** Runs one command; resolves to the exit code. `serve` resolves when the server has stopped. */
export async function main(argv: string[], io: CliIo = {}): Promise<number> {
  switch (argv[0]) {
    case 'serve':
      return serveCommand(argv.slice(1), io);
    case 'inspect':
      return inspectCommand(argv.slice(1), io);
    // `collect`, and the command line without a command (help) or with an unknown one.
    default:
      return collectCommand(argv, io, OVERVIEW);
  }
}
