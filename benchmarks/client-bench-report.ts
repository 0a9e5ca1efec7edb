/**
 * client-bench's summary: one row per workload and client with medians and their spread, and
 * the ratios the issue sets targets for (Cairn over kafkajs and over @platformatic/kafka:
 * throughput >= 2x and >= 1.2x; p99 latency no worse, so a latency ratio <= 1). Rates count
 * record values (1 MB = 1e6 bytes). CPU per record is the steadier number on a busy machine.
 */
import type { ClientName } from './client-bench-clients.js';
import type { LatencySample } from './client-bench-latency.js';
import {
  type JobResult,
  type ThroughputSample,
  type WorkloadName,
  workloadSpecs,
} from './client-bench-workloads.js';
import { type Spread, spreadOf } from './sample-stats.js';

/** Other processes using more than this many cores during the runs make the numbers suspect. */
const noiseCoresMax = 0.25;

export interface ThroughputRow {
  kind: 'throughput';
  workload: WorkloadName;
  client: ClientName;
  recordsPerSecond: Spread;
  megabytesPerSecond: Spread;
  clientCpuUsPerRecord: Spread;
  brokerCpuUsPerRecord: Spread;
  otherCores: Spread;
}

export interface LatencyRow {
  kind: 'latency';
  workload: WorkloadName;
  client: ClientName;
  p50Ms: Spread;
  p99Ms: Spread;
  p999Ms: Spread;
  maxMs: Spread;
  lostCount: number;
  sendErrorCount: number;
  clientCpuUsPerRecord: Spread;
  otherCores: Spread;
}

export interface FailedRow {
  kind: 'failed';
  workload: WorkloadName;
  client: ClientName;
  error: string;
}

export type Row = ThroughputRow | LatencyRow | FailedRow;

export interface Ratio {
  workload: WorkloadName;
  /** records/s for throughput workloads, p99 for latency: Cairn's median over the other's. */
  measure: 'records/s' | 'p99';
  overKafkajs: number;
  overPlatformatic: number;
}

export type JobOutcome = JobResult | { client: ClientName; workload: WorkloadName; error: string };

export function summarise(outcome: JobOutcome): Row {
  const { client, workload } = outcome;
  if ('error' in outcome) return { kind: 'failed', client, workload, error: outcome.error };
  const spec = workloadSpecs[workload];
  const cpuPerRecord = (cpuSeconds: number, recordCount: number) =>
    (cpuSeconds / recordCount) * 1e6;
  if (spec.kind === 'latency') {
    const samples = outcome.samples as LatencySample[];
    const of = (pick: (sample: LatencySample) => number) => spreadOf(samples.map(pick));
    return {
      kind: 'latency',
      client,
      workload,
      p50Ms: of((s) => s.p50Ms),
      p99Ms: of((s) => s.p99Ms),
      p999Ms: of((s) => s.p999Ms),
      maxMs: of((s) => s.maxMs),
      lostCount: samples.reduce((sum, s) => sum + s.lostCount, 0),
      sendErrorCount: Math.max(...samples.map((s) => s.sendErrorCount)),
      clientCpuUsPerRecord: of((s) => cpuPerRecord(s.clientCpuSeconds, s.sentCount)),
      otherCores: of((s) => s.otherCpuSeconds / s.seconds),
    };
  }
  const samples = outcome.samples as ThroughputSample[];
  const of = (pick: (sample: ThroughputSample) => number) => spreadOf(samples.map(pick));
  return {
    kind: 'throughput',
    client,
    workload,
    recordsPerSecond: of((s) => s.recordCount / s.seconds),
    megabytesPerSecond: of((s) => (s.recordCount * spec.recordBytes) / s.seconds / 1e6),
    clientCpuUsPerRecord: of((s) => cpuPerRecord(s.clientCpuSeconds, s.recordCount)),
    brokerCpuUsPerRecord: of((s) => cpuPerRecord(s.brokerCpuSeconds, s.recordCount)),
    otherCores: of((s) => s.otherCpuSeconds / s.seconds),
  };
}

export function ratios(rows: readonly Row[]): Ratio[] {
  const result: Ratio[] = [];
  const workloads = [...new Set(rows.map((row) => row.workload))];
  for (const workload of workloads) {
    const find = (client: ClientName) =>
      rows.find((row) => row.workload === workload && row.client === client);
    const cairn = find('cairn');
    const kafkajs = find('kafkajs');
    const platformatic = find('platformatic');
    const measureOf = (row: Row | undefined): number => {
      if (row?.kind === 'throughput') return row.recordsPerSecond.median;
      if (row?.kind === 'latency') return row.p99Ms.median;
      return Number.NaN;
    };
    const measure = workloadSpecs[workload].kind === 'latency' ? 'p99' : 'records/s';
    result.push({
      workload,
      measure,
      overKafkajs: measureOf(cairn) / measureOf(kafkajs),
      overPlatformatic: measureOf(cairn) / measureOf(platformatic),
    });
  }
  return result;
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : `${(value / 1e3).toFixed(1)}k`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function rangeOf(spread: Spread, format: (value: number) => string): string {
  return `${format(spread.min)}-${format(spread.max)}`;
}

/** A Markdown table, numbers right-aligned. */
export function formatTable(headers: readonly string[], lines: readonly string[][]): string {
  const widths = headers.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => `${'-'.repeat(width + 1)}:`).join('|')}|`;
  return [format(headers), rule, ...lines.map(format)].join('\n');
}

export function throughputTable(rows: readonly Row[]): string {
  const headers = ['workload', 'client', 'records/s', 'min-max', 'MB/s', 'client us/rec'];
  headers.push('broker us/rec', 'other cores');
  const lines: string[][] = [];
  for (const row of rows) {
    if (row.kind === 'latency') continue;
    if (row.kind === 'failed') {
      lines.push([row.workload, row.client, 'failed', '', '', '', '', '']);
      continue;
    }
    lines.push([
      row.workload,
      row.client,
      formatRate(row.recordsPerSecond.median),
      rangeOf(row.recordsPerSecond, formatRate),
      fixed(row.megabytesPerSecond.median, 1),
      fixed(row.clientCpuUsPerRecord.median, 2),
      fixed(row.brokerCpuUsPerRecord.median, 2),
      fixed(row.otherCores.median, 2),
    ]);
  }
  return formatTable(headers, lines);
}

export function latencyTable(rows: readonly Row[]): string {
  const headers = ['workload', 'client', 'p50 ms', 'p99 ms', 'p99 min-max', 'p99.9 ms', 'max ms'];
  headers.push('lost', 'client us/rec', 'other cores');
  const lines: string[][] = [];
  for (const row of rows) {
    if (row.kind !== 'latency') continue;
    const ms = (value: number) => fixed(value, 2);
    lines.push([
      row.workload,
      row.client,
      ms(row.p50Ms.median),
      ms(row.p99Ms.median),
      rangeOf(row.p99Ms, ms),
      ms(row.p999Ms.median),
      ms(row.maxMs.median),
      String(row.lostCount),
      fixed(row.clientCpuUsPerRecord.median, 1),
      fixed(row.otherCores.median, 2),
    ]);
  }
  return formatTable(headers, lines);
}

export function ratioTable(ratioRows: readonly Ratio[]): string {
  const lines = ratioRows.map((ratio) => [
    ratio.workload,
    ratio.measure,
    fixed(ratio.overKafkajs, 2),
    fixed(ratio.overPlatformatic, 2),
  ]);
  return formatTable(['workload', 'measure', 'cairn/kafkajs', 'cairn/platformatic'], lines);
}

/** Warnings for runs the rest of the machine disturbed, or that lost records. */
export function warnings(rows: readonly Row[]): string[] {
  const result: string[] = [];
  for (const row of rows) {
    const label = `${row.workload} ${row.client}`;
    if (row.kind === 'failed') {
      result.push(`${label} failed: ${row.error}`);
      continue;
    }
    if (row.otherCores.median > noiseCoresMax) {
      result.push(
        `${label}: the rest of the machine used ${row.otherCores.median.toFixed(2)} cores ` +
          '(median): rerun on a quiet machine',
      );
    }
    if (row.kind === 'latency' && row.lostCount + row.sendErrorCount > 0) {
      result.push(`${label}: ${row.lostCount} records lost, ${row.sendErrorCount} send errors`);
    }
  }
  return result;
}
