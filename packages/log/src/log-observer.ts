/**
 * What a log tells whoever watches it (the broker's metrics and disk budget), without the log
 * depending on them. Each call is made once per write, fsync, roll or deletion, never per
 * record, and must return quickly without throwing: it runs on the writer's path.
 */
export interface LogObserver {
  /** `sizeBytes` of batches reached the active segment's file (one call per coalesced write). */
  onWrite(sizeBytes: number): void;
  /** An fsync of the log's dirty segments took `durationSeconds`. */
  onFsync(durationSeconds: number): void;
  /** The active segment was sealed and a new one started. */
  onSegmentRoll(): void;
  /** Retention, DeleteRecords or logStartOffset removed whole segments. */
  onSegmentsDeleted(segmentCount: number, sizeBytes: number): void;
}

/** What a LogManager tells: an observer for each log it opens, and logs it deletes. */
export interface LogManagerObserver {
  forLog(topic: string, partition: number): LogObserver;
  /** The partition's log was closed and its directory removed; it held `sizeBytes`. */
  onLogDeleted(topic: string, partition: number, sizeBytes: number): void;
}

/** An observer that ignores everything (the default). */
export const ignoringLogObserver: LogObserver = {
  onWrite: () => undefined,
  onFsync: () => undefined,
  onSegmentRoll: () => undefined,
  onSegmentsDeleted: () => undefined,
};
