#!/usr/bin/env node
// Draws docs/search-latency.svg (search latency against corpus size, log-log) from the search
// table of docs/benchmarks.md (between the search-latency markers). No bench is run: re-run this
// after adding rows to the table.   node scripts/bench-chart.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const DOC = 'docs/benchmarks.md';
const OUT = 'docs/search-latency.svg';

const text = readFileSync(DOC, 'utf8');
const block = /<!-- search-latency:begin[^>]*-->([\s\S]*?)<!-- search-latency:end -->/.exec(text);
if (!block) throw new Error(`no search-latency table in ${DOC}`);
const rows = block[1]
  .trim()
  .split('\n')
  .slice(2)
  .map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  )
  .map(([machine, papers, hp50, hp99, fp50, fp99]) => ({ machine, papers: +papers, hp50: +hp50, hp99: +hp99, fp50: +fp50, fp99: +fp99 }));

const W = 780;
const H = 440;
const M = { left: 64, right: 200, top: 40, bottom: 56 };
const xs = [1e4, 1e6];
const ys = [1, 2000];
const lx = (v) => M.left + ((Math.log10(v) - Math.log10(xs[0])) / (Math.log10(xs[1]) - Math.log10(xs[0]))) * (W - M.left - M.right);
const ly = (v) => H - M.bottom - ((Math.log10(v) - Math.log10(ys[0])) / (Math.log10(ys[1]) - Math.log10(ys[0]))) * (H - M.top - M.bottom);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const COLOURS = { EPYC: '#1f5fbf', 'EPYC-2': '#8a5cc2', 'EPYC-3': '#1b8a5a', Xeon: '#b5532a' };
const series = [];
for (const machine of [...new Set(rows.map((r) => r.machine))]) {
  const mine = rows.filter((r) => r.machine === machine).sort((a, b) => a.papers - b.papers);
  const colour = COLOURS[machine] ?? '#57606a';
  series.push({ label: `${machine} hybrid p50`, colour, dash: '', pts: mine.map((r) => [r.papers, r.hp50]) });
  series.push({ label: `${machine} hybrid p99`, colour, dash: '6 4', pts: mine.map((r) => [r.papers, r.hp99]) });
  series.push({ label: `${machine} FTS5 bm25 p50`, colour, dash: '1 4', pts: mine.map((r) => [r.papers, r.fp50]), faint: true });
}

const out = [];
out.push(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif" font-size="12">`,
);
out.push(`<title>Search latency against corpus size (ms, log-log), from docs/benchmarks.md</title>`);
out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="600" fill="#1b1f24">Search latency against corpus size (SQLite, 1,000 queries)</text>`);
for (const v of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]) {
  const y = ly(v).toFixed(1);
  const major = [1, 10, 100, 1000].includes(v);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="${major ? '#d0d7de' : '#eef1f4'}"/>`);
  out.push(`<text x="${M.left - 8}" y="${y}" dy="4" text-anchor="end" fill="#57606a">${v}</text>`);
}
for (const v of [1e4, 1e5, 1e6]) {
  const x = lx(v).toFixed(1);
  out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#d0d7de"/>`);
  out.push(`<text x="${x}" y="${H - M.bottom + 18}" text-anchor="middle" fill="#57606a">${v.toLocaleString('en')}</text>`);
}
out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle" fill="#1b1f24">papers in the corpus</text>`);
out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#1b1f24">milliseconds per query</text>`);
series.forEach((s, i) => {
  const d = s.pts.map(([x, y], j) => `${j ? 'L' : 'M'}${lx(x).toFixed(1)} ${ly(y).toFixed(1)}`).join(' ');
  const op = s.faint ? 0.75 : 1;
  out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2" stroke-opacity="${op}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  for (const [x, y] of s.pts)
    out.push(
      `<circle cx="${lx(x).toFixed(1)}" cy="${ly(y).toFixed(1)}" r="3" fill="${s.colour}" fill-opacity="${op}"><title>${esc(`${s.label}: ${y} ms at ${x.toLocaleString('en')} papers`)}</title></circle>`,
    );
  const ky = M.top + 8 + i * 18;
  const kx = W - M.right + 14;
  out.push(`<line x1="${kx}" x2="${kx + 24}" y1="${ky}" y2="${ky}" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  out.push(`<text x="${kx + 30}" y="${ky}" dy="4" fill="#1b1f24">${esc(s.label)}</text>`);
});
out.push('</svg>');
writeFileSync(OUT, `${out.join('\n')}\n`);
console.log(`${OUT}: ${rows.length} rows, ${series.length} series`);
