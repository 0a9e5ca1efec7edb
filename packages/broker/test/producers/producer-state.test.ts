// Proves ProducerState accepts in-order batches, answers retries of the last 5 with their
// original offsets, and refuses gaps, old retries and fenced epochs with Kafka's error codes,
// by driving check/update as the produce path does over real encoded batch headers.
import {
  BASE_SEQUENCE_OFFSET,
  type ErrorName,
  isKafkaError,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PRODUCER_ID_OFFSET,
  writeBatchCrc,
} from '@cairn/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ProducerCheck, ProducerState } from '../../src/producers/producer-state.js';
import { sequenceMax } from '../../src/producers/sequence.js';
import { type IdempotentBatch, idempotentBatch } from './batches.js';

/** A partition reduced to what the produce path does: check, assign offsets, update. */
class Partition {
  readonly producers: ProducerState;
  logEndOffset = 0;

  constructor(producersMax?: number) {
    this.producers = new ProducerState('test-0', producersMax);
  }

  /** Returns the verdict and the baseOffset the producer is answered with. */
  produce(spec: IdempotentBatch): { verdict: ProducerCheck; baseOffset: number } {
    const batch = idempotentBatch(spec);
    const verdict = this.producers.check(batch);
    if (verdict.kind === 'duplicate') return { verdict, baseOffset: verdict.batch.baseOffset };
    const recordCount = spec.recordCount ?? 1;
    const baseOffset = this.logEndOffset;
    this.logEndOffset += recordCount;
    this.producers.update(batch, baseOffset, baseOffset + recordCount - 1);
    return { verdict, baseOffset };
  }
}

function expectKafkaError(run: () => unknown, name: ErrorName): void {
  try {
    run();
  } catch (error) {
    if (!isKafkaError(error)) throw error;
    expect(error.errorName).toBe(name);
    return;
  }
  expect.fail(`expected ${name}`);
}

const producer = { producerId: 7, producerEpoch: 0 };

describe('ProducerState', () => {
  it('appends batches in sequence order and remembers the last 5', () => {
    const partition = new Partition();
    for (let index = 0; index < 7; index += 1) {
      const { verdict, baseOffset } = partition.produce({
        ...producer,
        baseSequence: index * 3,
        recordCount: 3,
      });
      expect(verdict.kind).toBe('append');
      expect(baseOffset).toBe(index * 3);
    }
    const entry = partition.producers.entry(7);
    expect(entry?.producerEpoch).toBe(0);
    expect(entry?.lastSequence).toBe(20);
    expect(entry?.batches.map((batch) => batch.baseSequence)).toEqual([6, 9, 12, 15, 18]);
    expect(entry?.batches[4]).toEqual({
      baseSequence: 18,
      lastSequence: 20,
      baseOffset: 18,
      lastOffset: 20,
      maxTimestamp: 1_700_000_000_000,
    });
  });

  it('answers a retry of any of the last 5 batches with its original offsets', () => {
    const partition = new Partition();
    partition.produce({ producerId: 99, producerEpoch: 0, baseSequence: 0, recordCount: 4 });
    for (let index = 0; index < 5; index += 1) {
      partition.produce({ ...producer, baseSequence: index * 2, recordCount: 2 });
    }
    const endBefore = partition.logEndOffset;
    for (let index = 0; index < 5; index += 1) {
      const { verdict, baseOffset } = partition.produce({
        ...producer,
        baseSequence: index * 2,
        recordCount: 2,
      });
      expect(verdict.kind).toBe('duplicate');
      expect(baseOffset).toBe(4 + index * 2);
      if (verdict.kind === 'duplicate') expect(verdict.batch.lastOffset).toBe(5 + index * 2);
    }
    expect(partition.logEndOffset).toBe(endBefore);
  });

  it('refuses a retry older than the last 5 with OUT_OF_ORDER_SEQUENCE_NUMBER, as Kafka', () => {
    const partition = new Partition();
    for (let sequence = 0; sequence < 6; sequence += 1) {
      partition.produce({ ...producer, baseSequence: sequence });
    }
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 0 }),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expect(partition.produce({ ...producer, baseSequence: 1 }).verdict.kind).toBe('duplicate');
  });

  it('refuses a gap, and a batch overlapping the last one', () => {
    const partition = new Partition();
    partition.produce({ ...producer, baseSequence: 0, recordCount: 5 });
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 6 }),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 3, recordCount: 4 }),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expect(partition.produce({ ...producer, baseSequence: 5 }).verdict.kind).toBe('append');
  });

  it('fences an older epoch with INVALID_PRODUCER_EPOCH', () => {
    const partition = new Partition();
    partition.produce({ producerId: 7, producerEpoch: 3, baseSequence: 0 });
    expectKafkaError(
      () => partition.produce({ producerId: 7, producerEpoch: 2, baseSequence: 1 }),
      'INVALID_PRODUCER_EPOCH',
    );
    // A retry from the old epoch is fenced too, not answered as a duplicate.
    expectKafkaError(
      () => partition.produce({ producerId: 7, producerEpoch: 2, baseSequence: 0 }),
      'INVALID_PRODUCER_EPOCH',
    );
  });

  it('starts a new epoch at sequence 0 and forgets the old epoch', () => {
    const partition = new Partition();
    partition.produce({ ...producer, baseSequence: 0, recordCount: 10 });
    expectKafkaError(
      () => partition.produce({ producerId: 7, producerEpoch: 1, baseSequence: 10 }),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expect(partition.produce({ producerId: 7, producerEpoch: 1, baseSequence: 0 }).verdict).toEqual(
      { kind: 'append' },
    );
    const entry = partition.producers.entry(7);
    expect(entry?.producerEpoch).toBe(1);
    expect(entry?.batches).toHaveLength(1);
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 10 }),
      'INVALID_PRODUCER_EPOCH',
    );
  });

  it('wraps sequences from 2^31 - 1 to 0', () => {
    const partition = new Partition();
    partition.produce({ ...producer, baseSequence: sequenceMax - 4, recordCount: 3 });
    const wrapping = { ...producer, baseSequence: sequenceMax - 1, recordCount: 4 };
    expect(partition.produce(wrapping).verdict.kind).toBe('append');
    expect(partition.producers.entry(7)?.lastSequence).toBe(1);
    expect(partition.produce(wrapping).verdict.kind).toBe('duplicate');
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 3 }),
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    expect(partition.produce({ ...producer, baseSequence: 2 }).verdict.kind).toBe('append');
  });

  it('accepts a producer it does not know at any epoch and sequence, as Kafka 2.5+', () => {
    const partition = new Partition();
    expect(
      partition.produce({ producerId: 1, producerEpoch: 4, baseSequence: 77 }).verdict,
    ).toEqual({ kind: 'append' });
    expect(partition.producers.entry(1)?.lastSequence).toBe(77);
  });

  it('lets batches without a producer id through and keeps no state for them', () => {
    const partition = new Partition();
    const plain = {
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      baseSequence: NO_SEQUENCE,
    };
    expect(partition.produce(plain).verdict.kind).toBe('append');
    expect(partition.produce(plain).verdict.kind).toBe('append');
    expect(partition.producers.producerCount).toBe(0);
  });

  it('refuses transactional batches and negative sequences', () => {
    const partition = new Partition();
    expectKafkaError(
      () => partition.produce({ ...producer, baseSequence: 0, isTransactional: true }),
      'INVALID_REQUEST',
    );
    const batch = idempotentBatch({ ...producer, baseSequence: 0 });
    batch.writeInt32BE(-5, BASE_SEQUENCE_OFFSET);
    writeBatchCrc(batch);
    expectKafkaError(() => partition.producers.check(batch), 'INVALID_RECORD');
  });

  it('refuses a producer id beyond 2^53, which Cairn never hands out', () => {
    const batch = idempotentBatch({ ...producer, baseSequence: 0 });
    batch.writeBigInt64BE(2n ** 60n, PRODUCER_ID_OFFSET);
    expectKafkaError(() => new ProducerState('test-0').check(batch), 'UNKNOWN_PRODUCER_ID');
  });

  it('appends every sequence exactly once however the last 5 batches are retried', () => {
    const send = fc.record({
      retry: fc.constant(false),
      recordCount: fc.integer({ min: 1, max: 9 }),
    });
    const retry = fc.record({ retry: fc.constant(true), recentIndex: fc.nat(4) });
    fc.assert(
      fc.property(fc.array(fc.oneof(send, retry), { maxLength: 60 }), (actions) => {
        const partition = new Partition();
        const sent: { baseSequence: number; recordCount: number; baseOffset: number }[] = [];
        let nextSequence = 0;
        for (const action of actions) {
          if ('recentIndex' in action) {
            const original = sent[sent.length - 1 - action.recentIndex];
            if (original === undefined) continue;
            const { verdict, baseOffset } = partition.produce({ ...producer, ...original });
            expect(verdict.kind).toBe('duplicate');
            expect(baseOffset).toBe(original.baseOffset);
          } else {
            const spec = { baseSequence: nextSequence, recordCount: action.recordCount };
            const { verdict, baseOffset } = partition.produce({ ...producer, ...spec });
            expect(verdict.kind).toBe('append');
            sent.push({ ...spec, baseOffset });
            nextSequence += action.recordCount;
          }
        }
        // Sequence n landed at offset n: nothing was appended twice or skipped.
        expect(partition.logEndOffset).toBe(nextSequence);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('forgets the least recently appending producer past producersMax', () => {
    const partition = new Partition(2);
    partition.produce({ producerId: 1, producerEpoch: 0, baseSequence: 0 });
    partition.produce({ producerId: 2, producerEpoch: 0, baseSequence: 0 });
    partition.produce({ producerId: 1, producerEpoch: 0, baseSequence: 1 });
    partition.produce({ producerId: 3, producerEpoch: 0, baseSequence: 0 });
    expect([...partition.producers.entries()].map((entry) => entry.producerId)).toEqual([1, 3]);
    // Producer 2 is unknown now: accepted at any sequence, as after Kafka's expiration.
    expect(
      partition.produce({ producerId: 2, producerEpoch: 0, baseSequence: 9 }).verdict.kind,
    ).toBe('append');
  });
});
