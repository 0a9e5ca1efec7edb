/**
 * A histogram kept as plain numbers (Redpanda's probe style): `observe` is a short loop over
 * fixed upper bounds and three adds, with no allocation, so hot paths can call it once per
 * request. prom-client reads it at scrape time (probe-histogram.ts).
 */

/** Upper bounds, in seconds, for request latencies: 100 µs to 10 s. */
export const requestSecondsBuckets: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** Upper bounds, in seconds, for fsyncs: 50 µs to 5 s. */
export const fsyncSecondsBuckets: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
];

export class BucketCounts {
  /** Observations at or below each bound, not cumulative; the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    this.counts = new Array<number>(upperBounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let slot = 0;
    while (slot < bounds.length && value > bounds[slot]!) slot += 1;
    this.counts[slot]! += 1;
    this.sum += value;
    this.count += 1;
  }
}
