/**
 * broker-bench's summary: one row per workload, medians with their spread, printed as a
 * Markdown table. Rates count record values (`recordBytes` each; 1 MB = 1e6 bytes), so MB/s is
 * payload, not the ~9% more that batch and record headers take on the wire and on disk.
 *
 * Each row also says what bounded it, from the CPU each process used (cores = CPU seconds per
 * wall second): the whole machine when its cores were all busy (by the broker and the client,
 * or with other processes' help: then rerun on a quiet machine), else the process that kept
 * one core busy (a Node broker's main thread, kcat's own work), else neither (latency: round
 * trips, fsync waits).
 */
import { cpus } from 'node:os';
import type { BatchShape } from './batch-shape.js';
import { recordsPerBatch } from './batch-shape.js';
import {
  type ClientName,
  type ClientSample,
  clientOf,
  type Repetition,
  type WorkloadName,
} from './broker-workloads.js';
import type { LogEngineSample } from './log-engine-rates.js';
import { type Spread, spreadOf } from './sample-stats.js';

/**
 * Other processes (or the kernel's writeback threads) using more than this many cores during
 * the runs make the numbers suspect.
 */
const noiseCoresMax = 0.25;

/** A process using this much of a core (or the machine this much of its cores) was the bound. */
const busyFraction = 0.9;

export interface WorkloadResult {
  workload: WorkloadName;
  batchShape: BatchShape;
  repetitions: Repetition[];
}

export interface Row {
  workload: WorkloadName;
  client: ClientName;
  recordsPerBatch: number;
  brokerRecordsPerSecond: Spread;
  brokerMegabytesPerSecond: Spread;
  /** CPU seconds per wall second (1 = one core busy), of the broker, the client, the rest. */
  brokerCores: Spread;
  clientCores: Spread;
  otherCores: Spread;
  logRecordsPerSecond: Spread;
  logMegabytesPerSecond: Spread;
  logCores: Spread;
  logOtherCores: Spread;
  /** Median broker records/s over median log engine records/s. */
  ratio: number;
  /** Records per broker CPU-second over records per log-engine CPU-second (medians). */
  cpuRatio: number;
  /** The client against the null broker, and the client's cores then. */
  ceilingRecordsPerSecond: Spread;
  ceilingClientCores: Spread;
  /** Median broker records/s over median ceiling records/s. */
  ofCeiling: number;
  /** What bounded the broker runs (see the top of this file). */
  bound: string;
}

type Timed = { recordCount: number; seconds: number };

function perSecond(sample: Timed): number {
  return sample.recordCount / sample.seconds;
}

export function summarise(result: WorkloadResult, recordBytes: number): Row {
  const broker: ClientSample[] = result.repetitions.map((repetition) => repetition.broker);
  const log: LogEngineSample[] = result.repetitions.map((repetition) => repetition.logEngine);
  const ceiling = result.repetitions.map((repetition) => repetition.ceiling);
  const megabytes = (sample: Timed) => (perSecond(sample) * recordBytes) / 1e6;
  const brokerRecordsPerSecond = spreadOf(broker.map(perSecond));
  const logRecordsPerSecond = spreadOf(log.map(perSecond));
  const brokerPerCpu = spreadOf(broker.map((s) => s.recordCount / s.serverCpuSeconds));
  const logPerCpu = spreadOf(log.map((s) => s.recordCount / s.cpuSeconds));
  const ceilingRecordsPerSecond = spreadOf(ceiling.map(perSecond));
  const brokerCores = spreadOf(broker.map((s) => s.serverCpuSeconds / s.seconds));
  const clientCores = spreadOf(broker.map((s) => s.clientCpuSeconds / s.seconds));
  const otherCores = spreadOf(broker.map((s) => s.otherCpuSeconds / s.processSeconds));
  const client = clientOf(result.workload);
  return {
    workload: result.workload,
    client,
    recordsPerBatch: recordsPerBatch(result.batchShape),
    brokerRecordsPerSecond,
    brokerMegabytesPerSecond: spreadOf(broker.map(megabytes)),
    brokerCores,
    clientCores,
    otherCores,
    logRecordsPerSecond,
    logMegabytesPerSecond: spreadOf(log.map(megabytes)),
    logCores: spreadOf(log.map((s) => s.cpuSeconds / s.seconds)),
    logOtherCores: spreadOf(log.map((s) => s.otherCpuSeconds / s.seconds)),
    ratio: brokerRecordsPerSecond.median / logRecordsPerSecond.median,
    cpuRatio: brokerPerCpu.median / logPerCpu.median,
    ceilingRecordsPerSecond,
    ceilingClientCores: spreadOf(ceiling.map((s) => s.clientCpuSeconds / s.seconds)),
    ofCeiling: brokerRecordsPerSecond.median / ceilingRecordsPerSecond.median,
    bound: boundOf(brokerCores.median, clientCores.median, otherCores.median, client),
  };
}

/**
 * What kept the broker runs from going faster, from the median cores each used. The broker is
 * one Node thread plus libuv's pool (page-cache writes), so it can pass 1 core while its main
 * thread is the limit; kcat is several threads, one of which does the per-record work.
 */
export function boundOf(
  brokerCores: number,
  clientCores: number,
  otherCores: number,
  client: ClientName,
  machineCores = cpus().length,
): string {
  const busyCores = busyFraction * machineCores;
  if (brokerCores + clientCores >= busyCores) return `${machineCores} cores (broker + ${client})`;
  if (brokerCores + clientCores + otherCores >= busyCores) {
    return `${machineCores} cores (other processes too)`;
  }
  if (clientCores >= busyFraction && clientCores >= brokerCores) return `${client} CPU`;
  if (brokerCores >= busyFraction) return 'broker CPU';
  return 'latency';
}

export function formatRate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : `${(value / 1e3).toFixed(0)}k`;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

const columns: ReadonlyArray<readonly [string, (row: Row) => string]> = [
  ['workload', (row) => row.workload],
  ['client', (row) => row.client],
  ['rec/batch', (row) => String(row.recordsPerBatch)],
  ['records/s', (row) => formatRate(row.brokerRecordsPerSecond.median)],
  [
    'min-max',
    (row) =>
      `${formatRate(row.brokerRecordsPerSecond.min)}-${formatRate(row.brokerRecordsPerSecond.max)}`,
  ],
  ['MB/s', (row) => row.brokerMegabytesPerSecond.median.toFixed(0)],
  ['broker cores', (row) => row.brokerCores.median.toFixed(2)],
  ['client cores', (row) => row.clientCores.median.toFixed(2)],
  ['other cores', (row) => row.otherCores.median.toFixed(2)],
  ['log records/s', (row) => formatRate(row.logRecordsPerSecond.median)],
  ['log MB/s', (row) => row.logMegabytesPerSecond.median.toFixed(0)],
  ['broker/log', (row) => percent(row.ratio)],
  ['per CPU-s', (row) => percent(row.cpuRatio)],
  ['client ceiling', (row) => formatRate(row.ceilingRecordsPerSecond.median)],
  ['its client cores', (row) => row.ceilingClientCores.median.toFixed(2)],
  ['of ceiling', (row) => percent(row.ofCeiling)],
  ['bound', (row) => row.bound],
];

export function printTable(rows: readonly Row[]): void {
  const lines = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([title], column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(' | ')} |`;
  console.log(format(columns.map(([title]) => title)));
  console.log(`|${widths.map((width) => `${'-'.repeat(width + 1)}:`).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

/** Other processes' CPU during the runs takes cores from the broker, kcat and the log. */
export function warnAboutNoise(rows: readonly Row[]): void {
  for (const row of rows) {
    const duringBroker = row.otherCores.median;
    const duringLog = row.logOtherCores.median;
    if (Math.max(duringBroker, duringLog) <= noiseCoresMax) continue;
    console.error(
      `warning: ${row.workload}: the rest of the machine used ${duringBroker.toFixed(2)} cores ` +
        `during the broker runs and ${duringLog.toFixed(2)} during the log engine runs ` +
        '(medians): rerun on a quiet machine',
    );
  }
}
