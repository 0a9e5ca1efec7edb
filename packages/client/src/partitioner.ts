/**
 * Which partition a record goes to (Kafka's BuiltInPartitioner, KIP-480 / KIP-794):
 *
 * - an explicit `record.partition` wins;
 * - a keyed record goes to `toPositive(murmur2(keyBytes)) % partitionCount`, as with the Java
 *   client, so a key always lands on the same partition whichever client wrote it;
 * - an unkeyed record goes to the topic's sticky partition, which changes only when the batch
 *   being filled for it is closed (full, or sent). Unkeyed records thus fill whole batches one
 *   partition at a time instead of spreading one record per partition per request, and still
 *   spread over every partition over time.
 *
 * A custom partitioner replaces the last two rules; it must return an integer in
 * [0, partitionCount).
 */
import { keyPartition } from '@cairn/protocol';

export type RecordKey = Buffer | Uint8Array | string | null | undefined;

/** A custom partitioner: the partition for a record with this key. */
export type Partitioner = (
  topic: string,
  key: RecordKey,
  partitionCount: number,
  value: Buffer | Uint8Array | string | null,
) => number;

export class DefaultPartitioner {
  /** The sticky partition of each topic for unkeyed records. */
  private readonly sticky = new Map<string, number>();
  /** The last topic asked about and its sticky partition: saves a Map lookup per record. */
  private lastTopic: string | undefined;
  private lastSticky = -1;

  partition(topic: string, key: RecordKey, partitionCount: number): number {
    if (key !== null && key !== undefined) return keyPartition(key, partitionCount);
    if (topic === this.lastTopic && this.lastSticky < partitionCount) return this.lastSticky;
    const current = this.sticky.get(topic);
    if (current !== undefined && current < partitionCount) {
      this.lastTopic = topic;
      this.lastSticky = current;
      return current;
    }
    return this.pickSticky(topic, partitionCount, -1);
  }

  /** The batch of `partition` was closed: unkeyed records move on to another partition. */
  onBatchClosed(topic: string, partition: number, partitionCount: number): void {
    if (this.sticky.get(topic) === partition) this.pickSticky(topic, partitionCount, partition);
  }

  private pickSticky(topic: string, partitionCount: number, previous: number): number {
    let next = Math.floor(Math.random() * partitionCount);
    // Never the same partition twice in a row when there is a choice.
    if (next === previous && partitionCount > 1) {
      next = (next + 1 + Math.floor(Math.random() * (partitionCount - 1))) % partitionCount;
    }
    this.sticky.set(topic, next);
    this.lastTopic = topic;
    this.lastSticky = next;
    return next;
  }
}
