/**
 * The idempotent producers of one partition (Kafka's ProducerStateManager, with the checks of
 * ProducerAppendInfo): for each producerId its epoch and its last batches, so that a batch out
 * of order or from a fenced epoch is refused, and a retried batch is answered with the offsets
 * it got the first time instead of being appended twice. Only batch headers are read
 * (record-batch-header.ts); records are never decoded. Batches without a producerId (-1) pass.
 *
 * Contract with the produce path, for each batch (Produce v3+ carries one per partition),
 * after validateBatch (length, magic, CRC: Kafka validates before it looks for duplicates):
 *
 *   const verdict = producers.check(batch);            // sync; throws KafkaError
 *   if (verdict.kind === 'duplicate') ...              // answer verdict.batch.baseOffset,
 *                                                      // append nothing
 *   const endBefore = log.logEndOffset;
 *   const appended = log.append(batch);                // takes offsets before its first await
 *   if (log.logEndOffset > endBefore) {                // the log took the batch
 *     producers.update(batch, endBefore, log.logEndOffset - 1);
 *   }
 *   await appended;
 *
 * - No await between check and update: the check guards the update (and the append), and
 *   another request for the partition may run at any await.
 * - update comes before the append's promise settles, not after: a producer pipelines up to five
 *   requests per partition, and the check of its next batch must see this one, or that batch
 *   would be refused as out of order while this one waits for its write or fsync.
 * - PartitionLog.append is async, so a batch it refuses (validation, a full append queue) comes
 *   back as a rejected promise too; logEndOffset not moving is how the caller knows that nothing
 *   was appended and update must not be called (a recorded batch that is not in the log would
 *   answer the producer's retry as a duplicate, and lose it). A failed write after the offsets
 *   were taken is sticky for the log until it is reopened, and reopening rebuilds this state
 *   from the log (rebuild-producer-state.ts), so that batch does not outlive the failure.
 * - A duplicate's original may still be in flight: with acks=-1 the duplicate is answered only
 *   once the log is durable past verdict.batch.lastOffset (log.flushedTo(lastOffset + 1)), as
 *   Kafka's DelayedProduce waits for lastOffset + 1; with acks=1, once the high watermark is.
 *
 * Errors thrown by check (Kafka's codes for the same cases):
 *   OUT_OF_ORDER_SEQUENCE_NUMBER  a gap, an overlap, a retry older than the retained batches,
 *                                 or a new epoch that does not start at sequence 0
 *   INVALID_PRODUCER_EPOCH        an epoch older than the producer's latest (Kafka 2.7+ answers
 *                                 produce with it rather than PRODUCER_FENCED)
 *   INVALID_RECORD                a producerId with a negative baseSequence (LogValidator)
 *   CORRUPT_MESSAGE               fewer bytes than a batch header (validateBatch says so first)
 *   INVALID_REQUEST               a transactional or control batch: not supported yet
 *   UNKNOWN_PRODUCER_ID           a producerId beyond 2^53, which Cairn never hands out
 * A producer this partition does not know (never seen, or forgotten past
 * producersPerPartitionMax) is accepted at any epoch and sequence, as Kafka has done since 2.5
 * (KIP-360) instead of answering UNKNOWN_PRODUCER_ID: its earlier batches may have been removed
 * by retention, and refusing it would leave the producer no way forward.
 */
import {
  assert,
  isControl,
  isProtocolError,
  isTransactional,
  kafkaError,
  NO_PRODUCER_ID,
  NO_TIMESTAMP,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  readBaseSequence,
  readLastOffsetDelta,
  readMaxTimestamp,
  readProducerEpoch,
  readProducerId,
} from '@cairn/protocol';
import { producersPerPartitionMax } from '../constants.js';
import { type BatchMetadata, ProducerStateEntry } from './producer-state-entry.js';
import { isNextSequence, lastSequenceOf } from './sequence.js';

export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata };

const appendVerdict: ProducerCheck = Object.freeze({ kind: 'append' });

export class ProducerState {
  /** By producerId, least recently updated first (a Map keeps insertion order). */
  private readonly producers = new Map<number, ProducerStateEntry>();

  /** `partition` names the partition in error messages, e.g. `orders-3`. */
  constructor(
    readonly partition: string,
    private readonly producersMax = producersPerPartitionMax,
  ) {
    assert(producersMax >= 1, `producersMax ${producersMax} < 1`);
  }

  get producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  /** Every producer, least recently updated first. */
  entries(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * Decides whether the batch at `position` (validated by validateBatch already) is appended
   * or is a duplicate of a retained batch. Synchronous and changes nothing; throws KafkaError
   * for a batch the partition must refuse (see the file comment).
   */
  check(batch: Buffer, position = 0): ProducerCheck {
    if (batch.length - position < RECORD_BATCH_OVERHEAD) {
      throw kafkaError('CORRUPT_MESSAGE', `${this.partition}: fewer bytes than a batch header`);
    }
    if (isTransactional(batch, position) || isControl(batch, position)) {
      throw kafkaError(
        'INVALID_REQUEST',
        `${this.partition}: transactional and control batches are not supported yet`,
      );
    }
    const producerId = readBatchProducerId(batch, position);
    if (producerId < 0) return appendVerdict;
    const producerEpoch = readProducerEpoch(batch, position);
    const baseSequence = readBaseSequence(batch, position);
    const lastOffsetDelta = readLastOffsetDelta(batch, position);
    if (baseSequence < 0 || lastOffsetDelta < 0) {
      throw kafkaError(
        'INVALID_RECORD',
        `${this.partition}: producer ${producerId} sent baseSequence ${baseSequence}, ` +
          `lastOffsetDelta ${lastOffsetDelta}; both must be >= 0`,
      );
    }
    const entry = this.producers.get(producerId);
    if (entry === undefined) return appendVerdict;
    const lastSequence = lastSequenceOf(baseSequence, lastOffsetDelta);
    const duplicate = entry.findDuplicate(producerEpoch, baseSequence, lastSequence);
    if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
    this.checkEpochAndSequence(entry, producerEpoch, baseSequence);
    return appendVerdict;
  }

  /**
   * Records the batch at `position` as appended at baseOffset..lastOffset. Call it only for a
   * batch that check() answered 'append', synchronously after the log accepted it (see the
   * contract above), and when replaying the log at open. Batches without a producerId are
   * ignored. Never throws for a batch that passed check.
   */
  update(batch: Buffer, baseOffset: number, lastOffset: number, position = 0): void {
    const producerId = readBatchProducerId(batch, position);
    if (producerId < 0) return;
    const lastOffsetDelta = readLastOffsetDelta(batch, position);
    assert(
      lastOffset - baseOffset === lastOffsetDelta,
      `${this.partition}: offsets ${baseOffset}..${lastOffset} for lastOffsetDelta ` +
        `${lastOffsetDelta} (producer ${producerId})`,
    );
    const baseSequence = readBaseSequence(batch, position);
    const metadata: BatchMetadata = {
      baseSequence,
      lastSequence: lastSequenceOf(baseSequence, lastOffsetDelta),
      baseOffset,
      lastOffset,
      maxTimestamp: readMaxTimestampOrNone(batch, position),
    };
    const producerEpoch = readProducerEpoch(batch, position);
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      if (this.producers.size >= this.producersMax) this.forgetLeastRecent();
      entry = new ProducerStateEntry(producerId, producerEpoch);
    } else {
      this.producers.delete(producerId); // set again below: now the most recently updated
    }
    entry.addBatch(producerEpoch, metadata);
    this.producers.set(producerId, entry);
  }

  private checkEpochAndSequence(
    entry: ProducerStateEntry,
    producerEpoch: number,
    baseSequence: number,
  ): void {
    const { producerId } = entry;
    if (producerEpoch < entry.producerEpoch) {
      throw kafkaError(
        'INVALID_PRODUCER_EPOCH',
        `${this.partition}: producer ${producerId} sent epoch ${producerEpoch}, older than ` +
          `its latest epoch ${entry.producerEpoch}`,
      );
    }
    if (producerEpoch > entry.producerEpoch) {
      if (baseSequence === 0) return;
      throw kafkaError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `${this.partition}: producer ${producerId} started epoch ${producerEpoch} at ` +
          `sequence ${baseSequence}, not 0 (previous epoch ${entry.producerEpoch})`,
      );
    }
    if (!isNextSequence(entry.lastSequence, baseSequence)) {
      throw kafkaError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `${this.partition}: producer ${producerId} epoch ${producerEpoch} sent sequence ` +
          `${baseSequence}, expected the one after ${entry.lastSequence}`,
      );
    }
  }

  private forgetLeastRecent(): void {
    const leastRecent = this.producers.keys().next();
    assert(leastRecent.done !== true, 'no producer to forget');
    this.producers.delete(leastRecent.value);
  }
}

/**
 * The batch's producerId. Cairn hands out ids below 2^53 only: a larger one was never issued
 * (UNKNOWN_PRODUCER_ID), and one below -2^53 means no producer, as every negative id does in
 * Kafka (RecordBatch.hasProducerId).
 */
function readBatchProducerId(batch: Buffer, position: number): number {
  try {
    return readProducerId(batch, position);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    const producerId = batch.readBigInt64BE(position + PRODUCER_ID_OFFSET);
    if (producerId < 0n) return NO_PRODUCER_ID;
    throw kafkaError(
      'UNKNOWN_PRODUCER_ID',
      `producerId ${producerId} is beyond 2^53; Cairn never hands out such an id`,
    );
  }
}

/** The batch's maxTimestamp, or NO_TIMESTAMP for one beyond 2^53 ms, which no clock gives. */
function readMaxTimestampOrNone(batch: Buffer, position: number): number {
  try {
    return readMaxTimestamp(batch, position);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return NO_TIMESTAMP;
  }
}
