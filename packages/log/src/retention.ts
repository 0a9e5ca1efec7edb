/**
 * Which closed segments retention deletes (Kafka's UnifiedLog.deleteOldSegments), as a pure
 * function of the segments, the config and the clock. Only a prefix of the closed segments
 * is ever deleted, so the log stays contiguous, and never the active segment: callers pass
 * closed segments only.
 *
 * A segment goes when any of these holds for it and for every segment before it:
 * - retention.ms (cleanup.policy has delete): its largest timestamp is older than now minus
 *   retention.ms (a segment without timestamps uses its file's modification time, as Kafka);
 * - retention.bytes (cleanup.policy has delete): the log stays at least retention.bytes big
 *   without it;
 * - logStartOffset: every offset in it is below logStartOffset (after deleteRecordsBefore).
 *
 * Around that pure plan, the I/O a PartitionLog does under its maintenance mutex:
 * `retentionCandidates` gathers the plan's input, `deleteSegmentFiles` removes what it chose.
 */
import { deletesByRetention, type LogConfig } from './config.js';
import type { FileSystem } from './file-system.js';
import type { Segment } from './segment.js';
import { storageError } from './storage-error.js';
import { NO_TIMESTAMP } from './time-index.js';

export interface RetentionCandidate {
  baseOffset: number;
  sizeBytes: number;
  /** The segment's largest timestamp, or its file's modification time when it has none. */
  largestTimestamp: number;
  /** The baseOffset of the segment after it: every offset in it is below this. */
  nextBaseOffset: number;
}

export interface RetentionInput {
  config: LogConfig;
  now: number;
  /** Bytes of every segment, the active one included. */
  logSizeBytes: number;
  logStartOffset: number;
}

export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'logStartOffset';

/** What a retention pass (or DeleteRecords) deleted, and the logStartOffset after it. */
export interface RetentionResult {
  deletedSegmentCount: number;
  deletedBytes: number;
  reasons: RetentionReason[];
  logStartOffset: number;
}

export interface RetentionPlan {
  /** How many of the oldest closed segments to delete. */
  deleteCount: number;
  reasons: RetentionReason[];
}

export function planRetention(
  closed: readonly RetentionCandidate[],
  input: RetentionInput,
): RetentionPlan {
  const { config, now, logStartOffset } = input;
  const deletes = deletesByRetention(config);
  let remainingBytes = input.logSizeBytes;
  const reasons: RetentionReason[] = [];
  for (const segment of closed) {
    let reason: RetentionReason | null = null;
    if (segment.nextBaseOffset <= logStartOffset) {
      reason = 'logStartOffset';
    } else if (
      deletes &&
      config.retentionMs >= 0 &&
      now - segment.largestTimestamp > config.retentionMs
    ) {
      reason = 'retention.ms';
    } else if (
      deletes &&
      config.retentionBytes >= 0 &&
      remainingBytes - segment.sizeBytes >= config.retentionBytes
    ) {
      reason = 'retention.bytes';
    }
    if (reason === null) break;
    reasons.push(reason);
    remainingBytes -= segment.sizeBytes;
  }
  return { deleteCount: reasons.length, reasons };
}

/** The closed segments of `segments` (oldest first, the active one last) as plan input. */
export async function retentionCandidates(
  segments: readonly Segment[],
  fs: FileSystem,
): Promise<RetentionCandidate[]> {
  const candidates: RetentionCandidate[] = [];
  for (const [segmentIndex, segment] of segments.slice(0, -1).entries()) {
    const largestTimestamp =
      segment.maxTimestamp !== NO_TIMESTAMP
        ? segment.maxTimestamp
        : await fs.modifiedTimeMs(segment.logPath);
    candidates.push({
      baseOffset: segment.baseOffset,
      sizeBytes: segment.sizeBytes,
      largestTimestamp,
      nextBaseOffset: segments[segmentIndex + 1]!.baseOffset,
    });
  }
  return candidates;
}

/**
 * Deletes the files of segments already taken out of the log (each closes once its reads
 * finish), then fsyncs the directory; returns the bytes they held. Throws KAFKA_STORAGE_ERROR.
 */
export async function deleteSegmentFiles(
  fs: FileSystem,
  dir: string,
  deleted: readonly Segment[],
): Promise<number> {
  let deletedBytes = 0;
  for (const segment of deleted) {
    deletedBytes += segment.sizeBytes;
    try {
      await segment.delete();
    } catch (error) {
      throw storageError('deleting', segment.logPath, error);
    }
  }
  if (deleted.length > 0) await fs.syncDirectory(dir);
  return deletedBytes;
}
