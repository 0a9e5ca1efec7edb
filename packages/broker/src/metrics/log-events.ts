/**
 * The broker's observer of its logs (@cairn/log's LogManagerObserver): counts fsyncs (with
 * their latency), segment rolls and deletions for the metrics, and keeps the disk usage that
 * the disk budget checks current as writes land and segments or whole logs go.
 */
import type { LogManagerObserver, LogObserver } from '@cairn/log';
import type { DiskUsage } from '../quotas/disk-usage.js';
import { BucketCounts, fsyncSecondsBuckets } from './bucket-counts.js';

export class LogEvents implements LogManagerObserver {
  readonly fsyncSeconds = new BucketCounts(fsyncSecondsBuckets);
  segmentRollCount = 0;
  segmentDeletionCount = 0;

  constructor(private readonly usage: DiskUsage) {}

  forLog(topic: string): LogObserver {
    return {
      onWrite: (sizeBytes) => this.usage.add(topic, sizeBytes),
      onFsync: (durationSeconds) => this.fsyncSeconds.observe(durationSeconds),
      onSegmentRoll: () => {
        this.segmentRollCount += 1;
      },
      onSegmentsDeleted: (segmentCount, sizeBytes) => {
        this.segmentDeletionCount += segmentCount;
        this.usage.add(topic, -sizeBytes);
        this.usage.remeasureSoon();
      },
    };
  }

  onLogDeleted(topic: string, _partition: number, sizeBytes: number): void {
    this.usage.add(topic, -sizeBytes);
    this.usage.remeasureSoon();
  }
}
