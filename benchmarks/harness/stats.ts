/**
 * The harness's statistics: the median and spread of repetitions (sample-stats.ts), and latency
 * histograms corrected for coordinated omission.
 *
 * Coordinated omission (Gil Tene): a load generator that sends the next record only after the
 * previous one went out stops sending while the system under test stalls, so the stall is
 * recorded once instead of for every record that should have been sent during it, and the high
 * percentiles look far better than what a user at that rate would see. The harness avoids it by
 * sending on a schedule: record i is due at `start + i / rate`, whenever it actually leaves, and
 * its latency is measured from that intended time. The latency from the actual send time is
 * kept beside it (uncorrected), so the report shows how much the correction mattered.
 */
import * as hdr from 'hdr-histogram-js';
import { type Spread, spreadOf } from '../sample-stats.js';
import { latencyMicrosMax } from './constants.js';

export { type Spread, spreadOf };

/** (max - min) / median: 0.1 means the repetitions spread over 10% of the median. */
export function relativeSpread(spread: Spread): number {
  return spread.median === 0 ? 0 : (spread.max - spread.min) / spread.median;
}

/** Microseconds on a monotonic clock, for send and receive times within this process. */
export function clockMicros(): number {
  return performance.now() * 1000;
}

/** When each record of a fixed-rate run is due: record i at `startMicros + i * 1e6 / rate`. */
export class SendSchedule {
  constructor(
    readonly ratePerSecond: number,
    readonly startMicros: number,
    readonly recordCount: number,
  ) {}

  intendedMicros(index: number): number {
    return this.startMicros + (index * 1e6) / this.ratePerSecond;
  }

  /** How many records are due by `nowMicros` (all of those before it, capped at the count). */
  dueCount(nowMicros: number): number {
    if (nowMicros < this.startMicros) return 0;
    const due = Math.floor(((nowMicros - this.startMicros) * this.ratePerSecond) / 1e6) + 1;
    return Math.min(due, this.recordCount);
  }
}

/** Latency percentiles in microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One point of a percentile curve: `percentile` of the records took at most `micros`. */
export interface PercentilePoint {
  percentile: number;
  micros: number;
}

/** The percentiles a latency curve is drawn through (log-spaced towards the tail). */
export const curvePercentiles = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100] as const;

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: latencyMicrosMax,
    numberOfSignificantValueDigits: 3,
  });
}

function summaryOf(histogram: hdr.Histogram): LatencySummary {
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
    mean: histogram.mean,
  };
}

function curveOf(histogram: hdr.Histogram): PercentilePoint[] {
  return curvePercentiles.map((percentile) => ({
    percentile,
    micros:
      percentile === 100
        ? histogram.maxValue
        : histogram.getValueAtPercentile(Math.max(percentile, 0.0001)),
  }));
}

/** Values outside the histogram's range are clamped rather than lost. */
function clampMicros(micros: number): number {
  return Math.min(Math.max(Math.round(micros), 1), latencyMicrosMax);
}

/**
 * Send-to-receive latencies of one run, from the intended send time (corrected) and from the
 * actual one (uncorrected). Not thread-safe; one per run.
 */
export class LatencyRecorder {
  private readonly corrected = newHistogram();
  private readonly uncorrected = newHistogram();

  record(intendedMicros: number, sentMicros: number, receivedMicros: number): void {
    this.corrected.recordValue(clampMicros(receivedMicros - intendedMicros));
    this.uncorrected.recordValue(clampMicros(receivedMicros - sentMicros));
  }

  get count(): number {
    return this.corrected.totalCount;
  }

  summary(): { corrected: LatencySummary; uncorrected: LatencySummary } {
    return { corrected: summaryOf(this.corrected), uncorrected: summaryOf(this.uncorrected) };
  }

  curve(): PercentilePoint[] {
    return curveOf(this.corrected);
  }

  /** The corrected histogram, HdrHistogram's compressed base64 (for results.json). */
  encoded(): string {
    return hdr.encodeIntoCompressedBase64(this.corrected);
  }

  destroy(): void {
    this.corrected.destroy();
    this.uncorrected.destroy();
  }
}
