/**
 * What one partition remembers of one idempotent producer (Kafka's ProducerStateEntry): its
 * current epoch and the metadata of its last few batches, oldest first, so that a retried batch
 * is recognised and answered with the offsets it got the first time.
 */
import { assert } from '@cairn/protocol';
import { producerBatchesRetained } from '../constants.js';

/** One appended batch of a producer, by the sequences it covers and the offsets it got. */
export interface BatchMetadata {
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

export class ProducerStateEntry {
  private readonly retained: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    private epoch: number,
  ) {}

  /** The epoch of the producer's latest batch; older epochs are fenced. */
  get producerEpoch(): number {
    return this.epoch;
  }

  /** The last batches of the current epoch, oldest first; never empty once a batch is added. */
  get batches(): readonly BatchMetadata[] {
    return this.retained;
  }

  /** The sequence of the last record appended in the current epoch. */
  get lastSequence(): number {
    const last = this.retained[this.retained.length - 1];
    assert(last !== undefined, `producer ${this.producerId} has no batch`);
    return last.lastSequence;
  }

  /** The retained batch of `producerEpoch` covering exactly these sequences, if any. */
  findDuplicate(
    producerEpoch: number,
    baseSequence: number,
    lastSequence: number,
  ): BatchMetadata | undefined {
    if (producerEpoch !== this.epoch) return undefined;
    return this.retained.find(
      (batch) => batch.baseSequence === baseSequence && batch.lastSequence === lastSequence,
    );
  }

  /**
   * Records an appended batch. A new epoch forgets the batches of the old one (their sequences
   * start again at 0); past producerBatchesRetained the oldest batch is forgotten.
   */
  addBatch(producerEpoch: number, batch: BatchMetadata): void {
    if (producerEpoch !== this.epoch) {
      this.epoch = producerEpoch;
      this.retained.length = 0;
    }
    if (this.retained.length === producerBatchesRetained) this.retained.shift();
    this.retained.push(batch);
    assert(this.retained.length <= producerBatchesRetained, 'retained batches over the limit');
  }
}
