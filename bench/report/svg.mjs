// Hand-written SVG bar chart of the HTTP ratios (no chart library): per
// framework, guarded-memory/bare, 10%-invalid/bare and guarded-Redis/raw-GET,
// with the targets drawn as dashed lines.

const SERIES = [
  { key: 'naiveVsBareCpu', label: 'naive guard (sha256 + Map.get) ÷ bare, by server CPU per request', color: '#9a9a9a', target: undefined },
  { key: 'memoryVsBareCpu', label: 'apiKeyAuth on MemoryStore ÷ bare, by server CPU per request', color: '#2f6fb0', target: 0.95 },
  { key: 'invalid10VsBare', label: 'apiKeyAuth, 10% invalid keys ÷ bare (req/s)', color: '#8fb8de', target: undefined },
  { key: 'redisVsRawGet', label: 'apiKeyAuth on RedisStore ÷ raw ioredis GET (req/s)', color: '#c8553d', target: 0.9 },
];

const LABELS = { express4: 'Express 4', express5: 'Express 5', koa2: 'Koa 2', koa3: 'Koa 3' };

/** @param {string} s */
function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * @param {Array<Record<string, any>>} ratios - from the http section
 * @param {{title: string, subtitle: string}} text
 * @returns {string} the SVG document
 */
export function ratioChart(ratios, text) {
  const series = SERIES.filter((s) => ratios.some((r) => Number.isFinite(r[s.key])));
  const width = 760;
  const height = 450;
  const left = 60;
  const right = 20;
  const top = 70;
  const bottom = 110;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const maxY = Math.max(1.1, ...ratios.flatMap((r) => series.map((s) => r[s.key] ?? 0))) * 1.05;
  const y = (v) => top + plotH - (v / maxY) * plotH;
  const groupW = plotW / ratios.length;
  const barW = Math.min(48, (groupW * 0.8) / series.length);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="600" fill="#222">${esc(text.title)}</text>`,
    `<text x="${left}" y="44" fill="#555">${esc(text.subtitle)}</text>`,
  );
  // Grid and axis labels every 20%.
  for (let v = 0; v <= maxY + 1e-9; v += 0.2) {
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${Math.round(v * 100)}%</text>`,
    );
  }
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#999"/>`);
  ratios.forEach((r, g) => {
    const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, i) => {
      const v = r[s.key];
      if (!Number.isFinite(v)) return;
      const x = x0 + i * barW;
      out.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${r.framework}: ${s.label} = ${(v * 100).toFixed(1)}%`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#333">${(v * 100).toFixed(0)}%</text>`,
      );
      if (s.target !== undefined) {
        out.push(
          `<line x1="${(x + 1).toFixed(1)}" x2="${(x + barW - 1).toFixed(1)}" y1="${y(s.target).toFixed(1)}" y2="${y(s.target).toFixed(1)}" stroke="#111" stroke-width="2" stroke-dasharray="4 2"/>`,
        );
      }
    });
    out.push(
      `<text x="${(left + g * groupW + groupW / 2).toFixed(1)}" y="${(top + plotH + 18).toFixed(1)}" text-anchor="middle" font-weight="600" fill="#222">${esc(LABELS[r.framework] ?? r.framework)}</text>`,
    );
  });
  // Legend.
  series.forEach((s, i) => {
    const lx = left;
    const ly = height - 62 + i * 18;
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${lx + 18}" y="${ly}" fill="#333">${esc(s.label)}${s.target ? ` (target ≥ ${s.target * 100}%, dashed)` : ''}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
