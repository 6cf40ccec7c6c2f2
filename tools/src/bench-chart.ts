/** The load benchmark's throughput-vs-p99 chart, as hand-written SVG (a pure function of the results). */
import { TRAFFIC_LABEL, type RunResult, type Scenario } from './bench-report.js';

const SERIES_COLOR: Partial<Record<Scenario, string>> = {
  ceiling: '#7f7f7f',
  naive: '#d62728',
  coalesced: '#1f77b4',
  'coalesced-stock': '#ff7f0e',
};

/**
 * Throughput (x, predictions/s) against p99 latency (y, ms, log scale) of the open-loop runs: one
 * panel per traffic shape, one line per scenario in order of offered load, and the library's limit
 * as a dashed vertical line.
 */
export function renderChart(results: readonly RunResult[]): string {
  const traffics = (['single', 'bulk-compact', 'bulk-json'] as const).filter((t) =>
    results.some((r) => r.traffic === t && r.load.kind === 'open'),
  );
  const limit = results.find((r) => r.scenario === 'limit')?.predictionsPerSecond;
  const panel = { width: 400, height: 320, left: 64, right: 16, top: 48, bottom: 46 };
  const width = Math.max(1, traffics.length) * panel.width;
  const height = panel.height + 34;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  traffics.forEach((traffic, index) => {
    const runs = results.filter((r) => r.traffic === traffic && r.load.kind === 'open' && r.latency.count > 0);
    const x0 = index * panel.width + panel.left;
    const plotW = panel.width - panel.left - panel.right;
    const plotH = panel.height - panel.top - panel.bottom;
    const maxX = niceCeil(Math.max(...runs.map((r) => r.predictionsPerSecond), 1) * 1.05);
    const ys = runs.map((r) => r.latency.p99);
    const minY = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...ys))));
    const maxY = 10 ** Math.ceil(Math.log10(Math.max(minY * 10, ...ys)));
    const px = (v: number) => x0 + (v / maxX) * plotW;
    const py = (v: number) =>
      panel.top +
      plotH -
      ((Math.log10(Math.max(v, minY)) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * plotH;
    parts.push(
      `<text x="${x0 + plotW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(TRAFFIC_LABEL[traffic].replace(/`/g, ''))}</text>`,
    );
    parts.push(`<rect x="${x0}" y="${panel.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    for (let decade = minY; decade <= maxY * 1.0001; decade *= 10) {
      parts.push(`<line x1="${x0}" x2="${x0 + plotW}" y1="${py(decade)}" y2="${py(decade)}" stroke="#eee"/>`);
      parts.push(
        `<text x="${x0 - 6}" y="${py(decade) + 4}" text-anchor="end">${decade >= 1 ? decade.toFixed(0) : decade.toString()}</text>`,
      );
    }
    for (let i = 0; i <= 4; i++) {
      const v = (maxX / 4) * i;
      parts.push(`<text x="${px(v)}" y="${panel.top + plotH + 16}" text-anchor="middle">${compact(v)}</text>`);
    }
    parts.push(`<text x="${x0 + plotW / 2}" y="${panel.top + plotH + 34}" text-anchor="middle">predictions/s</text>`);
    parts.push(
      `<text transform="translate(${x0 - 44} ${panel.top + plotH / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log)</text>`,
    );
    if (limit !== undefined && limit <= maxX) {
      parts.push(
        `<line x1="${px(limit)}" x2="${px(limit)}" y1="${panel.top}" y2="${panel.top + plotH}" stroke="#2ca02c" stroke-dasharray="5 4"/>`,
      );
      parts.push(`<text x="${px(limit) - 4}" y="${panel.top + 12}" text-anchor="end" fill="#2ca02c">limit</text>`);
    } else if (limit !== undefined) {
      parts.push(
        `<text x="${x0 + plotW - 4}" y="${panel.top + plotH - 8}" text-anchor="end" fill="#2ca02c">limit ${compact(limit)}/s, off scale →</text>`,
      );
    }
    let legendX = x0;
    for (const scenario of ['ceiling', 'naive', 'coalesced', 'coalesced-stock'] as const) {
      const series = runs
        .filter((r) => r.scenario === scenario)
        .sort((a, b) => (a.load as { rate: number }).rate - (b.load as { rate: number }).rate);
      if (series.length === 0) continue;
      const color = SERIES_COLOR[scenario] ?? '#000';
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${series.map((r) => `${px(r.predictionsPerSecond).toFixed(1)},${py(r.latency.p99).toFixed(1)}`).join(' ')}"/>`,
      );
      for (const r of series)
        parts.push(
          `<circle cx="${px(r.predictionsPerSecond).toFixed(1)}" cy="${py(r.latency.p99).toFixed(1)}" r="2.6" fill="${color}"/>`,
        );
      parts.push(`<text x="${legendX}" y="${panel.top - 6}" fill="${color}">● ${scenario}</text>`);
      legendX += 12 + scenario.length * 6.2;
    }
  });
  parts.push(
    `<text x="8" y="${height - 6}" fill="#666">Open-loop Poisson arrivals at rising offered rates (fractions of each scenario's closed-loop peak); each point is one run. The library's batched limit (no HTTP) is the dashed line, or noted when off scale.</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeil(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * power >= v) return m * power;
  return 10 * power;
}

function compact(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  return v.toFixed(0);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
