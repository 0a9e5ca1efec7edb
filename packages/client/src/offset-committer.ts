/**
 * A group's committed offsets, through its coordinator: OffsetCommit and OffsetFetch.
 *
 * Commits are serialized (one OffsetCommit in flight per consumer), so an older position can
 * never land after a newer one for the same partition. The committed offset is the next
 * offset to consume (last processed + 1), as in every Kafka client.
 *
 * Errors: the coordinator moving or loading (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS) and lost connections are retried here, finding the
 * coordinator again. Generation errors (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID) are returned to the caller, whose membership decides (group-member.ts);
 * anything else rejects with the partition named.
 */
import {
  ErrorCode,
  type OffsetCommitRequestTopic,
  type OffsetFetchRequestTopic,
  offsetCommitApi,
  offsetFetchApi,
} from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import { errorFromCode, isRetriable } from './errors.js';
import { retry } from './retry.js';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** Who commits: a generation's member, or (-1, '', null) for a consumer outside a group. */
export interface CommitIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

const generationErrorCodes: ReadonlySet<number> = new Set([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.FENCED_INSTANCE_ID,
]);

export class OffsetCommitter {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cluster: Cluster,
    readonly groupId: string,
  ) {}

  /**
   * Commits `offsets` after any commit in flight. Resolves with 0 (NONE), or with the first
   * generation error code the coordinator gave; rejects on other errors.
   */
  commit(offsets: readonly TopicPartitionOffset[], identity: CommitIdentity): Promise<number> {
    const next = this.last.then(
      () => this.commitNow(offsets, identity),
      () => this.commitNow(offsets, identity),
    );
    this.last = next.catch(() => undefined);
    return next;
  }

  /** The committed offset of each partition, in the order given; -1 where none is. */
  async fetchCommitted(
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<number[]> {
    if (partitions.length === 0) return [];
    const topics = new Map<string, OffsetFetchRequestTopic>();
    for (const { topic, partition } of partitions) {
      const entry = topics.get(topic) ?? { name: topic, partitionIndexes: [] };
      entry.partitionIndexes.push(partition);
      topics.set(topic, entry);
    }
    const committed = new Map<string, number>();
    await this.withCoordinator(async (coordinator) => {
      const response = await this.cluster.request(coordinator, offsetFetchApi, {
        groupId: this.groupId,
        topics: [...topics.values()],
        requireStable: false,
      });
      this.throwIfFailed(response.errorCode);
      for (const topic of response.topics) {
        for (const partition of topic.partitions) {
          this.throwIfFailed(partition.errorCode, topic.name, partition.partitionIndex);
          committed.set(`${partition.partitionIndex}:${topic.name}`, partition.committedOffset);
        }
      }
    });
    return partitions.map(({ topic, partition }) => committed.get(`${partition}:${topic}`) ?? -1);
  }

  private async commitNow(
    offsets: readonly TopicPartitionOffset[],
    identity: CommitIdentity,
  ): Promise<number> {
    if (offsets.length === 0) return ErrorCode.NONE;
    const topics = new Map<string, OffsetCommitRequestTopic>();
    for (const { topic, partition, offset } of offsets) {
      const entry = topics.get(topic) ?? { name: topic, partitions: [] };
      entry.partitions.push({
        partitionIndex: partition,
        committedOffset: offset,
        committedLeaderEpoch: -1,
        commitTimestamp: -1,
        committedMetadata: null,
      });
      topics.set(topic, entry);
    }
    let generationError: number = ErrorCode.NONE;
    await this.withCoordinator(async (coordinator) => {
      const response = await this.cluster.request(coordinator, offsetCommitApi, {
        groupId: this.groupId,
        generationId: identity.generationId,
        memberId: identity.memberId,
        groupInstanceId: identity.groupInstanceId,
        retentionTimeMs: -1,
        topics: [...topics.values()],
      });
      for (const topic of response.topics) {
        for (const partition of topic.partitions) {
          if (generationErrorCodes.has(partition.errorCode)) {
            generationError = partition.errorCode;
            continue;
          }
          this.throwIfFailed(partition.errorCode, topic.name, partition.partitionIndex);
        }
      }
    });
    return generationError;
  }

  /** Runs `fn` against the coordinator, finding it again after errors that call for it. */
  private withCoordinator(fn: (coordinator: number) => Promise<void>): Promise<void> {
    return retry(
      async () => {
        const coordinator = await this.cluster.coordinatorFor(this.groupId);
        await fn(coordinator);
      },
      {
        ...this.cluster.retryOptions(),
        // Cheap, and right for every retriable failure here: the coordinator may have moved.
        onRetry: () => this.cluster.invalidateCoordinator(this.groupId),
        shouldRetry: isRetriable,
      },
    );
  }

  private throwIfFailed(code: number, topic?: string, partition?: number): void {
    if (code === ErrorCode.NONE) return;
    const context: { topic?: string; partition?: number; message: string } = {
      message: `group ${this.groupId}`,
    };
    if (topic !== undefined) context.topic = topic;
    if (partition !== undefined) context.partition = partition;
    throw errorFromCode(code, context);
  }
}
