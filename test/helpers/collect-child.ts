// A collect in its own process, for faults a test cannot stage in-process: it stops itself
// (SIGKILL or SIGSTOP) at a chosen point of the swap, or makes a source unreadable once find
// is done. The hooks wrap node:fs in this child only; the parent's node:fs is untouched.
//
//   node --import tsx test/helpers/collect-child.ts '{"sources":["src"],"out":"out","stopAt":"rename 1","signal":"SIGKILL"}'
//
// Exits 0 after a successful collect; 1 with {"code","message"} on stdout after a failed one.
import { chmodSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

export interface ChildArgs {
  sources: string[];
  out: string;
  /** Stop right after the nth file write, the first or second rename of the swap, or the parent's fsync that follows. */
  stopAt?: `write ${number}` | 'rename 1' | 'rename 2' | 'parent flushed';
  signal?: 'SIGKILL' | 'SIGSTOP';
  /** Made mode 000 when the hash phase (which reads the sources) begins. */
  unreadableAfterFind?: string;
}

const args = JSON.parse(process.argv[2]) as ChildArgs;

if (args.stopAt) {
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const { writeSync, renameSync, fsyncSync } = fs;
  const rename = fs.promises.rename;
  const stop = () => process.kill(process.pid, args.signal ?? 'SIGKILL');
  let writes = 0;
  let renames = 0;
  fs.writeSync = ((...call: Parameters<typeof writeSync>) => {
    const n = writeSync(...call);
    if (args.stopAt === `write ${++writes}`) stop();
    return n;
  }) as typeof writeSync;
  const renamed = () => {
    renames++;
    if (args.stopAt === `rename ${renames}`) stop();
  };
  fs.renameSync = (from, to) => {
    renameSync(from, to);
    renamed();
  };
  fs.promises.rename = async (from, to) => {
    await rename(from, to);
    renamed();
  };
  fs.fsyncSync = (fd) => {
    fsyncSync(fd);
    if (args.stopAt === 'parent flushed' && renames === 2) stop();
  };
  syncBuiltinESMExports();
}

const { collect } = await import('../../src/collect/index.js');
try {
  await collect({
    sources: args.sources,
    out: args.out,
    cacheDir: false,
    onEvent: (e) => {
      if (e.type === 'phase' && e.phase === 'hash' && args.unreadableAfterFind) chmodSync(args.unreadableAfterFind, 0);
    },
  });
} catch (err) {
  process.stdout.write(JSON.stringify({ code: (err as { code?: string }).code, message: (err as Error).message }));
  process.exitCode = 1;
}
