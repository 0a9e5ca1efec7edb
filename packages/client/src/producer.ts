/**
 * The producer: `send(topic, records)` and `sendBatch([{ topic, records }])` return one promise
 * per call that resolves, once every batch holding its records is acknowledged, with each
 * record's topic, partition and offset in the order given.
 *
 * Path of a call, top to bottom: check the records (sizes, partitions, timestamps); if the
 * topics' partition counts are known and the buffer has room, append synchronously, else wait
 * for metadata and then for room (at most maxBlockMs); choose each record's partition
 * (partitioner.ts); encode it into the partition's open batch (producer-batch.ts); the sender
 * (producer-sender.ts) takes closed batches to the brokers. All records of a call are appended
 * in one synchronous step, so calls to one partition keep their order.
 *
 * Defaults follow Kafka's producer: acks=all, idempotence on (sequence numbers per partition,
 * retries without duplicates or reordering), batchBytes 16 KiB, bufferBytes 32 MiB,
 * maxBlockMs 60 s, deliveryTimeoutMs 120 s; lingerMs is 0 (send on the next turn of the
 * event loop: whatever was sent in the same turn shares batches).
 *
 * flush() resolves once everything sent before it is acknowledged or failed. close() refuses
 * new sends, flushes (calls still waiting for metadata or buffer room included), and after
 * its timeout fails what is left with ClosedError; then it closes the connections it owns.
 */
import { type CompressionCode, CompressionType, ErrorCode, RECORDS_OFFSET } from '@cairn/protocol';
import { Cluster, type ClusterOptions } from './cluster.js';
import {
  batchBytesDefault,
  bufferBytesDefault,
  deliveryTimeoutMsDefault,
  lingerMsDefault,
  maxBlockMsDefault,
  maxRequestBytesDefault,
  produceRetriesDefault,
  producerBufferPoolBytesMax,
  requestTimeoutMsDefault,
  retryBackoffMsDefault,
  retryBackoffMsMax,
  transactionTimeoutMsDefault,
} from './constants.js';
import { ClosedError, errorFromCode, type KafkaClientError } from './errors.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';
import { ProducerBatch } from './producer-batch.js';
import { ProducerBufferPool } from './producer-buffer-pool.js';
import { ProducerCall } from './producer-call.js';
import type {
  ProducerRecord,
  RecordMetadata,
  RecordValue,
  TopicRecords,
} from './producer-record.js';
import { ProducerSender } from './producer-sender.js';
import { type PartitionQueue, RecordAccumulator } from './record-accumulator.js';
import type { RetryOptions } from './retry.js';

export type Acks = -1 | 0 | 1 | 'all';
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4';

export interface ProducerOptions extends Partial<Omit<ClusterOptions, 'maxInflightRequests'>> {
  /** A cluster to share with other clients; otherwise the producer opens (and closes) its own. */
  cluster?: Cluster;
  /** acks: -1 / 'all' (default), 1 (leader wrote it), 0 (no answer; offsets are -1). */
  acks?: Acks;
  /** enable.idempotence; on unless acks is set to 0 or 1. */
  idempotence?: boolean;
  compression?: CompressionName;
  lingerMs?: number;
  batchBytes?: number;
  bufferBytes?: number;
  maxBlockMs?: number;
  maxRequestBytes?: number;
  deliveryTimeoutMs?: number;
  /** Requests in flight per broker connection (max.in.flight.requests.per.connection). */
  maxInFlight?: number;
  /** Replaces the default partitioner for records without an explicit partition. */
  partitioner?: Partitioner;
  /** Retries of failed batches (and of the cluster's lookups). */
  retry?: RetryOptions;
}

export interface ProducerCloseOptions {
  /** How long close() waits for pending records before failing them (deliveryTimeoutMs). */
  timeoutMs?: number;
}

const compressionCodes: Record<CompressionName, CompressionCode> = {
  none: CompressionType.none,
  gzip: CompressionType.gzip,
  snappy: CompressionType.snappy,
  lz4: CompressionType.lz4,
};

export class Producer {
  readonly cluster: Cluster;
  readonly idempotent: boolean;
  private readonly ownsCluster: boolean;
  private readonly accumulator: RecordAccumulator;
  private readonly bufferPool: ProducerBufferPool;
  private readonly sender: ProducerSender;
  private readonly partitioner: Partitioner | undefined;
  private readonly defaultPartitioner = new DefaultPartitioner();
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly maxRequestBytes: number;
  private readonly deliveryTimeoutMs: number;
  /** Calls waiting for metadata or buffer room, for flush(). */
  private readonly appending = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  /** Set when close() has given up on what is left: nothing more is appended. */
  private stopped = false;

  constructor(options: ProducerOptions) {
    const acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
    if (acks !== -1 && acks !== 0 && acks !== 1)
      throw new RangeError(`acks ${acks} is not -1, 0 or 1`);
    if (options.idempotence === true && acks !== -1) {
      throw new RangeError(`idempotence needs acks=all (-1), not acks=${acks}`);
    }
    this.idempotent = options.idempotence ?? acks === -1;
    const compression = compressionCodes[options.compression ?? 'none'];
    if (compression === undefined) {
      throw new RangeError(`compression '${options.compression}' is not none, gzip, snappy or lz4`);
    }
    this.lingerMs = checkCount('lingerMs', options.lingerMs ?? lingerMsDefault, 0);
    this.batchBytes = checkCount('batchBytes', options.batchBytes ?? batchBytesDefault, 1);
    this.maxRequestBytes = checkCount(
      'maxRequestBytes',
      options.maxRequestBytes ?? maxRequestBytesDefault,
      1,
    );
    this.deliveryTimeoutMs = checkCount(
      'deliveryTimeoutMs',
      options.deliveryTimeoutMs ?? deliveryTimeoutMsDefault,
      1,
    );
    const bufferBytes = checkCount('bufferBytes', options.bufferBytes ?? bufferBytesDefault, 1);
    const maxBlockMs = checkCount('maxBlockMs', options.maxBlockMs ?? maxBlockMsDefault, 0);
    this.partitioner = options.partitioner;
    this.cluster = options.cluster ?? new Cluster(clusterOptions(options));
    this.ownsCluster = options.cluster === undefined;
    this.accumulator = new RecordAccumulator(bufferBytes, maxBlockMs);
    const pooledBytes = Math.min(bufferBytes, producerBufferPoolBytesMax);
    this.bufferPool = new ProducerBufferPool(
      this.batchBytes,
      Math.max(1, Math.floor(pooledBytes / this.batchBytes)),
    );
    this.sender = new ProducerSender(this.cluster, this.accumulator, {
      acks,
      compression,
      idempotent: this.idempotent,
      lingerMs: this.lingerMs,
      maxRequestBytes: this.maxRequestBytes,
      requestTimeoutMs: options.requestTimeoutMs ?? requestTimeoutMsDefault,
      deliveryTimeoutMs: this.deliveryTimeoutMs,
      transactionTimeoutMs: transactionTimeoutMsDefault,
      retry: {
        retries: options.retry?.retries ?? produceRetriesDefault,
        initialBackoffMs: options.retry?.initialBackoffMs ?? retryBackoffMsDefault,
        maxBackoffMs: options.retry?.maxBackoffMs ?? retryBackoffMsMax,
      },
      onBatchClosed: (topic, partition) => {
        const count = this.cluster.metadata().topics.get(topic)?.partitions.length ?? 0;
        if (count > 0) this.defaultPartitioner.onBatchClosed(topic, partition, count);
      },
    });
  }

  /** Connects to the cluster (optional: the first send connects too). */
  async connect(): Promise<void> {
    await this.cluster.connect();
    this.sender.scheduleDrain();
  }

  /** The producer id and epoch from InitProducerId (-1 before the first send). */
  get producerIdentity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.sender.producerId, producerEpoch: this.sender.producerEpoch };
  }

  /** Bytes of records buffered and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return this.sendBatch([{ topic, records }]);
  }

  /** Sends records to several topics; the results follow the order of the groups and records. */
  sendBatch(groups: readonly TopicRecords[]): Promise<RecordMetadata[]> {
    let recordCount = 0;
    for (const group of groups) recordCount += group.records.length;
    let call: ProducerCall;
    const promise = new Promise<RecordMetadata[]>((resolve, reject) => {
      call = new ProducerCall(recordCount, resolve, reject);
    });
    const refusal = this.closing
      ? new ClosedError('the producer is closed')
      : (this.sender.fatalError ?? this.checkRecords(groups));
    if (refusal !== undefined) {
      call!.refuse(refusal);
    } else if (this.accumulator.hasRoom() && this.partitionsKnown(groups)) {
      this.append(call!, groups);
    } else {
      this.appendWhenPossible(call!, groups);
    }
    return promise;
  }

  /** Resolves when every record sent before the call is acknowledged or has failed. */
  async flush(): Promise<void> {
    this.sender.flushing++;
    try {
      await Promise.allSettled([...this.appending]);
      this.sender.scheduleDrain();
      await Promise.all(this.sender.pendingBatches().map((batch) => batch.whenDone()));
    } finally {
      this.sender.flushing--;
    }
  }

  /** Refuses new sends, delivers what is pending (or fails it after `timeoutMs`), disconnects. */
  close(options: ProducerCloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeoutMs ?? this.deliveryTimeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const timedOutFirst = await Promise.race([this.flush().then(() => false), timedOut]);
    clearTimeout(timer);
    this.stopped = true;
    this.accumulator.rejectWaiters();
    if (timedOutFirst)
      this.sender.abort(new ClosedError(`the producer closed after ${timeoutMs} ms`));
    this.sender.stop();
    // After a timeout the requests still out are failed already: do not wait for them.
    if (this.ownsCluster) await this.cluster.close(timedOutFirst ? 0 : undefined);
  }

  /** A problem that refuses the whole call before any record is appended. */
  private checkRecords(groups: readonly TopicRecords[]): KafkaClientError | undefined {
    // Indexed loops: for-of over a large call's records cost an iterator result per record
    // wherever V8 left the loop unoptimized.
    for (let group = 0; group < groups.length; group++) {
      const { topic, records } = groups[group]!;
      const recordCount = records.length;
      for (let index = 0; index < recordCount; index++) {
        const problem = this.checkRecord(topic, records[index]!);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  }

  private checkRecord(topic: string, record: ProducerRecord): KafkaClientError | undefined {
    const partition = record.partition;
    if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
      return invalidRecord(topic, `partition ${partition} is not a partition number`);
    }
    const timestamp = record.timestamp;
    if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) {
      return invalidRecord(topic, `timestamp ${timestamp} is not an integer of milliseconds`);
    }
    const upperBytes = upperSizeBytes(record.key) + upperSizeBytes(record.value);
    if (upperBytes > this.maxRequestBytes && recordBytes(record) > this.maxRequestBytes) {
      return errorFromCode(ErrorCode.MESSAGE_TOO_LARGE, {
        topic,
        message:
          `a record of ${recordBytes(record)} bytes is larger than maxRequestBytes ` +
          `${this.maxRequestBytes}`,
      });
    }
    return undefined;
  }

  /** Whether every topic's partition count is known and covers the explicit partitions. */
  private partitionsKnown(groups: readonly TopicRecords[]): boolean {
    const topics = this.cluster.metadata().topics;
    for (let group = 0; group < groups.length; group++) {
      const { topic, records } = groups[group]!;
      const metadata = topics.get(topic);
      const count = metadata?.partitions.length ?? 0;
      if (count === 0 || metadata!.errorCode !== ErrorCode.NONE) return false;
      const recordCount = records.length;
      for (let index = 0; index < recordCount; index++) {
        const partition = records[index]!.partition;
        if (partition !== undefined && partition >= count) return false;
      }
    }
    return true;
  }

  private appendWhenPossible(call: ProducerCall, groups: readonly TopicRecords[]): void {
    const appended = (async () => {
      for (const { topic, records } of groups) {
        let count = await this.cluster.partitionsFor(topic);
        const highest = highestPartition(records);
        if (highest >= count) {
          await this.cluster.refreshMetadata([topic]);
          count = await this.cluster.partitionsFor(topic);
          if (highest >= count) {
            throw errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, {
              topic,
              partition: highest,
              message: `the topic has ${count} partitions`,
            });
          }
        }
      }
      if (!this.accumulator.hasRoom()) await this.accumulator.waitForRoom();
      if (this.stopped) throw new ClosedError('the producer closed while send() waited');
      this.append(call, groups);
      this.accumulator.wakeWaiters();
    })().catch((error: unknown) => {
      call.refuse(error instanceof Error ? error : new Error(String(error)));
    });
    this.appending.add(appended);
    void appended.finally(() => this.appending.delete(appended));
  }

  /** Appends every record of the call, synchronously. */
  private append(call: ProducerCall, groups: readonly TopicRecords[]): void {
    const now = Date.now();
    const topics = this.cluster.metadata().topics;
    let index = 0;
    for (const { topic, records } of groups) {
      const partitionCount = topics.get(topic)!.partitions.length;
      const recordCount = records.length;
      // Consecutive records mostly share a partition: its queue is looked up once per run.
      let queue: PartitionQueue | undefined;
      for (let position = 0; position < recordCount; position++) {
        const record = records[position]!;
        const partition = record.partition ?? this.choosePartition(topic, record, partitionCount);
        if (queue === undefined || queue.partition !== partition) {
          queue = this.accumulator.queueFor(topic, partition);
        }
        const timestamp = record.timestamp ?? now;
        const left = recordCount - position;
        queue = this.appendRecord(queue, partitionCount, record, timestamp, call, index, left, now);
        index++;
      }
    }
    call.resolveIfEmpty();
  }

  /**
   * Appends `record` to the open batch of `queue`, closing it first when full; returns the
   * queue the record went to (an unkeyed record moves on with the sticky partition).
   */
  private appendRecord(
    queue: PartitionQueue,
    partitionCount: number,
    record: ProducerRecord,
    timestamp: number,
    call: ProducerCall,
    index: number,
    recordsLeft: number,
    now: number,
  ): PartitionQueue {
    for (let attempt = 0; ; attempt++) {
      const open = queue.open;
      if (open !== undefined) {
        const added = open.tryAppend(record, timestamp, call, index, this.batchBytes);
        if (added > 0) {
          this.account(open, added);
          return queue;
        }
        // Full: it goes as it is, and an unkeyed record follows the sticky partition on.
        queue.open = undefined;
        open.close();
        queue.ready.push(open);
        this.sender.scheduleDrain();
        this.defaultPartitioner.onBatchClosed(queue.topic, queue.partition, partitionCount);
        if (attempt === 0 && this.isSticky(record)) {
          const partition = this.choosePartition(queue.topic, record, partitionCount);
          queue = this.accumulator.queueFor(queue.topic, partition);
          continue;
        }
      }
      this.openBatch(queue, record, timestamp, call, index, recordsLeft, now);
      return queue;
    }
  }

  /** Starts a batch for `queue` with `record` in it (an empty batch takes any record). */
  private openBatch(
    queue: PartitionQueue,
    record: ProducerRecord,
    timestamp: number,
    call: ProducerCall,
    index: number,
    recordsLeft: number,
    now: number,
  ): void {
    // The topic's records still to come in this call hint at the size to allocate.
    const hintBytes = recordsLeft * approximateBytes(record);
    const batch = new ProducerBatch(
      queue.topic,
      queue.partition,
      now,
      ProducerBatch.initialCapacity(this.batchBytes, hintBytes),
      this.bufferPool,
    );
    queue.open = batch;
    this.accumulator.active.add(queue);
    const added = batch.tryAppend(record, timestamp, call, index, this.batchBytes);
    // The batch header counts against the buffer too.
    this.account(batch, RECORDS_OFFSET + added);
    if (this.lingerMs === 0) this.sender.scheduleDrain();
    else this.sender.scheduleDrainAt(now + this.lingerMs);
  }

  private account(batch: ProducerBatch, byteCount: number): void {
    batch.accountedBytes += byteCount;
    this.accumulator.addBytes(byteCount);
  }

  private isSticky(record: ProducerRecord): boolean {
    return (
      record.partition === undefined &&
      this.partitioner === undefined &&
      (record.key === null || record.key === undefined)
    );
  }

  private choosePartition(topic: string, record: ProducerRecord, partitionCount: number): number {
    if (this.partitioner === undefined) {
      return this.defaultPartitioner.partition(topic, record.key, partitionCount);
    }
    const partition = this.partitioner(topic, record.key, partitionCount, record.value);
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      throw new RangeError(
        `the partitioner chose partition ${partition} of topic ${topic}, which has ` +
          `${partitionCount} partitions`,
      );
    }
    return partition;
  }
}

function clusterOptions(options: ProducerOptions): ClusterOptions {
  if (options.bootstrap === undefined)
    throw new RangeError('a producer needs bootstrap or cluster');
  const { maxInFlight, ...rest } = options;
  return {
    ...rest,
    bootstrap: options.bootstrap,
    ...(maxInFlight === undefined ? {} : { maxInflightRequests: maxInFlight }),
  } as ClusterOptions;
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} ${value} must be an integer >= ${min}`);
  }
  return value;
}

function invalidRecord(topic: string, message: string): KafkaClientError {
  return errorFromCode(ErrorCode.INVALID_RECORD, { topic, message });
}

/** At most the UTF-8 bytes of a value (3 per UTF-16 unit), without scanning it. */
function upperSizeBytes(value: RecordValue | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? value.length * 3 : value.length;
}

function exactSizeBytes(value: RecordValue | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

/** Key and value bytes of a record, for the maxRequestBytes check. */
function recordBytes(record: ProducerRecord): number {
  return exactSizeBytes(record.key) + exactSizeBytes(record.value);
}

/** A rough size of a record, to size a new batch's first allocation. */
function approximateBytes(record: ProducerRecord): number {
  return upperSizeBytes(record.key) + upperSizeBytes(record.value) + 16;
}

function highestPartition(records: readonly ProducerRecord[]): number {
  let highest = -1;
  for (const record of records) {
    if (record.partition !== undefined && record.partition > highest) highest = record.partition;
  }
  return highest;
}
