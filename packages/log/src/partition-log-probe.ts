/**
 * A partition log's counters: plain numbers the log bumps on its paths (once per append,
 * write, read, roll or fsync, never per record) and the broker's metrics read at scrape time
 * (Redpanda's probe.h). Events others must hear of as they happen (bytes written, fsync time,
 * rolls, deletions) go to the log's LogObserver (log-observer.ts) instead.
 */
export class PartitionLogProbe {
  appendCount = 0;
  appendBytes = 0;
  appendBatchCount = 0;
  writeCount = 0;
  readCount = 0;
  readBytes = 0;
  rollCount = 0;
  syncCount = 0;
  appendQueueFullCount = 0;
  recoveryTruncatedBytes = 0;
  retentionDeletedSegmentCount = 0;
  compactionCount = 0;
}
