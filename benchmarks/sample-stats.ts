/**
 * Summaries of repeated measurements. Benchmarks quote the median and show the spread (min and
 * max) beside it, never a mean that one slow repetition can drag.
 */
import { assert } from '@cairn/protocol';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the middle two for an even count), min and max; `values` must not be empty. */
export function spreadOf(values: readonly number[]): Spread {
  assert(values.length > 0, 'the spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}
