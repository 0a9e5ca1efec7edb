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
 */
import { deletesByRetention, type LogConfig } from './config.js';

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
