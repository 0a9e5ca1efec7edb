// Builds idempotent record batches for the producer-state tests with the protocol's encoder.
import { encodeRecordBatch, writeBaseOffset } from '@cairn/protocol';

export interface IdempotentBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount?: number;
  baseOffset?: number;
  timestamp?: number;
  isTransactional?: boolean;
}

export function idempotentBatch(batch: IdempotentBatch): Buffer {
  const records = Array.from({ length: batch.recordCount ?? 1 }, (_, index) => ({
    key: null,
    value: Buffer.from(`value-${batch.baseSequence}-${index}`),
    timestamp: batch.timestamp ?? 1_700_000_000_000,
  }));
  const encoded = encodeRecordBatch({
    records,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional ?? false,
  });
  // The CRC does not cover baseOffset, so the broker (and this helper) writes it in place.
  writeBaseOffset(encoded, batch.baseOffset ?? 0);
  return encoded;
}
