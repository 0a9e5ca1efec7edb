/**
 * The consumer's side of a rebalance (group-membership.ts runs the protocol and calls in
 * through the consumer's MembershipListener methods): revoking partitions, taking up newly
 * assigned ones, and losing every partition when the member is fenced.
 *
 * Revoking and losing run as the gate's exclusive sections (consumer-gate.ts): after the
 * handler in progress, never during it, so two members never process one record at once.
 * A revocation commits the positions first (autoCommit), then calls onPartitionsRevoked; a
 * loss cannot commit (the generation is gone) and calls onPartitionsLost, else
 * onPartitionsRevoked. New partitions start from the group's committed offset, looked up
 * after onPartitionsAssigned (which may seek instead).
 */
import type { ConsumerProtocolTopicPartitions } from '@cairn/protocol';
import type { ConsumerCommits } from './consumer-commits.js';
import type { ConsumerGate } from './consumer-gate.js';
import type { ConsumerOptions, TopicPartition } from './consumer-options.js';
import { PartitionState, partitionKey } from './consumer-partition-state.js';
import type { FetchedChunk } from './fetcher.js';
import type { HeldPartitions } from './held-partitions.js';
import type { OffsetResolver } from './offset-resolver.js';
import type { PrefetchBuffer } from './prefetch-buffer.js';

export interface RebalanceContext {
  gate: ConsumerGate;
  buffer: PrefetchBuffer<FetchedChunk>;
  partitions: HeldPartitions;
  /** The application's callbacks; the rebalance waits for them. */
  listeners: Pick<
    ConsumerOptions,
    'onPartitionsAssigned' | 'onPartitionsRevoked' | 'onPartitionsLost'
  >;
  /** null without a groupId. */
  commits: ConsumerCommits | null;
  resolver: OffsetResolver;
}

export class ConsumerRebalance {
  constructor(private readonly context: RebalanceContext) {}

  /** Eager protocols, before JoinGroup: commit, then give up every partition. */
  revokeAll(): Promise<void> {
    return this.exclusive(() => this.revoke(this.context.partitions.all()));
  }

  /**
   * A generation's assignment arrived: revokes what it leaves out, adds what it brings.
   * Returns true when partitions were revoked.
   */
  async assigned(assignment: ConsumerProtocolTopicPartitions[]): Promise<boolean> {
    const { partitions, listeners } = this.context;
    const next = new Set<string>();
    const added: TopicPartition[] = [];
    for (const { topic, partitions: assigned } of assignment) {
      for (const partition of assigned) {
        next.add(partitionKey(topic, partition));
        if (partitions.get(topic, partition) === undefined) added.push({ topic, partition });
      }
    }
    const revoked = partitions.all().filter((state) => !next.has(state.key));
    if (revoked.length > 0) await this.exclusive(() => this.revoke(revoked));
    for (const { topic, partition } of added) {
      partitions.add(new PartitionState(topic, partition, { kind: 'committed' }));
    }
    // The application may seek in the callback, before the first fetch.
    await listeners.onPartitionsAssigned?.(added);
    this.context.resolver.resolve();
    return revoked.length > 0;
  }

  /** The member was fenced: every partition is gone, uncommitted. */
  async lost(): Promise<void> {
    const { partitions, listeners } = this.context;
    await this.exclusive(async () => {
      const lost = partitions.all();
      if (lost.length === 0) return;
      const listener = listeners.onPartitionsLost ?? listeners.onPartitionsRevoked;
      await listener?.(lost.map(({ topic, partition }) => ({ topic, partition })));
      partitions.remove(lost);
    });
  }

  /**
   * Commit (autoCommit), call onPartitionsRevoked, then forget the partitions. The caller
   * holds the gate.
   */
  async revoke(states: PartitionState[]): Promise<void> {
    if (states.length === 0) return;
    await this.context.commits?.commitBeforeRevoke(states);
    await this.context.listeners.onPartitionsRevoked?.(
      states.map(({ topic, partition }) => ({ topic, partition })),
    );
    this.context.partitions.remove(states);
  }

  /** Runs `section` with the gate closed, waking a loop that waits for data to notice it. */
  private exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.context.gate.exclusive(section, () => this.context.buffer.wake());
  }
}
