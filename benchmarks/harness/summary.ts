/**
 * The numbers the report quotes, derived from the repetitions in results.json: per case and
 * target the median and spread of records/s and MB/s, the fraction of the machine's relevant
 * limit, the server's CPU per record, and for latency the median of each percentile over the
 * repetitions. Ratios compare a Cairn target with a peer on the same case: throughput as
 * Cairn / peer (above 1: Cairn is faster), latency as Cairn p99 / peer p99 (below 1: Cairn is
 * faster).
 */
import type { MachineLimits } from './machine-limits.js';
import { curvePercentiles, type PercentilePoint, type Spread, spreadOf } from './stats.js';
import type { TargetName } from './target.js';
import type { CaseRun } from './workload-runner.js';
import type { WorkloadCase } from './workloads.js';

export interface CaseResult {
  case: WorkloadCase;
  runs: Partial<Record<TargetName, CaseRun>>;
}

export interface LatencyFigures {
  p50: Spread;
  p99: Spread;
  p999: Spread;
  max: Spread;
  uncorrectedP99: Spread;
  /** Median over repetitions of each point of the corrected percentile curve. */
  curve: PercentilePoint[];
}

export interface TargetSummary {
  target: TargetName;
  status: CaseRun['status'];
  reason?: string;
  recordsPerSecond?: Spread;
  megabytesPerSecond?: Spread;
  /** Median MB/s over the relevant limit (0.5: half of what the machine allows). */
  limitFraction?: number;
  serverCpuMicrosPerRecord?: number;
  /** Median busy cores of the whole machine during the repetitions (it has `cpuCount`). */
  machineBusyCores?: number;
  latency?: LatencyFigures;
}

export interface CaseSummary {
  case: WorkloadCase;
  limit: RelevantLimit | null;
  targets: TargetSummary[];
}

export interface RelevantLimit {
  name: string;
  bytesPerSecond: number;
}

export const cairnTargets: readonly TargetName[] = ['cairn-kcat', 'cairn-client'];
export const peerTargets: readonly TargetName[] = ['redis-streams', 'nats-jetstream'];

/** Produce is bounded by the disk (synced for acks=all); reads by moving bytes over TCP. */
export function relevantLimit(workload: WorkloadCase, limits: MachineLimits): RelevantLimit | null {
  if (workload.kind === 'latency') return null;
  if (workload.kind === 'produce') {
    return workload.acks === 'all'
      ? { name: 'disk write + fsync', bytesPerSecond: limits.diskWriteFsyncBytesPerSecond }
      : { name: 'disk write', bytesPerSecond: limits.diskWriteBytesPerSecond };
  }
  return { name: 'loopback TCP', bytesPerSecond: limits.loopbackTcpBytesPerSecond };
}

function latencyFigures(run: CaseRun): LatencyFigures | undefined {
  const latencies = run.repetitions.flatMap((repetition) =>
    repetition.latency === undefined ? [] : [repetition.latency],
  );
  if (latencies.length === 0) return undefined;
  const over = (pick: (latency: (typeof latencies)[number]) => number) =>
    spreadOf(latencies.map(pick));
  return {
    p50: over((latency) => latency.corrected.p50),
    p99: over((latency) => latency.corrected.p99),
    p999: over((latency) => latency.corrected.p999),
    max: over((latency) => latency.corrected.max),
    uncorrectedP99: over((latency) => latency.uncorrected.p99),
    curve: curvePercentiles.map((percentile, index) => ({
      percentile,
      micros: spreadOf(latencies.map((latency) => latency.curve[index]?.micros ?? 0)).median,
    })),
  };
}

function summariseRun(
  target: TargetName,
  run: CaseRun,
  limit: RelevantLimit | null,
): TargetSummary {
  const summary: TargetSummary = { target, status: run.status };
  if (run.reason !== undefined) summary.reason = run.reason;
  if (run.status !== 'ok' || run.repetitions.length === 0) return summary;
  const repetitions = run.repetitions;
  summary.recordsPerSecond = spreadOf(repetitions.map((repetition) => repetition.recordsPerSecond));
  summary.megabytesPerSecond = spreadOf(
    repetitions.map((repetition) => repetition.megabytesPerSecond),
  );
  if (limit !== null) {
    summary.limitFraction = (summary.megabytesPerSecond.median * 1e6) / limit.bytesPerSecond;
  }
  summary.serverCpuMicrosPerRecord = spreadOf(
    repetitions.map((repetition) => (repetition.serverCpuSeconds * 1e6) / repetition.records),
  ).median;
  summary.machineBusyCores = spreadOf(
    repetitions.map((repetition) => repetition.machineBusyCpuSeconds / repetition.seconds),
  ).median;
  const latency = latencyFigures(run);
  if (latency !== undefined) summary.latency = latency;
  return summary;
}

export function summariseCase(result: CaseResult, limits: MachineLimits): CaseSummary {
  const limit = relevantLimit(result.case, limits);
  const targets = Object.entries(result.runs).map(([target, run]) =>
    summariseRun(target as TargetName, run, limit),
  );
  return { case: result.case, limit, targets };
}

/**
 * Cairn target over peer on one case: records/s ratio, or p99 latency ratio for latency
 * cases; null when either did not run.
 */
export function ratioOf(summary: CaseSummary, cairn: TargetName, peer: TargetName): number | null {
  const of = (name: TargetName) => summary.targets.find((target) => target.target === name);
  const mine = of(cairn);
  const theirs = of(peer);
  if (summary.case.kind === 'latency') {
    const mineP99 = mine?.latency?.p99.median;
    const theirP99 = theirs?.latency?.p99.median;
    return mineP99 === undefined || theirP99 === undefined ? null : mineP99 / theirP99;
  }
  const mineRate = mine?.recordsPerSecond?.median;
  const theirRate = theirs?.recordsPerSecond?.median;
  return mineRate === undefined || theirRate === undefined ? null : mineRate / theirRate;
}
