/**
 * broker-bench's summary: one row per workload, medians with their spread, printed as a
 * Markdown table. Rates count record values (`recordBytes` each; 1 MB = 1e6 bytes), so MB/s is
 * payload, not the ~9% more that batch and record headers take on the wire and on disk.
 */
import type { BatchShape } from './batch-shape.js';
import { recordsPerBatch } from './batch-shape.js';
import type { KcatSample, Repetition, WorkloadName } from './broker-workloads.js';
import type { LogEngineSample } from './log-engine-rates.js';
import { type Spread, spreadOf } from './sample-stats.js';

/**
 * Other processes (or the kernel's writeback threads) using more than this many cores during
 * the runs make the numbers suspect.
 */
const noiseCoresMax = 0.25;

export interface WorkloadResult {
  workload: WorkloadName;
  batchShape: BatchShape;
  repetitions: Repetition[];
}

export interface Row {
  workload: WorkloadName;
  recordsPerBatch: number;
  brokerRecordsPerSecond: Spread;
  brokerMegabytesPerSecond: Spread;
  /** CPU seconds per wall second (1 = one core busy), of the broker, kcat, everyone else. */
  brokerCores: Spread;
  kcatCores: Spread;
  otherCores: Spread;
  logRecordsPerSecond: Spread;
  logMegabytesPerSecond: Spread;
  logCores: Spread;
  logOtherCores: Spread;
  /** Median broker records/s over median log engine records/s. */
  ratio: number;
  /** Records per broker CPU-second over records per log-engine CPU-second (medians). */
  cpuRatio: number;
  /** kcat against the null broker. */
  ceilingRecordsPerSecond: Spread;
  /** Median broker records/s over median ceiling records/s. */
  ofCeiling: number;
}

type Timed = { recordCount: number; seconds: number };

function perSecond(sample: Timed): number {
  return sample.recordCount / sample.seconds;
}

export function summarise(result: WorkloadResult, recordBytes: number): Row {
  const broker: KcatSample[] = result.repetitions.map((repetition) => repetition.broker);
  const log: LogEngineSample[] = result.repetitions.map((repetition) => repetition.logEngine);
  const ceiling = result.repetitions.map((repetition) => repetition.ceiling);
  const megabytes = (sample: Timed) => (perSecond(sample) * recordBytes) / 1e6;
  const brokerRecordsPerSecond = spreadOf(broker.map(perSecond));
  const logRecordsPerSecond = spreadOf(log.map(perSecond));
  const brokerPerCpu = spreadOf(broker.map((s) => s.recordCount / s.serverCpuSeconds));
  const logPerCpu = spreadOf(log.map((s) => s.recordCount / s.cpuSeconds));
  const ceilingRecordsPerSecond = spreadOf(ceiling.map(perSecond));
  return {
    workload: result.workload,
    recordsPerBatch: recordsPerBatch(result.batchShape),
    brokerRecordsPerSecond,
    brokerMegabytesPerSecond: spreadOf(broker.map(megabytes)),
    brokerCores: spreadOf(broker.map((s) => s.serverCpuSeconds / s.seconds)),
    kcatCores: spreadOf(broker.map((s) => s.kcatCpuSeconds / s.seconds)),
    otherCores: spreadOf(broker.map((s) => s.otherCpuSeconds / s.seconds)),
    logRecordsPerSecond,
    logMegabytesPerSecond: spreadOf(log.map(megabytes)),
    logCores: spreadOf(log.map((s) => s.cpuSeconds / s.seconds)),
    logOtherCores: spreadOf(log.map((s) => s.otherCpuSeconds / s.seconds)),
    ratio: brokerRecordsPerSecond.median / logRecordsPerSecond.median,
    cpuRatio: brokerPerCpu.median / logPerCpu.median,
    ceilingRecordsPerSecond,
    ofCeiling: brokerRecordsPerSecond.median / ceilingRecordsPerSecond.median,
  };
}

export function formatRate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : `${(value / 1e3).toFixed(0)}k`;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

const columns: ReadonlyArray<readonly [string, (row: Row) => string]> = [
  ['workload', (row) => row.workload],
  ['rec/batch', (row) => String(row.recordsPerBatch)],
  ['records/s', (row) => formatRate(row.brokerRecordsPerSecond.median)],
  [
    'min-max',
    (row) =>
      `${formatRate(row.brokerRecordsPerSecond.min)}-${formatRate(row.brokerRecordsPerSecond.max)}`,
  ],
  ['MB/s', (row) => row.brokerMegabytesPerSecond.median.toFixed(0)],
  ['broker cores', (row) => row.brokerCores.median.toFixed(2)],
  ['kcat cores', (row) => row.kcatCores.median.toFixed(2)],
  ['other cores', (row) => row.otherCores.median.toFixed(2)],
  ['log records/s', (row) => formatRate(row.logRecordsPerSecond.median)],
  ['log MB/s', (row) => row.logMegabytesPerSecond.median.toFixed(0)],
  ['broker/log', (row) => percent(row.ratio)],
  ['per CPU-s', (row) => percent(row.cpuRatio)],
  ['kcat ceiling', (row) => formatRate(row.ceilingRecordsPerSecond.median)],
  ['of ceiling', (row) => percent(row.ofCeiling)],
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
