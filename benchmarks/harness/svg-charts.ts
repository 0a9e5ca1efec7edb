/**
 * The report's charts, written as SVG text (no chart library): throughput bars per target for
 * each case of a workload (the median, with a whisker from the slowest to the fastest
 * repetition), and latency percentile curves, one line per target, on HdrHistogram's usual
 * axes: the percentile spread out by its nines (x = log10(1 / (1 - p))), latency on a log scale.
 */
import type { CaseSummary } from './summary.js';
import type { TargetName } from './target.js';

export const targetColors: Record<TargetName, string> = {
  'cairn-kcat': '#1f77b4',
  'cairn-client': '#17becf',
  'redis-streams': '#d62728',
  'nats-jetstream': '#2ca02c',
};

const font = 'font-family="sans-serif" font-size="12"';

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${font} ${attributes}>${escapeXml(content)}</text>`;
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(10, 20, title, 'font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

export function formatMicros(micros: number): string {
  if (micros >= 1e6) return `${(micros / 1e6).toFixed(2)} s`;
  if (micros >= 1e3) return `${(micros / 1e3).toFixed(2)} ms`;
  return `${micros.toFixed(0)} µs`;
}

/** Horizontal bars: one group per case, one bar per target that ran it, records/s. */
export function throughputChart(title: string, summaries: readonly CaseSummary[]): string {
  const labelWidth = 290;
  const plotWidth = 460;
  const barHeight = 14;
  const groupGap = 12;
  const rows = summaries.map((summary) => ({
    label: summary.case.id,
    bars: summary.targets.filter((target) => target.recordsPerSecond !== undefined),
  }));
  const max = Math.max(
    1,
    ...rows.flatMap((row) => row.bars.map((bar) => bar.recordsPerSecond!.max)),
  );
  const scale = (value: number) => (value / max) * plotWidth;
  const body: string[] = [];
  let y = 40;
  for (const row of rows) {
    body.push(text(10, y + barHeight - 2, row.label));
    if (row.bars.length === 0) body.push(text(labelWidth, y + barHeight - 2, 'no target ran it'));
    for (const bar of row.bars) {
      const spread = bar.recordsPerSecond!;
      const color = targetColors[bar.target];
      const width = Math.max(1, scale(spread.median));
      const middle = y + barHeight / 2;
      body.push(
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight - 2}" fill="${color}"><title>${escapeXml(`${bar.target}: ${formatCount(spread.median)} records/s`)}</title></rect>`,
        `<line x1="${(labelWidth + scale(spread.min)).toFixed(1)}" y1="${middle}" x2="${(labelWidth + scale(spread.max)).toFixed(1)}" y2="${middle}" stroke="#333333" stroke-width="1"/>`,
        text(
          labelWidth + scale(spread.max) + 4,
          y + barHeight - 3,
          `${formatCount(spread.median)}/s`,
        ),
      );
      y += barHeight;
    }
    y += groupGap;
  }
  y = legend(body, y, summaries);
  return svgDocument(labelWidth + plotWidth + 120, y + 10, title, body);
}

function legend(body: string[], y: number, summaries: readonly CaseSummary[]): number {
  const names = [...new Set(summaries.flatMap((summary) => summary.targets.map((t) => t.target)))];
  let x = 10;
  for (const name of names) {
    body.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${targetColors[name]}"/>`,
      text(x + 16, y + 11, name),
    );
    x += 30 + name.length * 7;
  }
  return y + 20;
}

const nines = (percentile: number) => Math.log10(100 / Math.max(100 - percentile, 0.001));

/** Latency by percentile for one case, one line per target (medians over repetitions). */
export function latencyChart(title: string, summary: CaseSummary): string {
  const left = 70;
  const top = 40;
  const width = 520;
  const height = 280;
  const lines = summary.targets.filter((target) => target.latency !== undefined);
  const points = lines.flatMap((line) =>
    line.latency!.curve.filter((point) => point.percentile < 100),
  );
  const micros = points.map((point) => Math.max(point.micros, 1));
  const low = Math.floor(Math.log10(Math.min(...micros, 100)));
  const high = Math.ceil(Math.log10(Math.max(...micros, 1000)));
  const xMax = nines(99.99);
  const xOf = (percentile: number) => left + (nines(percentile) / xMax) * width;
  const yOf = (value: number) =>
    top + height - ((Math.log10(Math.max(value, 1)) - low) / (high - low)) * height;
  const body: string[] = [
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#999999"/>`,
  ];
  for (let decade = low; decade <= high; decade++) {
    const y = yOf(10 ** decade);
    body.push(
      `<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + width}" y2="${y.toFixed(1)}" stroke="#eeeeee"/>`,
      text(4, y + 4, formatMicros(10 ** decade)),
    );
  }
  for (const percentile of [0, 90, 99, 99.9, 99.99]) {
    const x = xOf(percentile);
    body.push(
      `<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="#eeeeee"/>`,
      text(x - 12, top + height + 16, `p${percentile}`),
    );
  }
  for (const line of lines) {
    const curve = line.latency!.curve.filter((point) => point.percentile < 100);
    const path = curve
      .map((point) => `${xOf(point.percentile).toFixed(1)},${yOf(point.micros).toFixed(1)}`)
      .join(' ');
    body.push(
      `<polyline points="${path}" fill="none" stroke="${targetColors[line.target]}" stroke-width="2"/>`,
    );
  }
  if (lines.length === 0) body.push(text(left + 10, top + 20, 'no target ran it'));
  const y = legend(body, top + height + 30, [summary]);
  return svgDocument(left + width + 30, y + 10, title, body);
}
