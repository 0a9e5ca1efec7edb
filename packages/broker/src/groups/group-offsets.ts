/**
 * The committed offsets of one group, by topic then partition, as last written to
 * __consumer_offsets; and the partitions whose records are being written right now, so that
 * deleting the group also tombstones a commit still in flight, and expiry spares it.
 */
import { assert } from '@cairn/protocol';
import type { TopicPartition } from './coordinator-api.js';
import type { OffsetAndMetadata } from './offset-record.js';

/** A committed offset and where its record sits in __consumer_offsets (later wins). */
export interface CommittedOffset extends OffsetAndMetadata {
  readonly recordOffset: number;
}

export class GroupOffsets {
  private readonly committed = new Map<string, Map<number, CommittedOffset>>();
  /** Partitions with an offset record being written, counted per write. */
  private readonly writing = new Map<string, Map<number, number>>();
  private writeCount = 0;

  get isEmpty(): boolean {
    return this.committed.size === 0;
  }

  get hasWritesInFlight(): boolean {
    return this.writeCount > 0;
  }

  get(topic: string, partition: number): CommittedOffset | undefined {
    return this.committed.get(topic)?.get(partition);
  }

  /** Records a committed offset unless a later record of the partition is applied already. */
  apply(topic: string, partition: number, offset: CommittedOffset): void {
    let partitions = this.committed.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.committed.set(topic, partitions);
    }
    const current = partitions.get(partition);
    if (current === undefined || current.recordOffset < offset.recordOffset) {
      partitions.set(partition, offset);
    }
  }

  /** Forgets a partition's offset (its tombstone was written or replayed). */
  remove(topic: string, partition: number): void {
    const partitions = this.committed.get(topic);
    if (partitions === undefined) return;
    partitions.delete(partition);
    if (partitions.size === 0) this.committed.delete(topic);
  }

  /** Every partition with a committed offset, by topic then partition. */
  partitions(): TopicPartition[] {
    return sortedPartitions(this.committed);
  }

  /** Notes a write of these partitions' records; endWrite() must follow, once. */
  beginWrite(partitions: readonly TopicPartition[]): void {
    this.writeCount += 1;
    for (const { topic, partition } of partitions) {
      let counts = this.writing.get(topic);
      if (counts === undefined) {
        counts = new Map();
        this.writing.set(topic, counts);
      }
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
    }
  }

  endWrite(partitions: readonly TopicPartition[]): void {
    assert(this.writeCount > 0, 'an offset write ended that never began');
    this.writeCount -= 1;
    for (const { topic, partition } of partitions) {
      const counts = this.writing.get(topic);
      const count = counts?.get(partition) ?? 0;
      assert(counts !== undefined && count > 0, `no write of ${topic}-${partition} to end`);
      if (count > 1) counts.set(partition, count - 1);
      else counts.delete(partition);
      if (counts.size === 0) this.writing.delete(topic);
    }
  }

  /**
   * The partitions whose offsets have expired at `now` (Kafka's removeExpiredOffsets): those
   * `retentionMs` or more past `emptySince` (when the group became empty), or past their own
   * commitTimestamp when it is null (a group that never had members, or whose members this
   * broker has not seen since it loaded the offsets). A partition with a commit being written
   * is kept: that commit is newer.
   */
  expired(now: number, retentionMs: number, emptySince: number | null): TopicPartition[] {
    return this.partitions().filter(({ topic, partition }) => {
      if (this.writing.get(topic)?.has(partition) === true) return false;
      const since = emptySince ?? this.get(topic, partition)?.commitTimestamp ?? now;
      return now - since >= retentionMs;
    });
  }

  /**
   * The partitions a deletion of the group must tombstone: those committed, and those with a
   * commit being written (its record lands before the tombstone, which then wins).
   */
  partitionsToDelete(): TopicPartition[] {
    const partitions = this.partitions();
    for (const partition of sortedPartitions(this.writing)) {
      if (this.get(partition.topic, partition.partition) === undefined) partitions.push(partition);
    }
    return partitions;
  }
}

function sortedPartitions(byTopic: ReadonlyMap<string, ReadonlyMap<number, unknown>>) {
  const partitions: TopicPartition[] = [];
  for (const [topic, byPartition] of byTopic) {
    for (const partition of byPartition.keys()) partitions.push({ topic, partition });
  }
  return partitions.sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
