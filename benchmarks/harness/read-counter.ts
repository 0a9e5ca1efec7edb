/**
 * How the targets time a read: records read so far by one consumer, or by the members of one
 * group together, and performance.now() of the first and the last. A read is timed from its
 * first record to its last, which leaves out connecting and joining a group.
 */
import type { Timed } from './target.js';

export interface ReadCounter {
  records: number;
  first: number;
  last: number;
}

export function newReadCounter(): ReadCounter {
  return { records: 0, first: Number.NaN, last: Number.NaN };
}

/** `records` (by default what `counter` read) over the time from its first to its last record. */
export function timedRead(counter: ReadCounter, records = counter.records): Timed {
  return { records, seconds: (counter.last - counter.first) / 1000 };
}

/** Groups that read at once: `records` in all, from the earliest first record to the latest last. */
export function timedFanOut(counters: readonly ReadCounter[], records: number): Timed {
  const first = Math.min(...counters.map((counter) => counter.first));
  const last = Math.max(...counters.map((counter) => counter.last));
  return { records, seconds: (last - first) / 1000 };
}
