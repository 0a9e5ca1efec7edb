/**
 * The Consumer: reads records from partitions it is given by its group (subscribe()) or by
 * the application (assign()), and hands them to the application one message at a time
 * (`for await (const message of consumer)`, or run({ eachMessage })) or one fetched chunk per
 * partition at a time (run({ eachBatch })).
 *
 * Delivery is at-least-once by default: a message counts as processed when its handler
 * resolves (with the iterator: when the loop asks for the next message), the position then
 * moves past it, and commits (every autoCommitIntervalMs, before partitions are revoked, on
 * close, or commit()) store positions, never offsets still being processed. A handler that
 * throws rejects run(); its message was not processed and is delivered again.
 *
 * Leaving a `for await` loop (break, return, a throw) leaves the message in hand unprocessed,
 * so it is delivered again (to the next loop, or after a restart to whoever holds its
 * partition): JavaScript calls the iterator's return() alike for a break and for an exception
 * thrown in the loop body, so the consumer cannot tell "done with it" from "failed on it", and
 * at-least-once needs the second reading. To leave without a redelivery, call
 * markProcessed(message) before `break`.
 *
 * The parts, each in its own file:
 *   group-membership.ts          join / sync / heartbeat / leave, the leader's assignor
 *   consumer-rebalance.ts        the consumer's side of a rebalance: revoke, assign, lose
 *   held-partitions.ts           the partitions held: pause / resume, lag
 *   consumer-partition-state.ts  one partition's position, fetch offset and epoch
 *   fetcher.ts                   one pipelined fetch per broker into the prefetch buffer
 *   prefetch-buffer.ts           the byte-bounded queue of fetched chunks
 *   fetcher-records.ts           chunk -> messages, lazily, when the application consumes
 *   consumer-delivery.ts         the next chunk still current, for run() and the iterator
 *   consumer-run.ts              run(): eachMessage / eachBatch
 *   consumer-iterator.ts         for await: the message in hand, processed when next() comes
 *   consumer-gate.ts             keeps rebalances from revoking a partition mid-handler
 *   consumer-commits.ts          what is committed, as whom, and when (autoCommit)
 *   offset-committer.ts          OffsetCommit / OffsetFetch
 *   offset-resolver.ts           starting positions: committed offset, else auto.offset.reset
 *   offset-lookup.ts             ListOffsets (reset policy, seek to a time)
 *
 * Concurrency: one consumption loop at a time (run() or one iterator). Every other method may
 * be called from anywhere, handlers and rebalance callbacks included, except that close()
 * waits for the handler in progress, so a handler must not await it.
 */

import type { ConsumerProtocolTopicPartitions } from '@cairn/protocol';
import { Cluster } from './cluster.js';
import { prefetchFetchBytesMin } from './constants.js';
import { ConsumerCommits } from './consumer-commits.js';
import { ConsumerGate } from './consumer-gate.js';
import { ConsumerIterator, type IteratorContext } from './consumer-iterator.js';
import type { ConsumerMessage } from './consumer-message.js';
import {
  type ConsumerOptions,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
  type TopicPartition,
} from './consumer-options.js';
import { PartitionState, partitionKey } from './consumer-partition-state.js';
import { ConsumerRebalance } from './consumer-rebalance.js';
import { type RunOptions, runHandlers } from './consumer-run.js';
import { ClosedError, type KafkaClientError } from './errors.js';
import { type FetchedChunk, Fetcher } from './fetcher.js';
import { GroupMembership, type MembershipListener } from './group-membership.js';
import { HeldPartitions, type PartitionLag } from './held-partitions.js';
import { OffsetCommitter, type TopicPartitionOffset } from './offset-committer.js';
import { lookupTimestampOffset } from './offset-lookup.js';
import { lookupFor, OffsetResolver } from './offset-resolver.js';
import { PrefetchBuffer } from './prefetch-buffer.js';

/** A partition to read without a group, and where to start. */
export interface AssignedPartition extends TopicPartition {
  /** An offset, or a reset; default: the group's committed offset, else autoOffsetReset. */
  offset?: number | 'earliest' | 'latest';
}

export type { MessageBatch, RunOptions } from './consumer-run.js';
export type { PartitionLag } from './held-partitions.js';

type Mode = 'none' | 'subscribe' | 'assign';

export class Consumer implements MembershipListener {
  private readonly options: ResolvedConsumerOptions;
  /** Group coordination, commits and offset lookups. */
  private readonly cluster: Cluster;
  /** Fetches only. */
  private readonly fetchCluster: Cluster;
  private readonly buffer: PrefetchBuffer<FetchedChunk>;
  private readonly partitions: HeldPartitions;
  private readonly gate = new ConsumerGate();
  private readonly fetcher: Fetcher;
  private readonly resolver: OffsetResolver;
  /** null without a groupId: nothing to commit to. */
  private readonly commits: ConsumerCommits | null;
  private readonly rebalance: ConsumerRebalance;
  /** What run() and the iterator see of the consumer. */
  private readonly delivery: IteratorContext;
  private readonly iterator: ConsumerIterator;
  private membership: GroupMembership | null = null;
  private mode: Mode = 'none';
  private topics: string[] = [];
  private connecting: Promise<void> | null = null;
  private consuming = false;
  private failure: unknown = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: ConsumerOptions) {
    this.options = resolveConsumerOptions(options);
    // Two sets of connections, as Java keeps its coordinator connection apart: a broker
    // answers a connection's requests in order, so a heartbeat or a JoinGroup behind a long
    // poll would wait up to maxWaitMs for it.
    const clusterOptions = {
      metadataMaxAgeMs: this.options.metadataMaxAgeMs,
      ...options.clusterOptions,
      bootstrap: options.bootstrap,
    };
    this.cluster = new Cluster(clusterOptions);
    this.fetchCluster = new Cluster(clusterOptions);
    const { groupId } = this.options;
    const committer = groupId === null ? null : new OffsetCommitter(this.cluster, groupId);
    this.buffer = new PrefetchBuffer(this.options.prefetchBytes, prefetchFetchBytesMin);
    this.partitions = new HeldPartitions(this.buffer);
    this.fetcher = new Fetcher(this.fetchCluster, this.buffer, this.options, {
      fetchablePartitions: () => this.partitions.fetchable(),
      offsetOutOfRange: (state) => {
        this.partitions.dropBuffered(state);
        this.resolver.outOfRange(state);
      },
      partitionFailed: (_state, error) => this.fail(error),
    });
    this.resolver = new OffsetResolver({
      cluster: this.cluster,
      committer,
      autoOffsetReset: this.options.autoOffsetReset,
      retryBackoffMs: this.options.retryBackoffMs,
      partitions: () => this.partitions.values(),
      isClosed: () => this.closed,
      onResolved: () => this.fetcher.wake(),
      onError: (error) => this.fail(error),
    });
    this.commits =
      committer === null
        ? null
        : new ConsumerCommits({
            committer,
            partitions: this.partitions,
            autoCommit: this.options.autoCommit,
            autoCommitIntervalMs: this.options.autoCommitIntervalMs,
            membership: () => this.membership,
            isClosed: () => this.closed,
          });
    this.delivery = {
      gate: this.gate,
      buffer: this.buffer,
      failure: () => this.failure,
      isClosed: () => this.closed,
      refetchFromPosition: (state) => {
        state.refetchFromPosition();
        this.partitions.dropBuffered(state);
        this.fetcher.wake();
      },
      iterationEnded: () => {
        this.consuming = false;
      },
    };
    this.iterator = new ConsumerIterator(this.delivery);
    this.rebalance = new ConsumerRebalance({
      gate: this.gate,
      buffer: this.buffer,
      partitions: this.partitions,
      listeners: options,
      commits: this.commits,
      resolver: this.resolver,
    });
  }

  /** The member id in the group ('' before the first join, or without a group). */
  get memberId(): string {
    return this.membership?.member.memberId ?? '';
  }

  /** The group generation of the current assignment (-1 before the first, or without a group). */
  get generationId(): number {
    return this.membership?.member.generationId ?? -1;
  }

  /** Joins the group `groupId` subscribed to `topics`; partitions come with the rebalance. */
  async subscribe(topics: string[]): Promise<void> {
    this.checkOpen();
    if (this.options.groupId === null) throw new RangeError('subscribe() needs a groupId');
    if (this.mode === 'assign') throw new RangeError('this consumer uses assign()');
    await this.connect();
    this.topics = [...new Set(topics)];
    if (this.membership !== null) {
      this.membership.requestRejoin();
      return;
    }
    this.mode = 'subscribe';
    this.membership = new GroupMembership(
      this.cluster,
      {
        groupId: this.options.groupId,
        groupInstanceId: this.options.groupInstanceId,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        retryBackoffMs: this.options.retryBackoffMs,
        metadataMaxAgeMs: this.options.metadataMaxAgeMs,
        assignors: this.options.assignors,
      },
      this,
    );
    this.membership.start();
    this.commits?.startAutoCommit();
  }

  /**
   * Reads exactly these partitions, without group membership (a groupId, if given, is used
   * for committed offsets and commits only). Replaces any previous assign().
   */
  async assign(partitions: AssignedPartition[]): Promise<void> {
    this.checkOpen();
    if (this.mode === 'subscribe') throw new RangeError('this consumer uses subscribe()');
    await this.connect();
    this.mode = 'assign';
    const wanted = new Set(
      partitions.map(({ topic, partition }) => partitionKey(topic, partition)),
    );
    this.partitions.remove(this.partitions.all().filter((state) => !wanted.has(state.key)));
    for (const { topic, partition, offset } of partitions) {
      const existing = this.partitions.get(topic, partition);
      const state = existing ?? new PartitionState(topic, partition, { kind: 'committed' });
      this.partitions.add(state);
      if (typeof offset === 'number') state.seekTo(offset);
      else if (offset !== undefined) state.resetTo(lookupFor(offset));
      else if (existing === undefined) state.resetTo(this.resolver.defaultSource());
    }
    this.commits?.startAutoCommit();
    this.resolver.resolve();
  }

  /** The partitions this consumer holds now. */
  assignment(): TopicPartition[] {
    return this.partitions.topicPartitions();
  }

  /**
   * Consumes with handlers until close(): resolves then, and rejects when a handler throws
   * (its message is not marked processed) or the consumer fails (a fatal group error, an
   * offset out of range with autoOffsetReset 'none').
   */
  async run(options: RunOptions): Promise<void> {
    const { eachMessage, eachBatch } = options;
    if ((eachMessage === undefined) === (eachBatch === undefined)) {
      throw new RangeError('run() takes exactly one of eachMessage and eachBatch');
    }
    this.startConsuming();
    try {
      await runHandlers(this.delivery, options);
    } finally {
      this.consuming = false;
    }
  }

  /**
   * `for await (const message of consumer)`; ends when the consumer closes. A message counts
   * as processed when the loop asks for the next one, or at markProcessed(message); leaving the
   * loop any other way (break, return, throw) delivers the message in hand again.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    this.startConsuming();
    return {
      next: () => this.iterator.next(),
      return: async () => {
        this.iterator.end();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Commits `offsets` (the next offset to consume, per partition), or else the position of
   * every partition held (what has been processed). Needs a groupId. Rejects with the
   * coordinator's error; a generation error also starts a rebalance.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    const commits = this.commits;
    if (commits === null) throw new RangeError('commit() needs a groupId');
    await commits.commit(offsets);
  }

  /**
   * Counts `message`, the one the `for await` loop holds, as processed now instead of when the
   * loop asks for the next: call it before `break` or `return` so that leaving the loop does
   * not deliver it again. The next commit (autoCommit, a revocation, close(), commit()) stores
   * the offset after it. Iterator only: run()'s handlers mark their message on resolving, and
   * eachBatch has resolveOffset(). Throws RangeError for any other message (one the loop has
   * moved past, or after it left).
   */
  markProcessed(message: ConsumerMessage): void {
    this.iterator.markProcessed(message);
  }

  /** Next delivers `offset` of the partition (which this consumer must hold). */
  seek(topic: string, partition: number, offset: number | 'earliest' | 'latest'): void {
    const state = this.partitions.held(topic, partition);
    if (typeof offset === 'number') {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset}`);
      state.seekTo(offset);
    } else {
      state.resetTo(lookupFor(offset));
      this.resolver.resolve();
    }
    this.partitions.dropBuffered(state);
    this.fetcher.wake();
  }

  /**
   * Seeks to the first record with a timestamp at or after `timestamp` (ms), or to the end
   * when there is none; resolves with the offset.
   */
  async seekToTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    this.partitions.held(topic, partition);
    const offset = await lookupTimestampOffset(this.cluster, topic, partition, timestamp);
    this.seek(topic, partition, offset);
    return offset;
  }

  /** Stops fetching and delivering these partitions until resume(); buffered data is dropped. */
  pause(partitions: TopicPartition[]): void {
    this.partitions.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    this.partitions.resume(partitions);
    this.fetcher.wake();
  }

  paused(): TopicPartition[] {
    return this.partitions.paused();
  }

  /** Per partition held: the high watermark of the last fetch minus the position. */
  lag(): PartitionLag[] {
    return this.partitions.lag();
  }

  /** Bytes fetched and not yet consumed, plus fetches in flight (bounded by prefetchBytes). */
  get prefetchedBytes(): number {
    return this.buffer.usedBytes;
  }

  /**
   * Stops consuming (after the handler in progress), commits what was processed (autoCommit),
   * calls onPartitionsRevoked, leaves the group (a static member does not: its session keeps
   * its place), and closes its connections.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  // MembershipListener: the consumer's side of a rebalance.

  subscribedTopics(): string[] {
    return this.topics;
  }

  ownedPartitions(): ConsumerProtocolTopicPartitions[] {
    return this.partitions.byTopic();
  }

  revokeAll(): Promise<void> {
    return this.rebalance.revokeAll();
  }

  assigned(assignment: ConsumerProtocolTopicPartitions[]): Promise<boolean> {
    return this.rebalance.assigned(assignment);
  }

  lost(_error: KafkaClientError): Promise<void> {
    return this.rebalance.lost();
  }

  failed(error: unknown): void {
    this.fail(error);
  }

  // Consumption.

  private startConsuming(): void {
    this.checkOpen();
    if (this.mode === 'none') throw new RangeError('subscribe() or assign() first');
    if (this.consuming) throw new RangeError('the consumer is already consuming');
    this.consuming = true;
  }

  // Life cycle.

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.cluster.connect(), this.fetchCluster.connect()]).then(
      () => undefined,
    );
    return this.connecting;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('the consumer is closed');
  }

  private fail(error: unknown): void {
    if (this.failure !== null || this.closed) return;
    this.failure = error;
    this.buffer.wake();
  }

  private async closeNow(): Promise<void> {
    this.commits?.stopAutoCommit();
    this.closed = true;
    // A message the iterator handed out is not waited for: the loop body may be what called
    // close(). It is not marked processed either (at-least-once).
    this.iterator.dropOutstanding();
    try {
      await this.gate.exclusive(
        async () => {
          this.fetcher.stop();
          if (this.membership?.member.isStable) await this.rebalance.revoke(this.partitions.all());
          else if (this.membership === null) await this.commits?.commitOutsideGroup();
        },
        () => this.buffer.wake(),
      );
      await this.membership?.stop(this.options.groupInstanceId === null);
    } finally {
      this.partitions.remove(this.partitions.all());
      this.buffer.close();
      // A fetch still in flight (a long poll) is of no use now: drop it at once.
      await Promise.all([this.cluster.close(), this.fetchCluster.close(0)]);
    }
  }
}
