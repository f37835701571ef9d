// The bench's results as one SVG, written by hand (no dependency):
//  * requests/s per server per scenario: a panel per scenario with its own linear scale, a group
//    of bars per server (one bar per Node, the later Node lighter), min–max whiskers;
//  * collect against its floor: the floor, cold, warm cache and rerun on each Node, and Django +
//    WhiteNoise, on one time axis, with the floor and 1.15× the floor drawn across.
//
//   import { renderChart } from './chart.js'; writeFileSync('x.svg', renderChart(results))
//   node bench/chart.js results.json > results.svg          (one saved `run.js --json` file)
// run.js --chart FILE draws it at the end of a run; run.js --report a.json,b.json --chart FILE
// draws it from several saved runs merged.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const W = 980;
const LABEL_W = 300;
const BAR_X = LABEL_W + 10;
const BAR_W = W - BAR_X - 110; // room for the value labels on the right
const BAR_H = 9;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const ROLE_COLOR = { so: '#0f766e', variant: '#14b8a6', ceiling: '#64748b', peer: '#d97706', bare: '#a3a3a3', nginx: '#7c3aed' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const num = (n) => (n >= 100000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : `${Math.round(n)}`);
const secs = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const keyOf = (id, node) => (id === 'nginx' || !node ? id : `${id}@${node.tag}`);
/** An axis for values up to `max`: a round step (1, 2, 2.5, 5 × 10^k) and 4–5 ticks of it. */
function axis(max) {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((x) => x * 5 >= max && x >= raw * 0.8) ?? 10 * p;
  return { max: step * Math.ceil(max / step), step };
}
const ticks = (ax) => Array.from({ length: Math.round(ax.max / ax.step) + 1 }, (_, i) => i * ax.step);

export function renderChart(results) {
  const nodes = results.nodes?.length ? results.nodes : [{ tag: 'node' }];
  const servers = Object.fromEntries((results.servers ?? []).map((s) => [s.id, s]));
  const parts = [];
  let y = 0;
  const text = (x, yy, s, attrs = '') => parts.push(`<text x="${x}" y="${yy}" ${attrs}>${esc(s)}</text>`);
  const m = results.machine ?? {};
  y += 24;
  text(12, y, 'static-origin bench', 'font-size="16" font-weight="600"');
  y += 18;
  const when = (results.sources ?? [m]).map((s) => (s.date ?? '').slice(0, 10)).filter(Boolean);
  text(12, y, `${[...new Set(when)].join(', ')} · ${m.cpus ?? '?'} cores, ${m.model ?? ''} · ${nodes.map((n) => `${n.tag}: Node ${n.version ?? '?'}`).join(', ')} · medians of ${results.options?.rounds ?? '?'} interleaved rounds, whiskers min–max`, 'font-size="11" fill="#444"');
  // legend
  y += 20;
  let lx = 12;
  const legend = (fill, opacity, label) => {
    parts.push(`<rect x="${lx}" y="${y - 9}" width="12" height="10" fill="${fill}" fill-opacity="${opacity}"/>`);
    text(lx + 16, y, label, 'font-size="11"');
    lx += 22 + label.length * 6.2;
  };
  legend(ROLE_COLOR.so, 1, 'static-origin');
  legend(ROLE_COLOR.ceiling, 1, 'preloaded buffer (ceiling)');
  legend(ROLE_COLOR.peer, 1, 'other static middleware');
  legend(ROLE_COLOR.nginx, 1, 'nginx');
  legend(ROLE_COLOR.bare, 1, 'no static middleware');
  if (nodes.length > 1) nodes.forEach((n, i) => legend('#555', i === 0 ? 1 : 0.45, `${n.tag}${i === 0 ? ' (solid)' : ' (light)'}`));

  // ---- requests/s, one panel per scenario
  for (const sc of results.scenarios ?? []) {
    const rows = [];
    for (const id of sc.servers) {
      const s = servers[id] ?? { id, label: id, stack: '', role: 'peer' };
      const bars = (id === 'nginx' ? [null] : nodes).map((node) => {
        const runs = results.load?.[`${sc.id}/${keyOf(id, node)}`]?.runs ?? [];
        const xs = runs.map((r) => r.rps).filter(Number.isFinite);
        return { node, med: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
      }).filter((b) => Number.isFinite(b.med));
      if (bars.length) rows.push({ s, bars });
    }
    if (!rows.length) continue;
    const ax = axis(Math.max(...rows.flatMap((r) => r.bars.map((b) => b.max))));
    const scale = (v) => (v / ax.max) * BAR_W;
    y += 30;
    text(12, y, `${sc.id} — ${sc.title}: requests/s`, 'font-size="13" font-weight="600"');
    y += 8;
    const top = y;
    for (const { s, bars } of rows) {
      const h = bars.length * (BAR_H + 2) + 6;
      text(BAR_X - 8, y + h / 2 + 3, s.label.startsWith(s.stack) ? s.label : `${s.stack} · ${s.label}`, 'font-size="11" text-anchor="end"');
      bars.forEach((b, i) => {
        const by = y + 3 + i * (BAR_H + 2);
        const color = s.id === 'nginx' ? ROLE_COLOR.nginx : ROLE_COLOR[s.role] ?? ROLE_COLOR.peer;
        const opacity = b.node && nodes.indexOf(b.node) > 0 ? 0.45 : 1;
        parts.push(`<rect x="${BAR_X}" y="${by}" width="${scale(b.med).toFixed(1)}" height="${BAR_H}" fill="${color}" fill-opacity="${opacity}"><title>${esc(`${sc.id} ${s.stack} ${s.label}${b.node ? ` on ${b.node.tag}` : ''}: ${Math.round(b.med)} req/s (min ${Math.round(b.min)}, max ${Math.round(b.max)})`)}</title></rect>`);
        if (b.max > b.min) parts.push(`<line x1="${(BAR_X + scale(b.min)).toFixed(1)}" x2="${(BAR_X + scale(b.max)).toFixed(1)}" y1="${by + BAR_H / 2}" y2="${by + BAR_H / 2}" stroke="#111" stroke-width="1"/>`);
        text((BAR_X + Math.max(scale(b.med), scale(b.max)) + 4).toFixed(1), by + BAR_H - 1, `${num(b.med)}${nodes.length > 1 && b.node ? ` ${b.node.tag}` : ''}`, 'font-size="9.5" fill="#333"');
      });
      y += h;
    }
    // axis
    parts.push(`<line x1="${BAR_X}" x2="${BAR_X}" y1="${top}" y2="${y}" stroke="#999"/>`);
    for (const v of ticks(ax)) {
      const x = (BAR_X + scale(v)).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}" stroke="#999"/>`);
      text(x, y + 14, num(v), 'font-size="9.5" fill="#555" text-anchor="middle"');
    }
    y += 16;
  }

  // ---- collect against the floor
  const c = results.collect;
  if (c && !c.error && c.rounds?.length) {
    const so = (tag, f) => c.rounds.map((r) => r.so?.[tag]).filter(Boolean).map(f);
    const rows = [];
    for (const tag of c.nodes ?? []) {
      const floor = median(so(tag, (r) => r.floor.floorMs));
      const cold = median(so(tag, (r) => r.cold.ms));
      const on = (c.nodes.length > 1 || nodes.length > 1) ? ` (${tag})` : '';
      rows.push({ label: `floor: brotli 11 + gzip 9 CPU ÷ ${c.cores} cores${on}`, ms: floor, color: '#94a3b8', note: '' });
      rows.push({ label: `brotli + gzip alone on ${c.cores} threads at once${on}`, ms: median(so(tag, (r) => r.floor.parallel?.wallMs)), color: '#cbd5e1', note: `${(median(so(tag, (r) => r.floor.parallel?.wallMs / r.floor.floorMs))).toFixed(2)}× floor` });
      rows.push({ label: `collect, cold (no cache)${on}`, ms: cold, color: ROLE_COLOR.so, note: `${median(so(tag, (r) => r.cold.ms / r.floor.floorMs)).toFixed(2)}× floor (target ≤ 1.15×)` });
      rows.push({ label: `collect, warm cache, empty out${on}`, ms: median(so(tag, (r) => r.warm.ms)), color: ROLE_COLOR.variant, note: `${(100 * median(so(tag, (r) => r.warm.ms / r.cold.ms))).toFixed(1)}% of cold (target ≤ 10%)` });
      rows.push({ label: `collect, rerun after one change${on}`, ms: median(so(tag, (r) => r.rerun.ms)), color: ROLE_COLOR.variant, note: `${(100 * median(so(tag, (r) => r.rerun.ms / r.cold.ms))).toFixed(1)}% of cold (target ≤ 5%)` });
      rows.at(-5).floor = true;
    }
    if (c.django) {
      const dj = (f) => c.rounds.map((r) => r.django).filter(Boolean).map(f);
      rows.push({ label: 'Django collectstatic + WhiteNoise, full', ms: median(dj((d) => d.full.ms)), color: ROLE_COLOR.peer, note: '' });
      rows.push({ label: 'Django collectstatic + WhiteNoise, rerun', ms: median(dj((d) => d.rerun.ms)), color: ROLE_COLOR.peer, note: '' });
    }
    const ax = axis(Math.max(...rows.map((r) => r.ms).filter(Number.isFinite)));
    const scale = (v) => (v / ax.max) * (BAR_W - 120);
    y += 30;
    text(12, y, `collect over ${c.files.toLocaleString('en-US')} source files: wall time (median of ${c.rounds.length}) against the compression floor`, 'font-size="13" font-weight="600"');
    y += 8;
    const top = y;
    const floor0 = rows.find((r) => r.floor)?.ms;
    for (const r of rows) {
      if (!Number.isFinite(r.ms)) continue;
      text(BAR_X - 8, y + 12, r.label, 'font-size="11" text-anchor="end"');
      parts.push(`<rect x="${BAR_X}" y="${y + 3}" width="${Math.max(1, scale(r.ms)).toFixed(1)}" height="${BAR_H + 3}" fill="${r.color}"><title>${esc(`${r.label}: ${secs(r.ms)}`)}</title></rect>`);
      text((BAR_X + Math.max(1, scale(r.ms)) + 4).toFixed(1), y + 12, `${secs(r.ms)}${r.note ? ` · ${r.note}` : ''}`, 'font-size="10" fill="#333"');
      y += BAR_H + 9;
    }
    if (Number.isFinite(floor0)) {
      for (const [f, label] of [[1, 'floor'], [1.15, '1.15× floor']]) {
        const x = BAR_X + scale(floor0 * f);
        parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top}" y2="${y}" stroke="#0f172a" stroke-dasharray="3,3" stroke-width="0.8"/>`);
        text((x + (f === 1 ? -3 : 3)).toFixed(1), top - 1, label, `font-size="9" fill="#0f172a" text-anchor="${f === 1 ? 'end' : 'start'}"`);
      }
    }
    parts.push(`<line x1="${BAR_X}" x2="${BAR_X}" y1="${top}" y2="${y}" stroke="#999"/>`);
    for (const v of ticks(ax)) {
      const x = (BAR_X + scale(v)).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}" stroke="#999"/>`);
      text(x, y + 14, v === 0 ? '0' : `${+(v / 1000).toFixed(2)} s`, 'font-size="9.5" fill="#555" text-anchor="middle"');
    }
    y += 16;
  }
  y += 14;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" ${FONT}>\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/chart.js results.json > results.svg');
    process.exit(2);
  }
  process.stdout.write(renderChart(JSON.parse(readFileSync(file, 'utf8'))));
}
