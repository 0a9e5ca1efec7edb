/**
 * Moves closed batches from the accumulator to the brokers and settles them (Kafka's Sender).
 *
 * One drain pass (drain()), run on the next turn after work arrives and on timers for linger
 * and backoff, top to bottom:
 *   1. with idempotence, make sure the producer has an id (InitProducerId) first;
 *   2. pick the partitions that can send now: a batch ready (or an open one past lingerMs, or
 *      any when flushing), no backoff pending, a known leader, and room in the partition's
 *      window (5 batches in flight with idempotence, 1 while recovering from a failure);
 *   3. per leader, while its connection's window has room, build one Produce request with at
 *      most one batch per partition (Kafka's rule: it keeps each partition's batches in
 *      order) and up to maxRequestBytes, and send it.
 * A batch gets its sequence numbers, header, compression and CRC when it is first sent and is
 * resent byte for byte, so the broker recognises a retry of a batch it already wrote.
 *
 * Answers, per batch: success settles its records' calls; a retriable error (or, with
 * idempotence, OUT_OF_ORDER_SEQUENCE_NUMBER behind an earlier failed batch) puts it back in
 * front of the partition's queue after a backoff, refreshing metadata when the error says the
 * leader may have moved; anything else, or retries spent, or deliveryTimeoutMs passed, fails
 * it. A failed batch that had sequence numbers leaves a gap the broker would refuse, so the
 * producer takes a new producer id once nothing is in flight and renumbers what is left.
 *
 * The parts, each in its own file:
 *   record-accumulator.ts  per-partition queues of open, ready and in-flight batches
 *   producer-batch.ts      one batch: records appended, then header, compression and CRC
 *   producer-identity.ts   producer id and epoch (InitProducerId), renumbering after a gap
 *   producer-leaders.ts    metadata refreshes and connections to leaders, with backoff
 *   produce-request.ts     batches -> Produce request; each batch's answer in the response
 */
import { type CompressionCode, ErrorCode, type ProduceResponse, produceApi } from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { idempotentInflightPerPartitionMax } from './constants.js';
import {
  ConnectionError,
  callsForMetadataRefresh,
  errorFromCode,
  isRetriable,
  KafkaClientError,
  TimeoutError,
} from './errors.js';
import { AnswerCursor, produceTopicData } from './produce-request.js';
import type { ProducerBatch } from './producer-batch.js';
import { incrementSequence, ProducerIdentity } from './producer-identity.js';
import { ProducerLeaders } from './producer-leaders.js';
import type { PartitionQueue, RecordAccumulator } from './record-accumulator.js';
import { backoffMs, type RetryOptions } from './retry.js';

export { incrementSequence } from './producer-identity.js';

export interface SenderOptions {
  acks: -1 | 0 | 1;
  compression: CompressionCode;
  idempotent: boolean;
  lingerMs: number;
  maxRequestBytes: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  transactionTimeoutMs: number;
  retry: Required<RetryOptions>;
  /** A batch of the partition was closed (the sticky partitioner moves on). */
  onBatchClosed: (topic: string, partition: number) => void;
}

export class ProducerSender {
  /** Flushes in progress: while any, open batches are sent without waiting for lingerMs. */
  flushing = 0;
  private readonly identity: ProducerIdentity;
  private inflightRequests = 0;
  private drainQueued = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private drainTimerAtMs = Number.POSITIVE_INFINITY;
  private readonly leaders: ProducerLeaders;
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator,
    private readonly options: SenderOptions,
  ) {
    this.identity = new ProducerIdentity(options.idempotent, {
      cluster,
      accumulator,
      transactionTimeoutMs: options.transactionTimeoutMs,
      retry: options.retry,
      isStopped: () => this.stopped,
      inflightRequests: () => this.inflightRequests,
      scheduleDrain: () => this.scheduleDrain(),
      scheduleDrainAt: (atMs) => this.scheduleDrainAt(atMs),
      abort: (error) => this.abort(error),
    });
    this.leaders = new ProducerLeaders({
      cluster,
      accumulator,
      backoffMs: options.retry.initialBackoffMs,
      isStopped: () => this.stopped,
      scheduleDrain: () => this.scheduleDrain(),
      scheduleDrainAt: (atMs) => this.scheduleDrainAt(atMs),
    });
  }

  get producerId(): number {
    return this.identity.producerId;
  }

  get producerEpoch(): number {
    return this.identity.producerEpoch;
  }

  /** The error every send fails with, once the producer cannot go on. */
  get fatalError(): Error | undefined {
    return this.identity.fatalError;
  }

  /** Runs a drain pass on the next turn of the event loop (once, however often called). */
  scheduleDrain(): void {
    if (this.drainQueued || this.stopped) return;
    this.drainQueued = true;
    setImmediate(() => {
      this.drainQueued = false;
      this.drain();
    });
  }

  /** Runs a drain pass at `atMs` (or earlier, if another is scheduled sooner). */
  scheduleDrainAt(atMs: number): void {
    if (this.stopped || atMs >= this.drainTimerAtMs) return;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimerAtMs = atMs;
    this.drainTimer = setTimeout(
      () => {
        this.drainTimer = undefined;
        this.drainTimerAtMs = Number.POSITIVE_INFINITY;
        this.drain();
      },
      Math.max(0, atMs - Date.now()),
    );
  }

  /** Every batch not yet settled (for flush()). */
  pendingBatches(): ProducerBatch[] {
    const batches: ProducerBatch[] = [];
    for (const queue of this.accumulator.active) {
      if (queue.open !== undefined) batches.push(queue.open);
      batches.push(...queue.ready, ...queue.inflight);
    }
    return batches;
  }

  /** Fails every unsettled batch with `error` and stops sending (close() after its timeout). */
  abort(error: Error): void {
    for (const queue of this.accumulator.active) {
      if (queue.open !== undefined) this.failBatch(queue, queue.open, error);
      queue.open = undefined;
      for (const batch of queue.ready.splice(0)) this.failBatch(queue, batch, error);
      for (const batch of queue.inflight.splice(0)) this.failBatch(queue, batch, error);
    }
    this.accumulator.active.clear();
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
  }

  /** One pass: see the file comment. */
  drain(): void {
    if (this.stopped) return;
    const fatal = this.identity.fatalError;
    if (fatal !== undefined) {
      this.abort(fatal);
      return;
    }
    if (!this.identity.ensure()) return;
    const now = Date.now();
    if (this.cluster.isMetadataStale()) this.leaders.refreshActiveTopics();
    const byLeader = new Map<number, PartitionQueue[]>();
    let wakeAtMs = Number.POSITIVE_INFINITY;
    for (const queue of this.accumulator.active) {
      if (queue.isIdle) {
        this.accumulator.active.delete(queue);
        continue;
      }
      this.expireBatches(queue, now);
      const waitUntilMs = this.sendableAtMs(queue, now);
      if (waitUntilMs > now) {
        wakeAtMs = Math.min(wakeAtMs, waitUntilMs);
        continue;
      }
      const leader = this.cluster.leaderOf(queue.topic, queue.partition);
      if (leader < 0) {
        this.requestRefresh(queue.topic);
        continue;
      }
      const backoffUntilMs = this.leaders.backoffUntilMs(leader);
      if (backoffUntilMs > now) {
        wakeAtMs = Math.min(wakeAtMs, backoffUntilMs);
        continue;
      }
      let queues = byLeader.get(leader);
      if (queues === undefined) {
        queues = [];
        byLeader.set(leader, queues);
      }
      queues.push(queue);
    }
    for (const [leader, queues] of byLeader) this.sendTo(leader, queues, now);
    if (wakeAtMs !== Number.POSITIVE_INFINITY) this.scheduleDrainAt(wakeAtMs);
  }

  /**
   * When the queue can next send: now (or earlier) if it can, +Infinity when it waits for an
   * answer or a new record, else the time linger or backoff ends.
   */
  private sendableAtMs(queue: PartitionQueue, now: number): number {
    const inflight = queue.inflight.length;
    if (this.options.idempotent) {
      if (inflight >= idempotentInflightPerPartitionMax) return Number.POSITIVE_INFINITY;
      if (queue.recovering && inflight > 0) return Number.POSITIVE_INFINITY;
    }
    let readyAtMs: number;
    if (queue.ready.length > 0) readyAtMs = now;
    else if (queue.open !== undefined && !queue.open.isEmpty) {
      readyAtMs = this.flushing > 0 ? now : queue.open.createdMs + this.options.lingerMs;
    } else return Number.POSITIVE_INFINITY;
    return Math.max(readyAtMs, queue.retryAtMs);
  }

  /** Fills the leader's connection window with requests. */
  private sendTo(leader: number, queues: PartitionQueue[], now: number): void {
    const connection = this.cluster.openConnection(leader);
    if (connection === undefined || !connection.isOpen) {
      this.leaders.connect(leader);
      return;
    }
    while (
      queues.length > 0 &&
      connection.inflightCount + connection.pendingCount < connection.windowSize
    ) {
      const batches = this.collectRequest(queues, now);
      if (batches.length === 0) return;
      this.send(connection, batches);
    }
  }

  /** Takes one batch from each queue, up to maxRequestBytes; drops queues that are done. */
  private collectRequest(queues: PartitionQueue[], now: number): ProducerBatch[] {
    const batches: ProducerBatch[] = [];
    let requestBytes = 0;
    for (let index = 0; index < queues.length; ) {
      const queue = queues[index]!;
      if (this.sendableAtMs(queue, now) > now) {
        queues[index] = queues[queues.length - 1]!;
        queues.pop();
        continue;
      }
      const next = queue.ready[0] ?? queue.open!;
      const nextBytes = next.bytes?.length ?? next.position;
      if (batches.length > 0 && requestBytes + nextBytes > this.options.maxRequestBytes) break;
      const batch = this.takeBatch(queue);
      try {
        this.prepare(queue, batch);
      } catch (error) {
        // Cannot be encoded (a codec failed): nothing was sent, only this batch fails.
        this.failBatch(queue, batch, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      queue.inflight.push(batch);
      batches.push(batch);
      requestBytes += batch.bytes!.length;
      index++;
    }
    return batches;
  }

  private takeBatch(queue: PartitionQueue): ProducerBatch {
    const ready = queue.ready.shift();
    if (ready !== undefined) return ready;
    const open = queue.open!;
    queue.open = undefined;
    open.close();
    this.options.onBatchClosed(queue.topic, queue.partition);
    return open;
  }

  /** First send: sequence numbers, header, compression and CRC. Retries keep the bytes. */
  private prepare(queue: PartitionQueue, batch: ProducerBatch): void {
    if (batch.sendOrder < 0) batch.sendOrder = queue.nextSendOrder++;
    if (batch.bytes !== undefined) return;
    let baseSequence = -1;
    if (this.options.idempotent) {
      baseSequence = queue.nextSequence;
      queue.nextSequence = incrementSequence(baseSequence, batch.recordCount);
    }
    const { producerId, producerEpoch } = this.identity;
    batch.finish(this.options.compression, producerId, producerEpoch, baseSequence);
  }

  private send(connection: Connection, batches: ProducerBatch[]): void {
    const topicData = produceTopicData(batches);
    const expectResponse = this.options.acks !== 0;
    this.inflightRequests++;
    let version: number;
    try {
      version = connection.versionFor(produceApi);
    } catch (error) {
      this.onRequestFailed(batches, error);
      return;
    }
    connection
      .send(
        produceApi,
        version,
        {
          transactionalId: null,
          acks: this.options.acks,
          timeoutMs: this.options.requestTimeoutMs,
          topicData,
        },
        { expectResponse },
      )
      .then(
        (response) => this.onResponse(batches, response),
        (error: unknown) => this.onRequestFailed(batches, error),
      );
  }

  private onResponse(batches: ProducerBatch[], response: ProduceResponse | undefined): void {
    this.inflightRequests--;
    const now = Date.now();
    const answers = response === undefined ? undefined : new AnswerCursor(response);
    for (const batch of batches) {
      const queue = this.accumulator.queueFor(batch.topic, batch.partition);
      if (answers === undefined) {
        this.succeed(queue, batch, -1);
        continue;
      }
      const answer = answers.find(batch.topic, batch.partition);
      if (answer === undefined) {
        const error = new KafkaClientError({
          code: ErrorCode.UNKNOWN_SERVER_ERROR,
          errorName: 'INVALID_RESPONSE',
          retriable: true,
          message: 'the Produce response does not mention the partition',
          topic: batch.topic,
          partition: batch.partition,
        });
        this.onBatchError(queue, batch, error, now);
      } else if (
        answer.errorCode === ErrorCode.NONE ||
        answer.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER
      ) {
        this.succeed(queue, batch, answer.baseOffset);
      } else {
        const error = errorFromCode(answer.errorCode, {
          topic: batch.topic,
          partition: batch.partition,
        });
        this.onBatchError(queue, batch, error, now);
      }
    }
    this.scheduleDrain();
  }

  private onRequestFailed(batches: ProducerBatch[], error: unknown): void {
    this.inflightRequests--;
    const now = Date.now();
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const batch of batches) {
      const queue = this.accumulator.queueFor(batch.topic, batch.partition);
      this.onBatchError(queue, batch, failure, now);
    }
    this.scheduleDrain();
  }

  private succeed(queue: PartitionQueue, batch: ProducerBatch, baseOffset: number): void {
    queue.removeInflight(batch);
    queue.recovering = false;
    batch.complete(baseOffset);
    this.accumulator.releaseBytes(batch.accountedBytes);
    batch.accountedBytes = 0;
  }

  private onBatchError(
    queue: PartitionQueue,
    batch: ProducerBatch,
    error: Error,
    now: number,
  ): void {
    queue.removeInflight(batch);
    if (batch.done) return;
    const code = error instanceof KafkaClientError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    if (this.mayRetry(queue, batch, error, code, now)) {
      const waitMs = backoffMs(batch.attempts, this.options.retry);
      batch.attempts++;
      queue.requeue(batch);
      queue.retryAtMs = Math.max(queue.retryAtMs, now + waitMs);
      if (this.options.idempotent) queue.recovering = true;
      if (callsForMetadataRefresh(code) || error instanceof ConnectionError) {
        this.cluster.invalidateMetadata();
        this.requestRefresh(queue.topic);
      }
      this.scheduleDrainAt(queue.retryAtMs);
      return;
    }
    this.failBatch(queue, batch, error);
  }

  private mayRetry(
    queue: PartitionQueue,
    batch: ProducerBatch,
    error: Error,
    code: number,
    now: number,
  ): boolean {
    if (this.stopped) return false;
    if (batch.attempts >= this.options.retry.retries) return false;
    if (now - batch.createdMs >= this.options.deliveryTimeoutMs) return false;
    if (isRetriable(error)) return true;
    // A batch refused because one before it is missing goes again after that one (or, after
    // a gap, with new sequence numbers under a new producer id).
    return (
      this.options.idempotent &&
      code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER &&
      (queue.hasEarlierUnacknowledged(batch) || this.identity.resetNeeded)
    );
  }

  private failBatch(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    queue.removeInflight(batch);
    if (batch.done) return;
    // Its sequence numbers will never reach the broker: later batches would be out of order.
    if (this.options.idempotent && batch.baseSequence >= 0) this.identity.sequenceGap();
    batch.fail(error);
    this.accumulator.releaseBytes(batch.accountedBytes);
    batch.accountedBytes = 0;
  }

  /** Fails waiting batches older than deliveryTimeoutMs. */
  private expireBatches(queue: PartitionQueue, now: number): void {
    const limitMs = this.options.deliveryTimeoutMs;
    while (queue.ready.length > 0 && now - queue.ready[0]!.createdMs >= limitMs) {
      this.failBatch(queue, queue.ready.shift()!, this.expired(queue, limitMs));
    }
    const open = queue.open;
    if (open !== undefined && now - open.createdMs >= limitMs) {
      queue.open = undefined;
      this.failBatch(queue, open, this.expired(queue, limitMs));
    }
  }

  private expired(queue: PartitionQueue, limitMs: number): TimeoutError {
    return new TimeoutError(`the batch was not acknowledged within deliveryTimeoutMs ${limitMs}`, {
      topic: queue.topic,
      partition: queue.partition,
    });
  }

  /** Refreshes metadata for `topic` in the background (one refresh at a time, spaced). */
  requestRefresh(topic: string): void {
    this.leaders.requestRefresh(topic);
  }
}
