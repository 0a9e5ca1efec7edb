/**
 * Where records wait to be sent (Kafka's RecordAccumulator and BufferPool): per partition, the
 * open batch being filled, the closed batches waiting to go, and the batches in flight; and the
 * producer-wide count of buffered bytes with the queue of send() calls waiting for room.
 *
 * - A batch closes when the next record would take it past batchBytes, when it is put into a
 *   request (producer-sender.ts), or on flush. Until then it keeps filling, so while the
 *   connection's window is full batches grow instead of multiplying.
 * - `bufferedBytes` counts the encoded bytes of every batch not yet acknowledged or failed.
 *   send() waits while it is at bufferBytes or more (waitForRoom), up to maxBlockMs, first come
 *   first served; a call that starts below the limit may pass it by its own size, which is
 *   bounded by maxRequestBytes per record.
 */
import { blockedSendsMax } from './constants.js';
import { BufferExhaustedError, ClosedError } from './errors.js';
import type { ProducerBatch } from './producer-batch.js';

export class PartitionQueue {
  /** The batch records are appended to; undefined when none is open. */
  open: ProducerBatch | undefined;
  /** Closed and waiting to be sent (or resent), first to go first. */
  readonly ready: ProducerBatch[] = [];
  /** Sent and not yet answered, in send order. */
  readonly inflight: ProducerBatch[] = [];
  /** The sequence number the next new batch starts at (idempotence). */
  nextSequence = 0;
  /** Counts first sends, giving each batch its sendOrder. */
  nextSendOrder = 0;
  /** After a retriable failure nothing is sent before this time (backoff). */
  retryAtMs = 0;
  /**
   * Set after a retriable failure with idempotence: batches then go one request at a time
   * until one succeeds, so that resent batches reach the broker in sequence order.
   */
  recovering = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get isIdle(): boolean {
    return this.open === undefined && this.ready.length === 0 && this.inflight.length === 0;
  }

  /** Puts a batch back for a retry, ahead of batches sent after it. */
  requeue(batch: ProducerBatch): void {
    let index = 0;
    while (index < this.ready.length && this.ready[index]!.sendOrder < batch.sendOrder) {
      if (this.ready[index]!.sendOrder < 0) break;
      index++;
    }
    this.ready.splice(index, 0, batch);
  }

  removeInflight(batch: ProducerBatch): void {
    const index = this.inflight.indexOf(batch);
    if (index >= 0) this.inflight.splice(index, 1);
  }

  /** Whether a batch sent before `batch` is still unacknowledged (waiting or in flight). */
  hasEarlierUnacknowledged(batch: ProducerBatch): boolean {
    for (const other of this.inflight) if (other.sendOrder < batch.sendOrder) return true;
    for (const other of this.ready) {
      if (other.sendOrder >= 0 && other.sendOrder < batch.sendOrder) return true;
    }
    return false;
  }
}

interface RoomWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class RecordAccumulator {
  private readonly topics = new Map<string, PartitionQueue[]>();
  /** Queues that hold a batch (open, ready or in flight). */
  readonly active = new Set<PartitionQueue>();
  bufferedBytes = 0;
  private readonly waiters: RoomWaiter[] = [];

  constructor(
    private readonly bufferBytes: number,
    private readonly maxBlockMs: number,
  ) {}

  queueFor(topic: string, partition: number): PartitionQueue {
    let queues = this.topics.get(topic);
    if (queues === undefined) {
      queues = [];
      this.topics.set(topic, queues);
    }
    let queue = queues[partition];
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
      queues[partition] = queue;
    }
    return queue;
  }

  /** Every queue, for resequencing after a new producer id. */
  *queues(): IterableIterator<PartitionQueue> {
    for (const queues of this.topics.values()) {
      for (const queue of queues) if (queue !== undefined) yield queue;
    }
  }

  /** Whether a send() may append now: room in the buffer and nobody waiting before it. */
  hasRoom(): boolean {
    return this.waiters.length === 0 && this.bufferedBytes < this.bufferBytes;
  }

  /** Waits for room, first come first served; rejects after maxBlockMs. */
  waitForRoom(): Promise<void> {
    if (this.waiters.length >= blockedSendsMax) {
      return Promise.reject(
        new BufferExhaustedError(
          `${this.waiters.length} send() calls already wait for buffer room (blockedSendsMax)`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: RoomWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(
            new BufferExhaustedError(
              `the producer buffer held ${this.bufferedBytes} bytes of bufferBytes ` +
                `${this.bufferBytes} for maxBlockMs ${this.maxBlockMs} ms: the broker is not ` +
                'acknowledging as fast as records are sent',
            ),
          );
          this.wakeWaiters();
        }, this.maxBlockMs),
      };
      this.waiters.push(waiter);
    });
  }

  addBytes(byteCount: number): void {
    this.bufferedBytes += byteCount;
  }

  releaseBytes(byteCount: number): void {
    this.bufferedBytes -= byteCount;
    this.wakeWaiters();
  }

  /** Lets the first waiter in. It appends synchronously, so the next waits for its own turn. */
  wakeWaiters(): void {
    while (this.waiters.length > 0 && this.bufferedBytes < this.bufferBytes) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve();
      // One at a time: the woken call's bytes are added when its continuation runs.
      return;
    }
  }

  /** Rejects every waiting send(), on close. */
  rejectWaiters(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new ClosedError('the producer was closed while send() waited for room'));
    }
  }

  get waiterCount(): number {
    return this.waiters.length;
  }
}
