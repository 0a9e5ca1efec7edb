/**
 * Consumer group lag per committed partition, computed when metrics are scraped (never on a
 * produce or fetch path):
 *   - in records: the high watermark minus the committed offset (0 when caught up);
 *   - in time: now minus the timestamp of the record at the committed offset, the age of the
 *     oldest record the group has not consumed (0 when caught up). Kafka has no such metric;
 *     finding it reads and decodes the one batch holding that offset, so the timestamp is
 *     cached per partition until the committed offset moves.
 * A committed offset below the log start (retention deleted what the group had not read)
 * counts from the log start.
 */
import type { Clock, PartitionLog } from '@cairn/log';
import { decodeRecordBatch, readMaxTimestamp } from '@cairn/protocol';
import type { GroupCoordinator } from '../groups/index.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly committedOffset: number;
  readonly lagRecords: number;
  readonly lagSeconds: number;
}

interface CachedTimestamp {
  offset: number;
  timestamp: number;
}

export class GroupLag {
  private cache = new Map<string, CachedTimestamp>();

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly registry: TopicRegistry,
    private readonly clock: Clock,
  ) {}

  /** The lag of every partition some group committed an offset for, on a live topic. */
  async collect(): Promise<PartitionLag[]> {
    const lags: PartitionLag[] = [];
    const cache = new Map<string, CachedTimestamp>();
    const now = this.clock.now();
    for (const { groupId } of this.coordinator.listGroups().groups) {
      const offsets = this.coordinator.group(groupId)?.offsets;
      if (offsets === undefined) continue;
      for (const { topic, partition } of offsets.partitions()) {
        const committed = offsets.get(topic, partition);
        const log = this.registry.partitionLog(topic, partition);
        if (committed === undefined || log === undefined) continue;
        const key = `${groupId}\u0000${topic}\u0000${partition}`;
        const from = Math.max(committed.offset, log.logStartOffset);
        const lagRecords = Math.max(log.highWatermark - from, 0);
        let lagSeconds = 0;
        if (lagRecords > 0) {
          const timestamp = await this.timestampAt(log, from, this.cache.get(key));
          if (timestamp !== null) {
            cache.set(key, { offset: from, timestamp });
            lagSeconds = Math.max(now - timestamp, 0) / 1000;
          }
        }
        lags.push({
          group: groupId,
          topic,
          partition,
          committedOffset: committed.offset,
          lagRecords,
          lagSeconds,
        });
      }
    }
    // Only what is still committed stays cached: the cache is bounded by the groups' offsets.
    this.cache = cache;
    return lags;
  }

  /** The timestamp of the record at `offset`, or null when it cannot be read now. */
  private async timestampAt(
    log: PartitionLog,
    offset: number,
    cached: CachedTimestamp | undefined,
  ): Promise<number | null> {
    if (cached?.offset === offset) return cached.timestamp;
    try {
      const { records } = await log.read(offset, 1);
      if (records.length === 0) return null;
      try {
        const batch = decodeRecordBatch(records, 0);
        const record = batch.records.find((candidate) => candidate.offset >= offset);
        return record?.timestamp ?? batch.maxTimestamp;
      } catch {
        // A batch this broker cannot decode (an unknown codec) still has its header's time.
        return readMaxTimestamp(records, 0);
      }
    } catch {
      return null;
    }
  }
}
