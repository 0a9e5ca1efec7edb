/**
 * Bytes of segments the data dir holds, in total and per topic, for the disk budget and the
 * metrics. Kept up to date by the logs' observer events (a write adds, retention, DeleteRecords
 * and topic deletion subtract), and re-measured from the open logs at start and periodically,
 * which corrects what events do not report (compaction rewriting segments, recovery). Index
 * files are not counted: they are a small, bounded fraction of the segments.
 */
import type { ManagedLog } from '@cairn/log';

export class DiskUsage {
  private totalBytes = 0;
  private readonly bytesByTopic = new Map<string, number>();

  /** Bytes of every partition's segments. */
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
    for (const { topic, log } of logs) this.add(topic, log.sizeBytes);
  }
}
