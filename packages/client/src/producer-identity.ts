/**
 * The idempotent producer's identity: the producer id and epoch from InitProducerId, and the
 * sequence numbers under them. Without idempotence it is ready at once and stays at -1 / -1.
 *
 * States: 'none' (no id yet), 'fetching' (InitProducerId in flight), 'ready', and
 * 'reset-needed': a batch that had sequence numbers failed, which leaves a gap the broker
 * would refuse, so once no request under the old id is in flight the producer takes a new id
 * and renumbers every batch waiting to be resent from sequence 0. A retriable InitProducerId
 * failure is retried after the backoff; any other is fatal: every batch fails with it.
 */
import { ErrorCode, initProducerIdApi } from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import { sequenceMax } from './constants.js';
import { errorFromCode, isRetriable } from './errors.js';
import type { RecordAccumulator } from './record-accumulator.js';
import { type RetryOptions, retry } from './retry.js';

export interface ProducerIdentityContext {
  cluster: Cluster;
  accumulator: RecordAccumulator;
  transactionTimeoutMs: number;
  retry: Required<RetryOptions>;
  isStopped(): boolean;
  /** Produce requests not answered yet. */
  inflightRequests(): number;
  scheduleDrain(): void;
  scheduleDrainAt(atMs: number): void;
  /** InitProducerId was refused for good: fail every batch with `error` and stop. */
  abort(error: Error): void;
}

type ProducerIdState = 'none' | 'fetching' | 'ready' | 'reset-needed';

export class ProducerIdentity {
  producerId = -1;
  producerEpoch = -1;
  private state: ProducerIdState;
  /** A failure no send can get past (InitProducerId refused): every batch fails with it. */
  private fatal: Error | undefined;

  constructor(
    idempotent: boolean,
    private readonly context: ProducerIdentityContext,
  ) {
    this.state = idempotent ? 'none' : 'ready';
  }

  /** The error every send fails with, once the producer cannot go on. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** Whether a gap in the sequence numbers waits for a new producer id. */
  get resetNeeded(): boolean {
    return this.state === 'reset-needed';
  }

  /** A batch with sequence numbers failed: later batches would be out of order. */
  sequenceGap(): void {
    this.state = 'reset-needed';
  }

  /** True when sending may go on; otherwise a producer id is being (re)fetched. */
  ensure(): boolean {
    switch (this.state) {
      case 'ready':
        return true;
      case 'fetching':
        return false;
      case 'reset-needed':
        // Renumbering is only safe once nothing numbered under the old id is in flight.
        if (this.context.inflightRequests() > 0) return false;
        void this.fetch(true);
        return false;
      case 'none':
        void this.fetch(false);
        return false;
    }
  }

  private async fetch(renumber: boolean): Promise<void> {
    const { cluster, transactionTimeoutMs } = this.context;
    this.state = 'fetching';
    try {
      const response = await retry(async () => {
        const answer = await cluster.request('any', initProducerIdApi, {
          transactionalId: null,
          transactionTimeoutMs,
          producerId: -1,
          producerEpoch: -1,
        });
        if (answer.errorCode !== ErrorCode.NONE) throw errorFromCode(answer.errorCode);
        return answer;
      }, this.context.retry);
      this.producerId = response.producerId;
      this.producerEpoch = response.producerEpoch;
      if (renumber) this.renumber();
      this.state = 'ready';
      this.context.scheduleDrain();
    } catch (error) {
      if (this.context.isStopped()) return;
      if (isRetriable(error)) {
        this.state = renumber ? 'reset-needed' : 'none';
        this.context.scheduleDrainAt(Date.now() + this.context.retry.maxBackoffMs);
        return;
      }
      this.fatal = error instanceof Error ? error : new Error(String(error));
      this.context.abort(this.fatal);
    }
  }

  /** Under a new producer id every partition starts again at sequence 0. */
  private renumber(): void {
    for (const queue of this.context.accumulator.queues()) {
      queue.nextSequence = 0;
      queue.recovering = false;
      for (const batch of queue.ready) {
        if (batch.bytes === undefined) continue;
        const baseSequence = queue.nextSequence;
        queue.nextSequence = incrementSequence(baseSequence, batch.recordCount);
        batch.resequence(this.producerId, this.producerEpoch, baseSequence);
      }
    }
  }
}

/** Kafka's DefaultRecordBatch.incrementSequence: wraps from 2^31 - 1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > sequenceMax - increment) return increment - (sequenceMax - sequence) - 1;
  return sequence + increment;
}
