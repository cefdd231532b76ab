/**
 * Small inline SVG charts for the self-contained HTML report: no scripts, no external fonts or CDNs, and well-formed
 * XML (so the report can be checked with an XML parser). Every label is escaped.
 */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const PALETTE = ['#2f6fb3', '#d9822b', '#3a9a5b', '#c23b3b', '#7d5ba6', '#8c6d31', '#d45f9e', '#5f8f9f'];
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 3 : 2));

/** Horizontal bars, one per item. */
export function barChart(items: Array<{ label: string; value: number }>, opts: { title: string; unit?: string; width?: number }): string {
  const width = opts.width ?? 640;
  const row = 22;
  const labelW = 220;
  const h = Math.max(1, items.length) * row + 30;
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const bars = items.map((it, i) => {
    const y = 24 + i * row;
    const w = Math.max(1, ((width - labelW - 80) * it.value) / max);
    return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="lbl">${esc(it.label.slice(0, 34))}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" fill="${PALETTE[0]}"/>` +
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 14}" class="val">${esc(fmt(it.value))}${opts.unit ? ` ${esc(opts.unit)}` : ''}</text>`;
  });
  const empty = items.length === 0 ? `<text x="${labelW}" y="40" class="lbl">no data in this period</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(opts.title)}" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">` +
    `<title>${esc(opts.title)}</title><text x="0" y="14" class="ttl">${esc(opts.title)}</text>${bars.join('')}${empty}</svg>`;
}

/** Stacked columns over time (one column per day), with a legend. */
export function stackedColumns(days: string[], series: Array<{ name: string; values: number[] }>, opts: { title: string; width?: number }): string {
  const width = opts.width ?? 760;
  const height = 240;
  const left = 40;
  const bottom = 200;
  const top = 30;
  const totals = days.map((_, d) => series.reduce((s, x) => s + (x.values[d] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const colW = Math.max(2, (width - left - 150) / Math.max(1, days.length));
  const parts: string[] = [];
  days.forEach((day, d) => {
    let y = bottom;
    series.forEach((s, k) => {
      const v = s.values[d] ?? 0;
      if (v <= 0) return;
      const h = ((bottom - top) * v) / max;
      y -= h;
      parts.push(`<rect x="${(left + d * colW).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, colW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[k % PALETTE.length]}"><title>${esc(`${day} ${s.name}: ${v}`)}</title></rect>`);
    });
  });
  const step = Math.max(1, Math.ceil(days.length / 8));
  const ticks = days
    .map((day, d) => (d % step === 0 ? `<text x="${(left + d * colW).toFixed(1)}" y="${bottom + 14}" class="tick">${esc(day.slice(5))}</text>` : ''))
    .join('');
  const legend = series.map((s, k) => `<rect x="${width - 140}" y="${top + k * 16}" width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/><text x="${width - 126}" y="${top + 9 + k * 16}" class="lbl">${esc(s.name.slice(0, 20))}</text>`).join('');
  const axis = `<line x1="${left}" y1="${bottom}" x2="${width - 150}" y2="${bottom}" stroke="#888"/><text x="${left - 4}" y="${top + 4}" text-anchor="end" class="tick">${max}</text><text x="${left - 4}" y="${bottom}" text-anchor="end" class="tick">0</text>`;
  const empty = series.length === 0 ? `<text x="${left + 10}" y="${bottom - 80}" class="lbl">no guardrail interventions in this period</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(opts.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${esc(opts.title)}</title><text x="0" y="14" class="ttl">${esc(opts.title)}</text>${axis}${parts.join('')}${ticks}${legend}${empty}</svg>`;
}

/** Lines of values in [0, 1] over successive runs (assessment block rate and false-block rate). */
export function rateLines(labels: string[], series: Array<{ name: string; values: Array<number | null> }>, opts: { title: string; width?: number }): string {
  const width = opts.width ?? 640;
  const height = 200;
  const left = 40;
  const top = 30;
  const bottom = 170;
  const n = Math.max(1, labels.length - 1);
  const x = (i: number) => left + ((width - left - 150) * i) / n;
  const y = (v: number) => bottom - (bottom - top) * Math.min(1, Math.max(0, v));
  const lines = series.map((s, k) => {
    // null: this series has no run at that point; the line joins the runs it has.
    const color = PALETTE[k % PALETTE.length];
    const pts = s.values.flatMap((v, i) => (v === null ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`])).join(' ');
    const dots = s.values.map((v, i) => v === null ? '' : `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${labels[i]} ${s.name}: ${(v * 100).toFixed(0)}%`)}</title></circle>`).join('');
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>${dots}` +
      `<rect x="${width - 140}" y="${top + k * 16}" width="10" height="10" fill="${color}"/><text x="${width - 126}" y="${top + 9 + k * 16}" class="lbl">${esc(s.name.slice(0, 20))}</text>`;
  });
  const axis = `<line x1="${left}" y1="${bottom}" x2="${width - 150}" y2="${bottom}" stroke="#888"/><text x="${left - 4}" y="${top + 4}" text-anchor="end" class="tick">100%</text><text x="${left - 4}" y="${bottom}" text-anchor="end" class="tick">0%</text>`;
  const empty = labels.length === 0 ? `<text x="${left + 10}" y="${bottom - 60}" class="lbl">no assessments yet: run rampart assess</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(opts.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${esc(opts.title)}</title><text x="0" y="14" class="ttl">${esc(opts.title)}</text>${axis}${labels.length ? lines.join('') : ''}${empty}</svg>`;
}
