// `static-origin collect`: flags mirroring collect()'s options, and the config file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { collect, type CollectOptions } from '../collect/index.js';
import { createReporter, formatSummary } from '../collect/progress.js';
import { StaticOriginError } from '../errors.js';
import type { EncodingName } from '../contract/encodings.js';
import { CONFIG_OPTION_NAMES } from '../collect/options.js';
import { parseSource, reportFailure, resolveIo, UsageError, type CliIo } from './args.js';

export const CONFIG_NAME = 'static-origin.config.json';

export const USAGE = `Usage: static-origin collect [options] [SOURCE[:PREFIX]...]

Collects static files from the sources into one root: content-hashed names,
rewritten references, brotli/gzip siblings and the manifest staticfiles.json.

Options:
  -s, --source DIR[:PREFIX]  a source directory (repeatable; also positional),
                             collected under PREFIX/ when given
  -o, --out DIR              the static root to build (required)
      --prefix URL           URL prefix the root is served at (default /static/)
  -i, --ignore GLOB          also ignore files matching GLOB (repeatable)
      --no-keep-originals    write only the hashed names
      --encodings LIST       comma-separated: br,gzip,zstd; "" for none (default br,gzip)
      --no-strict            warn about missing references instead of failing
      --clear                drop files left by earlier collects
      --cache-dir DIR        the persistent compression cache
                             (default node_modules/.cache/static-origin when node_modules exists)
      --no-cache             compress without the persistent cache
      --no-already-hashed    hash every name, even those a bundler already hashed
  -n, --dry-run              do everything but write
      --json                 print the summary as JSON
  -c, --config FILE          read options from FILE (default ./${CONFIG_NAME} if present)
  -h, --help                 show this help
`;

const CONFIG_KEYS = new Set(CONFIG_OPTION_NAMES);

class UnknownCommand extends UsageError {}

/**
 * `static-origin collect …`, and what the command line does without a command: `overview`
 * for `--help` or no command, a usage error for an unknown one.
 */
export async function collectCommand(argv: string[], io: CliIo, overview: string): Promise<number> {
  const { stdout, stderr, cwd } = resolveIo(io);
  let reporter: ReturnType<typeof createReporter> | undefined;
  let command = 'collect';
  try {
    const parsed = parse(argv);
    if (parsed === 'help' || parsed === 'overview') {
      stdout.write(parsed === 'help' ? USAGE : overview);
      return 0;
    }
    const { options, json } = build(parsed, cwd);
    reporter = createReporter(stderr, Boolean(stderr.isTTY) && !json);
    const summary = await collect({ ...options, onEvent: reporter.onEvent });
    reporter.done();
    stdout.write(json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
    return 0;
  } catch (err) {
    reporter?.done();
    if (err instanceof UnknownCommand) command = '';
    return reportFailure(err, stderr, command);
  }
}

type Parsed = ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true; strict: true }>>;

const FLAGS = {
  source: { type: 'string', short: 's', multiple: true },
  out: { type: 'string', short: 'o' },
  prefix: { type: 'string' },
  ignore: { type: 'string', short: 'i', multiple: true },
  'no-keep-originals': { type: 'boolean' },
  encodings: { type: 'string' },
  'no-strict': { type: 'boolean' },
  clear: { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  'no-already-hashed': { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): Parsed | 'help' | 'overview' {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [command] = parsed.positionals;
  if (command === undefined) return 'overview';
  if (command !== 'collect') throw new UnknownCommand(`unknown command "${command}"; the commands are collect, serve and inspect`);
  if (parsed.values.help) return 'help';
  return parsed;
}

function build(parsed: Parsed, cwd: string): { options: CollectOptions; json: boolean } {
  const v = parsed.values;
  const config = readConfig(v.config, cwd);
  const options = { ...config, cwd } as CollectOptions;

  const sources = [...(v.source ?? []), ...parsed.positionals.slice(1)].map(parseSource);
  if (sources.length) options.sources = sources;
  if (v.out !== undefined) options.out = v.out;
  if (v.prefix !== undefined) options.prefix = v.prefix;
  if (v.ignore) options.ignore = [...(config.ignore ?? []), ...v.ignore];
  if (v['no-keep-originals']) options.keepOriginals = false;
  if (v.encodings !== undefined) options.encodings = parseEncodings(v.encodings);
  if (v['no-strict']) options.strict = false;
  if (v['cache-dir'] !== undefined && v['no-cache']) throw new UsageError('--cache-dir and --no-cache contradict each other');
  if (v['cache-dir'] !== undefined) options.cacheDir = v['cache-dir'];
  if (v['no-cache']) options.cacheDir = false;
  if (v['no-already-hashed']) options.alreadyHashed = false;
  if (v.clear) options.clear = true;
  if (v['dry-run']) options.dryRun = true;

  if (!options.sources || options.sources.length === 0) throw new UsageError(`no source directory given: pass --source DIR (or list directories after "collect"), or set "sources" in ${CONFIG_NAME}`);
  if (!options.out) throw new UsageError(`no output directory given: pass --out DIR, or set "out" in ${CONFIG_NAME}`);
  return { options, json: Boolean(v.json) };
}

/** `br,gzip` → `['br', 'gzip']`; collect's own option check judges the names. */
function parseEncodings(list: string): EncodingName[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as EncodingName[];
}

/** Reads the config file; relative paths in it are relative to the file's own directory. */
function readConfig(given: string | undefined, cwd: string): Partial<CollectOptions> {
  const file = resolve(cwd, given ?? CONFIG_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (given === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: cannot read the config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: the config file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: the config file ${file} must hold a JSON object`);
  for (const key of Object.keys(data)) {
    if (!CONFIG_KEYS.has(key)) throw new StaticOriginError('ERR_STATIC_ORIGIN_CONFIG', `static-origin: unknown key "${key}" in ${file}; known keys: ${[...CONFIG_KEYS].join(', ')}`);
  }
  const config = data as Partial<CollectOptions>;
  const base = dirname(file);
  const out: Partial<CollectOptions> = { ...config };
  if (Array.isArray(config.sources)) {
    out.sources = config.sources.map((s) => (typeof s === 'string' ? resolve(base, s) : s && typeof s === 'object' && typeof s.dir === 'string' ? { ...s, dir: resolve(base, s.dir) } : s));
  }
  if (typeof config.out === 'string') out.out = resolve(base, config.out);
  if (typeof config.cacheDir === 'string') out.cacheDir = resolve(base, config.cacheDir);
  return out;
}
