// `static-origin inspect <root>`: the index as a table (or JSON), and `--check` for CI.
import { parseArgs } from 'node:util';
import { formatBytes } from '../collect/progress.js';
import { ENCODING_NAMES } from '../contract/encodings.js';
import { inspectRoot, type InspectReport } from '../serve/inspect.js';
import { existingDirectory, reportFailure, resolveIo, UsageError, type CliIo } from './args.js';

export const USAGE = `Usage: static-origin inspect [options] <root>

Shows what the server would index in a collected root: one row per URL with its
content type, bytes per encoding (identity, br, gzip, zstd) and the saving, whether
it is immutable, and its ETag; then the totals.

Options:
      --json    print the same as JSON: { root, manifestFiles, files: [...], totals }
      --check   report what is wrong with the root, one line per problem, and exit 1
                when there is any: a precompressed sibling not smaller than its file or
                older than it, a manifest entry without its file or with another size,
                a file the manifest does not list that is named like a hashed one
  -h, --help    show this help
`;

const FLAGS = {
  json: { type: 'boolean' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function inspectCommand(argv: string[], io: CliIo): Promise<number> {
  const { stdout, stderr, cwd } = resolveIo(io);
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      stdout.write(USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('no root given: static-origin inspect <root>');
    if (positionals.length > 1) throw new UsageError(`one root only; got ${positionals.map((p) => JSON.stringify(p)).join(', ')}`);
    const report = await inspectRoot(existingDirectory(positionals[0], cwd, 'the root directory'));
    if (values.json) {
      const { problems, ...rest } = report;
      stdout.write(JSON.stringify(values.check ? report : rest, null, 2) + '\n');
    } else {
      stdout.write(values.check ? formatProblems(report) : formatReport(report));
    }
    return values.check && report.problems.length > 0 ? 1 : 0;
  } catch (err) {
    return reportFailure(err, stderr, 'inspect');
  }
}

function parse(argv: string[]): ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function formatProblems(report: InspectReport): string {
  const files = `${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  if (report.problems.length === 0) return `no problems: ${files} in ${report.root}\n`;
  const count = `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`;
  return `${report.problems.join('\n')}\n${count} in ${report.root} (${files})\n`;
}

/** The table: exact byte counts per row, so two roots can be compared line by line. */
function formatReport(report: InspectReport): string {
  const head = ['path', 'content type', 'identity', ...ENCODING_NAMES, 'saving', 'immutable', 'etag'];
  const rows = report.files.map((f) => [
    f.path,
    f.contentType,
    String(f.size.identity),
    ...ENCODING_NAMES.map((c) => (f.size[c] === undefined ? '-' : String(f.size[c]))),
    `${f.saving.toFixed(1)}%`,
    f.immutable ? 'yes' : 'no',
    f.etag,
  ]);
  const numeric = new Set([2, 3, 4, 5, 6]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');

  const t = report.totals;
  const manifest = report.manifestFiles === undefined ? 'no manifest: ETags from the bytes, nothing immutable' : `manifest: ${report.manifestFiles} file${report.manifestFiles === 1 ? '' : 's'}`;
  const out = [`${report.root} (${manifest})`, line(head), ...rows.map(line), ''];
  const rowsOut: Array<[string, string]> = [['files', `${t.files} (${t.immutable} immutable), ${formatBytes(t.bytes)} (${t.bytes} bytes)`]];
  for (const coding of ENCODING_NAMES) {
    const e = t.encodings[coding];
    if (e !== undefined) rowsOut.push([coding, `${e.files} file${e.files === 1 ? '' : 's'}, ${formatBytes(e.bytesBefore)} → ${formatBytes(e.bytesAfter)} (${e.saving.toFixed(1)}% saved)`]);
  }
  rowsOut.push(['smallest', `${formatBytes(t.bytes)} → ${formatBytes(t.smallestBytes)} (${t.saving.toFixed(1)}% saved)`]);
  out.push('totals', ...rowsOut.map(([k, v]) => `  ${k.padEnd(8)}  ${v}`));
  return out.join('\n') + '\n';
}
