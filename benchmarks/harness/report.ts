/**
 * The run's outputs, from the results alone (so a report can be rebuilt from results.json):
 * a table on the terminal, and in benchmarks/results/<timestamp>/ results.json (machine,
 * versions, settings, every repetition), report.md (goals, limits, tables, ratios of Cairn to
 * each peer) and the SVG charts it links.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo } from '../machine-info.js';
import { evaluateGoals, type GoalResult } from './goals.js';
import type { MachineLimits } from './machine-limits.js';
import {
  type CaseResult,
  type CaseSummary,
  cairnTargets,
  peerTargets,
  ratioOf,
  summariseCase,
  type TargetSummary,
} from './summary.js';
import { formatCount, formatMicros, latencyChart, throughputChart } from './svg-charts.js';
import type { SkippedTarget, TargetName } from './target.js';
import type { WorkloadKind } from './workloads.js';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  versions: Partial<Record<TargetName, Readonly<Record<string, string>>>>;
  settings: Record<string, unknown>;
  limits: MachineLimits;
  skippedTargets: SkippedTarget[];
  cases: CaseResult[];
  /** The top of the broker's CPU profile under the produce workload (--profile). */
  profile?: string;
}

const throughputKinds: readonly WorkloadKind[] = ['produce', 'consume', 'fanout', 'replay'];
const kindTitles: Record<WorkloadKind, string> = {
  produce: 'Produce throughput',
  consume: 'Consume throughput',
  latency: 'End-to-end latency',
  fanout: 'Fan-out',
  replay: 'Replay',
};

const megabytes = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
const percent = (fraction: number | undefined) =>
  fraction === undefined ? '-' : `${(100 * fraction).toFixed(1)}%`;

function spreadCell(
  spread: { median: number; min: number; max: number } | undefined,
  format: (value: number) => string,
) {
  if (spread === undefined) return '-';
  return `${format(spread.median)} (${format(spread.min)}–${format(spread.max)})`;
}

function statusCell(target: TargetSummary): string {
  return target.status === 'ok' ? '' : `${target.status}: ${target.reason ?? ''}`;
}

function markdownTable(header: string[], rows: string[][]): string[] {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
}

function throughputSection(summaries: CaseSummary[], kind: WorkloadKind, chart: string): string[] {
  const rows = summaries.flatMap((summary) =>
    summary.targets.map((target) => [
      summary.case.id,
      target.target,
      spreadCell(target.recordsPerSecond, formatCount),
      spreadCell(target.megabytesPerSecond, (value) => value.toFixed(1)),
      target.limitFraction === undefined
        ? '-'
        : `${percent(target.limitFraction)} of ${summary.limit?.name}`,
      target.serverCpuMicrosPerRecord === undefined
        ? '-'
        : target.serverCpuMicrosPerRecord.toFixed(2),
      statusCell(target),
    ]),
  );
  return [
    `## ${kindTitles[kind]}`,
    '',
    ...markdownTable(
      [
        'case',
        'target',
        'records/s median (min–max)',
        'MB/s',
        'of machine limit',
        'server CPU µs/record',
        'status',
      ],
      rows,
    ),
    '',
    `![${kindTitles[kind]}](${chart})`,
    '',
  ];
}

function latencySection(summaries: CaseSummary[], charts: string[]): string[] {
  const rows = summaries.flatMap((summary) =>
    summary.targets.map((target) => {
      const latency = target.latency;
      const cell = (spread: { median: number } | undefined) =>
        spread === undefined ? '-' : formatMicros(spread.median);
      return [
        summary.case.id,
        target.target,
        cell(latency?.p50),
        cell(latency?.p99),
        cell(latency?.p999),
        cell(latency?.max),
        cell(latency?.uncorrectedP99),
        latency === undefined
          ? '-'
          : `${formatMicros(latency.p99.min)}–${formatMicros(latency.p99.max)}`,
        statusCell(target),
      ];
    }),
  );
  return [
    `## ${kindTitles.latency}`,
    '',
    "Send to receive, measured from each record's scheduled send time (corrected for",
    'coordinated omission); "p99 uncorrected" measures from the time it actually left, for',
    'comparison. Medians over the repetitions.',
    '',
    ...markdownTable(
      ['case', 'target', 'p50', 'p99', 'p99.9', 'max', 'p99 uncorrected', 'p99 range', 'status'],
      rows,
    ),
    '',
    ...charts.map((chart) => `![latency](${chart})`),
    '',
  ];
}

function ratioSection(summaries: CaseSummary[]): string[] {
  const present = new Set(summaries.flatMap((summary) => summary.targets.map((t) => t.target)));
  const pairs = cairnTargets
    .filter((cairn) => present.has(cairn))
    .flatMap((cairn) =>
      peerTargets.filter((peer) => present.has(peer)).map((peer) => [cairn, peer] as const),
    );
  if (pairs.length === 0) return ['## Cairn against the peers', '', 'No peer ran.', ''];
  const rows = summaries.map((summary) => [
    summary.case.id,
    ...pairs.map(([cairn, peer]) => {
      const ratio = ratioOf(summary, cairn, peer);
      return ratio === null ? '-' : `${ratio.toFixed(2)}x`;
    }),
  ]);
  return [
    '## Cairn against the peers',
    '',
    "Throughput: Cairn records/s over the peer's (above 1: Cairn is faster). Latency: Cairn",
    "p99 over the peer's (below 1: Cairn is faster).",
    '',
    ...markdownTable(['case', ...pairs.map(([cairn, peer]) => `${cairn} / ${peer}`)], rows),
    '',
  ];
}

function goalSection(goals: GoalResult[]): string[] {
  return [
    '## Goals (issue 6 §4)',
    '',
    ...markdownTable(
      ['goal', 'Cairn target', 'required', 'measured', 'verdict'],
      goals.map((goal) => [
        goal.goal,
        goal.cairn,
        goal.required,
        goal.measured,
        goal.note === undefined ? `**${goal.verdict}**` : `**${goal.verdict}** (${goal.note})`,
      ]),
    ),
    '',
  ];
}

function limitSection(limits: MachineLimits): string[] {
  return [
    '## Machine limits (measured in this run)',
    '',
    ...markdownTable(
      ['limit', 'value'],
      [
        ['sequential write, page cache (1 MiB writes)', megabytes(limits.diskWriteBytesPerSecond)],
        [
          'sequential write, fsync after each 1 MiB',
          megabytes(limits.diskWriteFsyncBytesPerSecond),
        ],
        [
          'fsync of a 4 KiB write (median / p99)',
          `${formatMicros(limits.fsyncMicros.median)} / ${formatMicros(limits.fsyncMicros.p99)}`,
        ],
        ['loopback TCP, Node to Node process', megabytes(limits.loopbackTcpBytesPerSecond)],
      ],
    ),
    '',
  ];
}

/** Chart files by name, and the report that links them. */
export interface RenderedReport {
  markdown: string;
  charts: Map<string, string>;
  goals: GoalResult[];
  summaries: CaseSummary[];
}

export function renderReport(results: BenchResults): RenderedReport {
  const summaries = results.cases.map((result) => summariseCase(result, results.limits));
  const goals = evaluateGoals(summaries);
  const charts = new Map<string, string>();
  const lines: string[] = [
    '# Cairn benchmark report',
    '',
    `Run ${results.startedAt} to ${results.finishedAt}: \`${results.command}\``,
    '',
    `Machine: ${results.machine.cpuCount} × ${results.machine.cpuModel}, ` +
      `${(results.machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, ${results.machine.os}, ` +
      `node ${results.machine.node}.`,
    '',
    ...Object.entries(results.versions).map(
      ([target, versions]) =>
        `- ${target}: ${Object.entries(versions ?? {})
          .map(([what, version]) => `${what} ${version}`)
          .join(', ')}`,
    ),
    ...results.skippedTargets.map((skipped) => `- ${skipped.name}: **skipped**, ${skipped.reason}`),
    '',
    'Records/s count records; MB/s counts record values only (1 MB = 1e6 bytes). Each figure',
    'is the median of the repetitions with the slowest and fastest in brackets. "Server CPU',
    'µs/record" is the broker process\'s CPU time per record, steadier than wall-clock rates',
    'when other processes share the machine.',
    '',
    ...goalSection(goals),
    ...limitSection(results.limits),
    ...ratioSection(summaries),
  ];
  for (const kind of throughputKinds) {
    const ofKind = summaries.filter((summary) => summary.case.kind === kind);
    if (ofKind.length === 0) continue;
    const chart = `throughput-${kind}.svg`;
    charts.set(chart, throughputChart(`${kindTitles[kind]} (records/s)`, ofKind));
    lines.push(...throughputSection(ofKind, kind, chart));
  }
  const latencies = summaries.filter((summary) => summary.case.kind === 'latency');
  if (latencies.length > 0) {
    const names = latencies.map((summary, index) => {
      const chart = `latency-${index + 1}.svg`;
      charts.set(chart, latencyChart(summary.case.id, summary));
      return chart;
    });
    lines.push(...latencySection(latencies, names));
  }
  if (results.profile !== undefined) {
    lines.push(
      "## Where the broker's time goes (produce, node --cpu-prof)",
      '',
      results.profile,
      '',
    );
  }
  return { markdown: `${lines.join('\n')}\n`, charts, goals, summaries };
}

/** Writes results.json, report.md and the charts into `directory`. */
export async function writeReport(
  directory: string,
  results: BenchResults,
): Promise<RenderedReport> {
  await mkdir(directory, { recursive: true });
  const rendered = renderReport(results);
  await writeFile(join(directory, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(directory, 'report.md'), rendered.markdown);
  for (const [name, svg] of rendered.charts) await writeFile(join(directory, name), svg);
  return rendered;
}

/** The terminal's summary: one line per case and target, then the goals. */
export function terminalTable(rendered: RenderedReport): string {
  const header = ['case', 'target', 'records/s', 'MB/s', 'of limit', 'p99', 'note'];
  const rows = rendered.summaries.flatMap((summary) =>
    summary.targets.map((target) => [
      summary.case.id,
      target.target,
      // A latency run's rate is the one it was asked for: its records/s says nothing more.
      target.recordsPerSecond === undefined || target.latency !== undefined
        ? '-'
        : formatCount(target.recordsPerSecond.median),
      target.megabytesPerSecond === undefined || target.latency !== undefined
        ? '-'
        : target.megabytesPerSecond.median.toFixed(1),
      percent(target.limitFraction),
      target.latency === undefined ? '-' : formatMicros(target.latency.p99.median),
      target.status === 'ok'
        ? ''
        : `${target.status}: ${(target.reason ?? '').split('\n')[0]!.slice(0, 60)}`,
    ]),
  );
  const goalRows = rendered.goals.map((goal) => [
    goal.goal,
    goal.cairn,
    goal.measured,
    goal.required,
    '',
    '',
    goal.verdict,
  ]);
  const all = [
    header,
    ...rows,
    ['', '', '', '', '', '', ''],
    ['goal', 'target', 'measured', 'required', '', '', 'verdict'],
    ...goalRows,
  ];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
