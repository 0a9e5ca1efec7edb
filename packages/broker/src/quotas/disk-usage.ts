/**
 * Bytes the data dir holds, in total and per topic, for the disk budget and the metrics:
 * every partition's segments and their offset and time indexes. Kept up to date by the logs'
 * observer events (a write adds its bytes, retention, DeleteRecords and topic deletion take
 * theirs away), and re-measured from the open logs at start, every diskUsageMeasureIntervalMs,
 * and right after segments or logs are deleted. Measuring corrects what the events do not
 * report: index entries (an entry per index.interval.bytes of batches: ~0.5% of the segments
 * by default, more for a topic with a small interval), the indexes of deleted segments,
 * compaction rewriting segments, recovery.
 */
import type { ManagedLog } from '@cairn/log';

export class DiskUsage {
  private totalBytes = 0;
  private readonly bytesByTopic = new Map<string, number>();
  private measureLogs: (() => Iterable<ManagedLog>) | null = null;
  private remeasurePending = false;

  /** Bytes of every partition's segments and indexes. */
  get usedBytes(): number {
    return this.totalBytes;
  }

  topicUsedBytes(topic: string): number {
    return this.bytesByTopic.get(topic) ?? 0;
  }

  /** `sizeBytes` were written to one of `topic`'s partitions (negative: removed). */
  add(topic: string, sizeBytes: number): void {
    this.totalBytes += sizeBytes;
    this.bytesByTopic.set(topic, (this.bytesByTopic.get(topic) ?? 0) + sizeBytes);
  }

  /** Sets every count from the logs' current sizes (synchronous: no write slips between). */
  measure(logs: Iterable<ManagedLog>): void {
    this.totalBytes = 0;
    this.bytesByTopic.clear();
    for (const { topic, log } of logs) this.add(topic, log.sizeBytes + log.indexSizeBytes);
  }

  /** Where `remeasureSoon` finds the logs (ProduceQuotas.start); none before. */
  measureFrom(logs: (() => Iterable<ManagedLog>) | null): void {
    this.measureLogs = logs;
  }

  /**
   * Space was freed: measure again once the deletion has finished (on the next turn of the
   * event loop, as the event comes from inside it), so that the indexes it removed stop
   * counting at once and a producer refused for space is let through again.
   */
  remeasureSoon(): void {
    if (this.remeasurePending || this.measureLogs === null) return;
    this.remeasurePending = true;
    setImmediate(() => {
      this.remeasurePending = false;
      if (this.measureLogs !== null) this.measure(this.measureLogs());
    });
  }
}
