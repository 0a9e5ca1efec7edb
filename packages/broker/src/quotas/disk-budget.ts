/**
 * The disk budget: whether an append of some bytes to a topic still fits
 *   - log.dir.bytes.max: bytes of segments in the whole data dir, and
 *   - topic.retained.bytes.max: bytes of segments of any one topic (all its partitions).
 * Unlike retention.bytes, which deletes old segments to make room, these refuse new data: a
 * producer is told to retry (KAFKA_STORAGE_ERROR, HTTP 503) until retention, DeleteRecords or
 * a deleted topic frees space. -1 disables a limit.
 *
 * The check runs before the append, against bytes already written, so appends still queued in
 * the logs (bounded by their append queues) can take usage a little past a limit.
 */
import type { DiskUsage } from './disk-usage.js';

export interface DiskBudgetLimits {
  /** log.dir.bytes.max; -1 = none. */
  logDirBytesMax: number;
  /** topic.retained.bytes.max; -1 = none. */
  topicRetainedBytesMax: number;
}

export interface DiskRefusal {
  readonly limit: 'log.dir.bytes.max' | 'topic.retained.bytes.max';
  readonly message: string;
}

export class DiskBudget {
  constructor(
    private readonly usage: DiskUsage,
    readonly limits: DiskBudgetLimits,
  ) {}

  /** Null when `sizeBytes` more for `topic` fit both limits, else which one and why. */
  refusal(topic: string, sizeBytes: number): DiskRefusal | null {
    const { logDirBytesMax, topicRetainedBytesMax } = this.limits;
    const used = this.usage.usedBytes;
    if (logDirBytesMax >= 0 && used + sizeBytes > logDirBytesMax) {
      const message =
        `the data dir holds ${used} bytes; ${sizeBytes} more would pass ` +
        `log.dir.bytes.max=${logDirBytesMax}`;
      return { limit: 'log.dir.bytes.max', message };
    }
    const topicUsed = this.usage.topicUsedBytes(topic);
    if (topicRetainedBytesMax >= 0 && topicUsed + sizeBytes > topicRetainedBytesMax) {
      const message =
        `topic '${topic}' holds ${topicUsed} bytes; ${sizeBytes} more would pass ` +
        `topic.retained.bytes.max=${topicRetainedBytesMax}`;
      return { limit: 'topic.retained.bytes.max', message };
    }
    return null;
  }
}
