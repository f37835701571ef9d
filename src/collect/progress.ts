// Feedback: a redrawn progress bar on a TTY, plain lines otherwise, and the closing summary table.
import type { CollectSummary } from './index.js';
import type { CollectEvent } from './options.js';

export interface Output {
  write(text: string): unknown;
}

const LABEL = { find: 'finding files', hash: 'reading and hashing', compress: 'compressing', write: 'writing' } as const;

/** Turns collect events into output; `tty` chooses the bar over plain lines. */
export function createReporter(out: Output, tty: boolean, width = 30): { onEvent: (e: CollectEvent) => void; done: () => void } {
  let bar = '';
  let last = 0;
  const clear = () => {
    if (bar) out.write('\r\x1b[K');
    bar = '';
  };
  return {
    onEvent(e) {
      if (e.type === 'warning') {
        clear();
        out.write(`warning: ${e.message}\n`);
      } else if (e.type === 'phase') {
        clear();
        if (!tty) out.write(`${LABEL[e.phase]} (${e.total})\n`);
      } else if (tty) {
        const now = Date.now();
        if (now - last < 50 && e.done !== e.total) return; // redraw at most 20 times a second
        last = now;
        const filled = e.total ? Math.round((e.done / e.total) * width) : width;
        const name = e.name.length > 40 ? '…' + e.name.slice(-39) : e.name;
        bar = `${LABEL[e.phase]} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${e.done}/${e.total} ${name}`;
        out.write(`\r\x1b[K${bar}`);
      }
    },
    done: clear,
  };
}

/** The closing summary: files, bytes before and after per encoding, reuse, time. */
export function formatSummary(s: CollectSummary): string {
  const rows: Array<[string, string]> = [];
  const dup = s.duplicates.length ? `, ${s.duplicates.length} duplicate${s.duplicates.length === 1 ? '' : 's'} ignored` : '';
  rows.push(['files', `${s.files} collected${dup}`]);
  rows.push([s.dryRun ? 'would write' : 'written', `${s.written} files${s.carried ? `, ${s.carried} carried over from earlier collects` : ''}`]);
  rows.push(['hashed', formatBytes(s.bytes)]);
  for (const [enc, t] of Object.entries(s.encodings)) {
    if (!t) continue;
    const pct = t.bytesBefore ? ((t.bytesAfter / t.bytesBefore) * 100).toFixed(1) : '0';
    rows.push([enc, `${t.files} files, ${formatBytes(t.bytesBefore)} → ${formatBytes(t.bytesAfter)} (${pct}%)`]);
  }
  if (s.dryRun) rows.push(['compression', 'skipped (dry run)']);
  else rows.push(['reused', `${s.reused} variants from the previous root, ${s.cached ? `${s.cached} from the cache, ` : ''}${s.compressed} compressed now`]);
  if (s.warnings.length) rows.push(['warnings', String(s.warnings.length)]);
  rows.push(['time', `${(s.timeMs / 1000).toFixed(2)} s`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const head = `${s.dryRun ? 'dry run: nothing written to' : 'collected into'} ${s.out}`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n') + '\n';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
