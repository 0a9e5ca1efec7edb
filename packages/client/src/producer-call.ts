/**
 * One send() or sendBatch() call: a single promise for all its records, resolved when every
 * batch holding some of them is acknowledged (with each record's partition and offset in the
 * order given), or rejected with the first batch failure. No promise or callback per record.
 */
import type { RecordMetadata } from './producer-record.js';

export class ProducerCall {
  /** Filled in by each batch as it is acknowledged; index = the record's place in the call. */
  readonly results: RecordMetadata[];
  /** Batches holding records of this call and not yet finished. */
  pendingBatches = 0;
  private settled = false;

  constructor(
    recordCount: number,
    private readonly resolve: (results: RecordMetadata[]) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.results = new Array<RecordMetadata>(recordCount);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Called once by each batch of the call when it is acknowledged. */
  batchDone(): void {
    this.pendingBatches--;
    if (this.pendingBatches === 0 && !this.settled) {
      this.settled = true;
      this.resolve(this.results);
    }
  }

  /** The first failure rejects the call; its other batches still go (they cannot be recalled). */
  fail(error: Error): void {
    this.pendingBatches--;
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  /** Rejects a call that never reached a batch (buffer full, closed, bad record). */
  refuse(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  /** A call with no records resolves at once. */
  resolveIfEmpty(): void {
    if (this.pendingBatches === 0 && !this.settled) {
      this.settled = true;
      this.resolve(this.results);
    }
  }
}
