// What every command of the CLI shares: its streams, the usage error (exit 2) and how a
// failure becomes one `static-origin: …` line, and the argument shapes more than one takes.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SourceSpec } from '../contract/sources.js';

export interface CliIo {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  cwd?: string;
}

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly cwd: string;
}

export function resolveIo(io: CliIo): Io {
  return { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, cwd: io.cwd ?? process.cwd() };
}

/** The command line is wrong: exit 2, with a pointer to the command's help. */
export class UsageError extends Error {}

/** One `static-origin: …` line for any failure; 2 for usage errors (with the help hint; `command` '' for the overview), 1 otherwise. */
export function reportFailure(err: unknown, stderr: NodeJS.WritableStream, command: string): number {
  if (err instanceof UsageError) {
    stderr.write(`static-origin: ${err.message}\nRun "static-origin ${command === '' ? '' : `${command} `}--help" for usage.\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`${message.startsWith('static-origin:') ? message : `static-origin: ${message}`}\n`);
  return 1;
}

/** `DIR:PREFIX`; a Windows drive letter (`C:\x`) is not a prefix separator. */
export function parseSource(arg: string): SourceSpec {
  const colon = arg.lastIndexOf(':');
  if (colon <= 0 || (colon === 1 && /^[a-zA-Z]:[\\/]/.test(arg))) return arg;
  const dir = arg.slice(0, colon);
  const prefix = arg.slice(colon + 1);
  return prefix ? { dir, prefix } : dir;
}

/** A whole number in `[min, max]` written in decimal digits only (`8080`, not `8e3`, `0x1f90` or ` 80`). */
export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
  return n;
}

/** The absolute path of a directory the command needs, or a usage error naming it (`what`: "the root directory"). */
export function existingDirectory(path: string, cwd: string, what: string): string {
  const abs = resolve(cwd, path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(abs).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `${what} ${abs} does not exist` : `${what} ${abs} cannot be read (${code ?? 'error'})`);
  }
  if (!isDirectory) throw new UsageError(`${what} ${abs} is not a directory`);
  return abs;
}
