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
 *   group-membership.ts   join / sync / heartbeat / leave, the leader's assignor
 *   fetcher.ts            one pipelined fetch per broker into the prefetch buffer
 *   prefetch-buffer.ts    the byte-bounded queue of fetched chunks
 *   fetcher-records.ts    chunk -> messages, lazily, when the application consumes
 *   consumer-gate.ts      keeps rebalances from revoking a partition mid-handler
 *   offset-committer.ts   OffsetCommit / OffsetFetch
 *   offset-resolver.ts    starting positions: committed offset, else auto.offset.reset
 *   offset-lookup.ts      ListOffsets (reset policy, seek to a time)
 *
 * Concurrency: one consumption loop at a time (run() or one iterator). Every other method may
 * be called from anywhere, handlers and rebalance callbacks included, except that close()
 * waits for the handler in progress, so a handler must not await it.
 */

import { type ConsumerProtocolTopicPartitions, ErrorCode } from '@cairn/protocol';
import { Cluster } from './cluster.js';
import { prefetchFetchBytesMin } from './constants.js';
import { ConsumerGate } from './consumer-gate.js';
import type { ConsumerMessage } from './consumer-message.js';
import {
  type ConsumerOptions,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
  type TopicPartition,
} from './consumer-options.js';
import { PartitionState, partitionKey } from './consumer-partition-state.js';
import { ClosedError, errorFromCode, type KafkaClientError } from './errors.js';
import { type FetchedChunk, Fetcher } from './fetcher.js';
import { decodeMessages } from './fetcher-records.js';
import { GroupMembership, type MembershipListener } from './group-membership.js';
import { OffsetCommitter, type TopicPartitionOffset } from './offset-committer.js';
import { latestOffsetTimestamp, lookupOffsets } from './offset-lookup.js';
import { lookupFor, OffsetResolver } from './offset-resolver.js';
import { PrefetchBuffer } from './prefetch-buffer.js';

/** A partition to read without a group, and where to start. */
export interface AssignedPartition extends TopicPartition {
  /** An offset, or a reset; default: the group's committed offset, else autoOffsetReset. */
  offset?: number | 'earliest' | 'latest';
}

/** One partition's messages from one fetch, for run({ eachBatch }). */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's high watermark when it was fetched. */
  readonly highWatermark: number;
  readonly messages: readonly ConsumerMessage[];
  /** Marks messages up to `offset` processed, for a handler that fails partway. */
  resolveOffset(offset: number): void;
}

export interface RunOptions {
  eachMessage?: (message: ConsumerMessage) => void | Promise<void>;
  eachBatch?: (batch: MessageBatch) => void | Promise<void>;
}

export interface PartitionLag extends TopicPartition {
  /** The next offset to process; -1 until known. */
  position: number;
  /** From the last fetch response; -1 until one came. */
  highWatermark: number;
  /** highWatermark - position, or null while either is unknown. */
  lag: number | null;
}

type Mode = 'none' | 'subscribe' | 'assign';

/** The iterator's place: the chunk being handed out and the message last yielded. */
interface IteratorCursor {
  chunk: FetchedChunk;
  messages: ConsumerMessage[];
  index: number;
}

export class Consumer implements MembershipListener {
  private readonly options: ResolvedConsumerOptions;
  /** Group coordination, commits and offset lookups. */
  private readonly cluster: Cluster;
  /** Fetches only. */
  private readonly fetchCluster: Cluster;
  private readonly listeners: ConsumerOptions;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly buffer: PrefetchBuffer<FetchedChunk>;
  private readonly fetcher: Fetcher;
  private readonly gate = new ConsumerGate();
  private readonly committer: OffsetCommitter | null;
  private membership: GroupMembership | null = null;
  private mode: Mode = 'none';
  private topics: string[] = [];
  private connecting: Promise<void> | null = null;
  private consuming = false;
  private cursor: IteratorCursor | null = null;
  /** The message the iterator yielded last, processed once next() is called again. */
  private outstanding: { message: ConsumerMessage; state: PartitionState; seeks: number } | null =
    null;
  private failure: unknown = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly resolver: OffsetResolver;
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private autoCommitting = false;

  constructor(options: ConsumerOptions) {
    this.options = resolveConsumerOptions(options);
    this.listeners = options;
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
    this.committer = groupId === null ? null : new OffsetCommitter(this.cluster, groupId);
    this.buffer = new PrefetchBuffer(this.options.prefetchBytes, prefetchFetchBytesMin);
    this.fetcher = new Fetcher(this.fetchCluster, this.buffer, this.options, {
      fetchablePartitions: () => this.fetchablePartitions(),
      offsetOutOfRange: (state) => {
        this.dropBuffered(state);
        this.resolver.outOfRange(state);
      },
      partitionFailed: (_state, error) => this.fail(error),
    });
    this.resolver = new OffsetResolver({
      cluster: this.cluster,
      committer: this.committer,
      autoOffsetReset: this.options.autoOffsetReset,
      retryBackoffMs: this.options.retryBackoffMs,
      partitions: () => this.partitions.values(),
      isClosed: () => this.closed,
      onResolved: () => this.fetcher.wake(),
      onError: (error) => this.fail(error),
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
    this.startAutoCommit();
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
    this.removePartitions([...this.partitions.values()].filter((state) => !wanted.has(state.key)));
    for (const { topic, partition, offset } of partitions) {
      const existing = this.partitions.get(partitionKey(topic, partition));
      const state = existing ?? new PartitionState(topic, partition, { kind: 'committed' });
      this.partitions.set(state.key, state);
      if (typeof offset === 'number') state.seekTo(offset);
      else if (offset !== undefined) state.resetTo(lookupFor(offset));
      else if (existing === undefined) state.resetTo(this.resolver.defaultSource());
    }
    this.startAutoCommit();
    this.resolver.resolve();
  }

  /** The partitions this consumer holds now. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
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
      for (;;) {
        const chunk = await this.nextChunk();
        if (chunk === undefined) {
          if (this.failure !== null) throw this.failure;
          if (this.closed) return;
          continue;
        }
        if (eachBatch !== undefined) await this.deliverBatch(chunk, eachBatch);
        else if (eachMessage !== undefined) await this.deliverMessages(chunk, eachMessage);
      }
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
      next: () => this.nextMessage(),
      return: async () => {
        this.endIteration();
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
    const committer = this.committer;
    if (committer === null) throw new RangeError('commit() needs a groupId');
    const list = offsets ?? this.uncommittedPositions([...this.partitions.values()]);
    if (list.length === 0) return;
    const identity = this.commitIdentity();
    if (identity === null) {
      throw errorFromCode(ErrorCode.REBALANCE_IN_PROGRESS, {
        message: 'the member has not joined its group yet',
      });
    }
    const code = await committer.commit(list, identity);
    if (code !== ErrorCode.NONE) {
      const membership = this.membership;
      if (membership !== null) await membership.handleAction(membership.member.onCommitError(code));
      throw errorFromCode(code, { message: 'commit failed: the group has moved on' });
    }
    for (const { topic, partition, offset } of list) {
      const state = this.partitions.get(partitionKey(topic, partition));
      if (state !== undefined) state.committedOffset = offset;
    }
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
    const outstanding = this.outstanding;
    if (outstanding === null || outstanding.message !== message) {
      throw new RangeError(
        'markProcessed() takes the message the for await loop holds, before the loop leaves',
      );
    }
    outstanding.state.processed(message.offset, outstanding.seeks);
  }

  /** Next delivers `offset` of the partition (which this consumer must hold). */
  seek(topic: string, partition: number, offset: number | 'earliest' | 'latest'): void {
    const state = this.heldPartition(topic, partition);
    if (typeof offset === 'number') {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset}`);
      state.seekTo(offset);
    } else {
      state.resetTo(lookupFor(offset));
      this.resolver.resolve();
    }
    this.dropBuffered(state);
    this.fetcher.wake();
  }

  /**
   * Seeks to the first record with a timestamp at or after `timestamp` (ms), or to the end
   * when there is none; resolves with the offset.
   */
  async seekToTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    this.heldPartition(topic, partition);
    let [offset] = await lookupOffsets(this.cluster, [{ topic, partition, timestamp }]);
    if (offset === undefined || offset < 0) {
      [offset] = await lookupOffsets(this.cluster, [
        { topic, partition, timestamp: latestOffsetTimestamp },
      ]);
    }
    const resolved = offset ?? 0;
    this.seek(topic, partition, resolved);
    return resolved;
  }

  /** Stops fetching and delivering these partitions until resume(); buffered data is dropped. */
  pause(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.heldPartition(topic, partition);
      state.paused = true;
      state.refetchFromPosition();
      this.dropBuffered(state);
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      this.heldPartition(topic, partition).paused = false;
    }
    this.fetcher.wake();
  }

  paused(): TopicPartition[] {
    return [...this.partitions.values()]
      .filter((state) => state.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Per partition held: the high watermark of the last fetch minus the position. */
  lag(): PartitionLag[] {
    return [...this.partitions.values()].map((state) => ({
      topic: state.topic,
      partition: state.partition,
      position: state.position,
      highWatermark: state.highWatermark,
      lag:
        state.position >= 0 && state.highWatermark >= 0 && state.source.kind === 'known'
          ? Math.max(0, state.highWatermark - state.position)
          : null,
    }));
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
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.partitions.values()) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  revokeAll(): Promise<void> {
    return this.gate.exclusive(
      () => this.revoke([...this.partitions.values()]),
      () => this.buffer.wake(),
    );
  }

  async assigned(assignment: ConsumerProtocolTopicPartitions[]): Promise<boolean> {
    const next = new Set<string>();
    const added: TopicPartition[] = [];
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        next.add(key);
        if (!this.partitions.has(key)) added.push({ topic, partition });
      }
    }
    const revoked = [...this.partitions.values()].filter((state) => !next.has(state.key));
    if (revoked.length > 0) {
      await this.gate.exclusive(
        () => this.revoke(revoked),
        () => this.buffer.wake(),
      );
    }
    for (const { topic, partition } of added) {
      const state = new PartitionState(topic, partition, { kind: 'committed' });
      this.partitions.set(state.key, state);
    }
    // The application may seek in the callback, before the first fetch.
    await this.listeners.onPartitionsAssigned?.(added);
    this.resolver.resolve();
    return revoked.length > 0;
  }

  async lost(_error: KafkaClientError): Promise<void> {
    await this.gate.exclusive(
      async () => {
        const lost = [...this.partitions.values()];
        if (lost.length === 0) return;
        const listener = this.listeners.onPartitionsLost ?? this.listeners.onPartitionsRevoked;
        await listener?.(lost.map(({ topic, partition }) => ({ topic, partition })));
        this.removePartitions(lost);
      },
      () => this.buffer.wake(),
    );
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

  /**
   * The next chunk that is still current, or undefined when the loop should look at the
   * consumer's state first (closed, failed, a rebalance waiting at the gate).
   */
  private async nextChunk(): Promise<FetchedChunk | undefined> {
    for (;;) {
      if (this.failure !== null || this.closed) return undefined;
      if (this.gate.closed) {
        await this.gate.opened();
        continue;
      }
      const chunk = this.buffer.take();
      if (chunk === undefined) {
        await this.buffer.waitForData();
        continue;
      }
      const state = chunk.state;
      if (chunk.epoch === state.epoch && state.assigned && !state.paused) {
        // The decoder skips records below the position, so a chunk that covers it will do.
        if (chunk.fetchOffset <= state.position && state.position < chunk.nextOffset) return chunk;
        // Data past a message that failed, say: fetch again from the position.
        state.refetchFromPosition();
        this.dropBuffered(state);
        this.fetcher.wake();
      }
      this.buffer.release(chunk);
    }
  }

  private decode(chunk: FetchedChunk): ConsumerMessage[] {
    const messages: ConsumerMessage[] = [];
    const { state } = chunk;
    decodeMessages(state.topic, state.partition, chunk.records, state.position, messages);
    return messages;
  }

  private async deliverMessages(
    chunk: FetchedChunk,
    eachMessage: NonNullable<RunOptions['eachMessage']>,
  ): Promise<void> {
    const { state, epoch } = chunk;
    try {
      const messages = this.decode(chunk);
      for (const message of messages) {
        while (this.gate.closed && !this.closed) await this.gate.opened();
        if (state.epoch !== epoch || this.closed) return;
        const seeks = state.seeks;
        this.gate.begin();
        try {
          await eachMessage(message);
        } finally {
          this.gate.end();
        }
        state.processed(message.offset, seeks);
      }
      if (state.epoch === epoch) state.position = chunk.nextOffset;
    } finally {
      this.buffer.release(chunk);
    }
  }

  private async deliverBatch(
    chunk: FetchedChunk,
    eachBatch: NonNullable<RunOptions['eachBatch']>,
  ): Promise<void> {
    const { state, epoch } = chunk;
    try {
      const messages = this.decode(chunk);
      if (messages.length > 0) {
        const seeks = state.seeks;
        const batch: MessageBatch = {
          topic: state.topic,
          partition: state.partition,
          highWatermark: chunk.highWatermark,
          messages,
          resolveOffset(offset: number) {
            if (offset >= state.position) state.processed(offset, seeks);
          },
        };
        this.gate.begin();
        try {
          await eachBatch(batch);
        } finally {
          this.gate.end();
        }
        state.processed(chunk.nextOffset - 1, seeks);
        return;
      }
      if (state.epoch === epoch) state.position = chunk.nextOffset;
    } finally {
      this.buffer.release(chunk);
    }
  }

  private async nextMessage(): Promise<IteratorResult<ConsumerMessage>> {
    this.acknowledgeOutstanding();
    for (;;) {
      if (this.failure !== null) {
        this.endIteration();
        throw this.failure;
      }
      if (this.closed) {
        this.endIteration();
        return { done: true, value: undefined };
      }
      if (this.gate.closed) {
        await this.gate.opened();
        continue;
      }
      const cursor = this.cursor;
      if (cursor === null) {
        const chunk = await this.nextChunk();
        if (chunk !== undefined) this.cursor = { chunk, messages: this.decode(chunk), index: 0 };
        continue;
      }
      const { chunk, messages } = cursor;
      const { state, epoch } = chunk;
      const message = messages[cursor.index];
      if (state.epoch === epoch && message !== undefined) {
        cursor.index++;
        this.outstanding = { message, state, seeks: state.seeks };
        this.gate.begin();
        return { done: false, value: message };
      }
      if (state.epoch === epoch) state.position = chunk.nextOffset;
      this.buffer.release(chunk);
      this.cursor = null;
    }
  }

  /** The iterator came back for more: the message it had is processed. */
  private acknowledgeOutstanding(): void {
    const outstanding = this.outstanding;
    if (outstanding === null) return;
    this.outstanding = null;
    const { message, state, seeks } = outstanding;
    state.processed(message.offset, seeks);
    this.gate.end();
  }

  /**
   * The loop left (break, return, an exception) or the consumer closed: the message last
   * yielded is not marked processed (at-least-once: it may not have been; markProcessed() is
   * how the application says it was), and the chunk being read is given back.
   */
  private endIteration(): void {
    if (this.outstanding !== null) {
      this.outstanding = null;
      this.gate.end();
    }
    if (this.cursor !== null) {
      const { state } = this.cursor.chunk;
      this.buffer.release(this.cursor.chunk);
      this.cursor = null;
      // What the cursor held past the position must be fetched again.
      if (state.assigned) {
        state.refetchFromPosition();
        this.dropBuffered(state);
        this.fetcher.wake();
      }
    }
    this.consuming = false;
  }

  // Partitions and positions.

  private *fetchablePartitions(): Iterable<PartitionState> {
    for (const state of this.partitions.values()) if (state.isFetchable) yield state;
  }

  private heldPartition(topic: string, partition: number): PartitionState {
    const state = this.partitions.get(partitionKey(topic, partition));
    if (state === undefined) {
      throw new RangeError(`partition ${topic}-${partition} is not assigned to this consumer`);
    }
    return state;
  }

  private dropBuffered(state: PartitionState): void {
    this.buffer.drop((chunk) => chunk.state === state);
  }

  private removePartitions(states: readonly PartitionState[]): void {
    for (const state of states) {
      state.assigned = false;
      state.epoch++;
      this.partitions.delete(state.key);
      this.dropBuffered(state);
    }
  }

  /** Commit (autoCommit), call onPartitionsRevoked, then forget the partitions. */
  private async revoke(states: PartitionState[]): Promise<void> {
    if (states.length === 0) return;
    if (this.options.autoCommit && this.committer !== null) {
      try {
        await this.commit(this.uncommittedPositions(states));
      } catch {
        // The group moved on: the new owner starts from the last successful commit.
      }
    }
    await this.listeners.onPartitionsRevoked?.(
      states.map(({ topic, partition }) => ({ topic, partition })),
    );
    this.removePartitions(states);
  }

  private uncommittedPositions(states: readonly PartitionState[]): TopicPartitionOffset[] {
    return states
      .filter((state) => state.source.kind === 'known' && state.position >= 0)
      .filter((state) => state.position !== state.committedOffset)
      .map(({ topic, partition, position }) => ({ topic, partition, offset: position }));
  }

  private commitIdentity() {
    const membership = this.membership;
    if (membership === null) return { generationId: -1, memberId: '', groupInstanceId: null };
    const { member } = membership;
    if (member.memberId === '' || member.generationId < 0) return null;
    return {
      generationId: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
    };
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

  private startAutoCommit(): void {
    if (!this.options.autoCommit || this.committer === null || this.autoCommitTimer !== null) {
      return;
    }
    this.autoCommitTimer = setInterval(() => {
      if (this.autoCommitting || this.closed) return;
      this.autoCommitting = true;
      this.commit()
        .catch(() => undefined) // the next interval, a revocation or close() commits again
        .finally(() => {
          this.autoCommitting = false;
        });
    }, this.options.autoCommitIntervalMs);
    this.autoCommitTimer.unref();
  }

  private async closeNow(): Promise<void> {
    if (this.autoCommitTimer !== null) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
    this.closed = true;
    // A message the iterator handed out is not waited for: the loop body may be what called
    // close(). It is not marked processed either (at-least-once).
    if (this.outstanding !== null) {
      this.outstanding = null;
      this.gate.end();
    }
    try {
      await this.gate.exclusive(
        async () => {
          this.fetcher.stop();
          if (this.membership?.member.isStable) await this.revoke([...this.partitions.values()]);
          else if (this.membership === null) await this.commitUnassigned();
        },
        () => this.buffer.wake(),
      );
      await this.membership?.stop(this.options.groupInstanceId === null);
    } finally {
      this.removePartitions([...this.partitions.values()]);
      this.buffer.close();
      // A fetch still in flight (a long poll) is of no use now: drop it at once.
      await Promise.all([this.cluster.close(), this.fetchCluster.close(0)]);
    }
  }

  /** close() of a consumer outside a group: commit the positions if it has a groupId. */
  private async commitUnassigned(): Promise<void> {
    if (!this.options.autoCommit || this.committer === null) return;
    const positions = this.uncommittedPositions([...this.partitions.values()]);
    if (positions.length === 0) return;
    await this.committer.commit(positions, {
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
    });
  }
}
