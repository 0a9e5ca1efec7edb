/**
 * The record batch v2 header (magic 2), read and patched in place without decoding records.
 * Layout from Kafka's DefaultRecordBatch.java; all integers big-endian:
 *
 *   offset  width  field
 *   0       8      baseOffset            first offset of the batch (assigned by the broker)
 *   8       4      batchLength           bytes after this field, to the end of the batch
 *   12      4      partitionLeaderEpoch
 *   16      1      magic                 2
 *   17      4      crc                   CRC-32C (Castagnoli) of attributes .. end of batch
 *   21      2      attributes            bits 0-2 compression, 3 timestamp type,
 *                                        4 transactional, 5 control, 6 delete horizon
 *   23      4      lastOffsetDelta       offset of the last record minus baseOffset
 *   27      8      baseTimestamp         first timestamp (or delete horizon when bit 6 is set)
 *   35      8      maxTimestamp
 *   43      8      producerId            -1 when not idempotent
 *   51      2      producerEpoch
 *   53      4      baseSequence
 *   57      4      recordCount
 *   61      ...    records (compressed as a whole when compression != none)
 *
 * The CRC does not cover baseOffset, batchLength or partitionLeaderEpoch, so the broker can
 * assign offsets by writing baseOffset in place and store the batch exactly as it came.
 */
import { crc32c } from '@node-rs/crc32';
import { kafkaError } from './error-codes.js';
import { readInt64At } from './reader.js';
import { writeInt64At } from './writer.js';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = BASE_OFFSET_OFFSET + 8;
export const PARTITION_LEADER_EPOCH_OFFSET = BATCH_LENGTH_OFFSET + 4;
export const MAGIC_OFFSET = PARTITION_LEADER_EPOCH_OFFSET + 4;
export const CRC_OFFSET = MAGIC_OFFSET + 1;
export const ATTRIBUTES_OFFSET = CRC_OFFSET + 4;
export const LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + 2;
export const BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + 4;
export const MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + 8;
export const PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + 8;
export const PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + 8;
export const BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + 2;
export const RECORD_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + 4;
export const RECORDS_OFFSET = RECORD_COUNT_OFFSET + 4;

/** Bytes of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** Bytes before batchLength counts: baseOffset and batchLength themselves. */
export const LOG_OVERHEAD = BATCH_LENGTH_OFFSET + 4;

export const CURRENT_MAGIC = 2;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCode = (typeof CompressionType)[keyof typeof CompressionType];

export const TimestampType = { createTime: 0, logAppendTime: 1 } as const;

export function readBaseOffset(batch: Buffer, position = 0): number {
  return readInt64At(batch, position + BASE_OFFSET_OFFSET);
}

export function writeBaseOffset(batch: Buffer, baseOffset: number, position = 0): void {
  writeInt64At(batch, baseOffset, position + BASE_OFFSET_OFFSET);
}

export function readBatchLength(batch: Buffer, position = 0): number {
  return batch.readInt32BE(position + BATCH_LENGTH_OFFSET);
}

/** Whole size of the batch in bytes: batchLength plus the 12 bytes before it counts. */
export function readBatchSizeBytes(batch: Buffer, position = 0): number {
  return readBatchLength(batch, position) + LOG_OVERHEAD;
}

export function readPartitionLeaderEpoch(batch: Buffer, position = 0): number {
  return batch.readInt32BE(position + PARTITION_LEADER_EPOCH_OFFSET);
}

export function readMagic(batch: Buffer, position = 0): number {
  return batch.readInt8(position + MAGIC_OFFSET);
}

export function readCrc(batch: Buffer, position = 0): number {
  return batch.readUInt32BE(position + CRC_OFFSET);
}

export function readAttributes(batch: Buffer, position = 0): number {
  return batch.readInt16BE(position + ATTRIBUTES_OFFSET);
}

export function readCompression(batch: Buffer, position = 0): number {
  return readAttributes(batch, position) & COMPRESSION_MASK;
}

export function readTimestampType(batch: Buffer, position = 0): number {
  return (readAttributes(batch, position) & TIMESTAMP_TYPE_MASK) === 0
    ? TimestampType.createTime
    : TimestampType.logAppendTime;
}

export function isTransactional(batch: Buffer, position = 0): boolean {
  return (readAttributes(batch, position) & TRANSACTIONAL_MASK) !== 0;
}

export function isControl(batch: Buffer, position = 0): boolean {
  return (readAttributes(batch, position) & CONTROL_MASK) !== 0;
}

export function readLastOffsetDelta(batch: Buffer, position = 0): number {
  return batch.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
}

export function readLastOffset(batch: Buffer, position = 0): number {
  return readBaseOffset(batch, position) + readLastOffsetDelta(batch, position);
}

export function readBaseTimestamp(batch: Buffer, position = 0): number {
  return readInt64At(batch, position + BASE_TIMESTAMP_OFFSET);
}

export function readMaxTimestamp(batch: Buffer, position = 0): number {
  return readInt64At(batch, position + MAX_TIMESTAMP_OFFSET);
}

export function readProducerId(batch: Buffer, position = 0): number {
  return readInt64At(batch, position + PRODUCER_ID_OFFSET);
}

export function readProducerEpoch(batch: Buffer, position = 0): number {
  return batch.readInt16BE(position + PRODUCER_EPOCH_OFFSET);
}

export function readBaseSequence(batch: Buffer, position = 0): number {
  return batch.readInt32BE(position + BASE_SEQUENCE_OFFSET);
}

export function readRecordCount(batch: Buffer, position = 0): number {
  return batch.readInt32BE(position + RECORD_COUNT_OFFSET);
}

/** CRC-32C of attributes .. end of the batch that starts at `position`. */
export function computeBatchCrc(batch: Buffer, position = 0): number {
  const end = position + readBatchSizeBytes(batch, position);
  return crc32c(batch.subarray(position + ATTRIBUTES_OFFSET, end)) >>> 0;
}

/**
 * Recomputes and stores the CRC after an in-place change to covered fields (attributes,
 * timestamps): LogAppendTime topics rewrite maxTimestamp and so the CRC.
 */
export function writeBatchCrc(batch: Buffer, position = 0): void {
  batch.writeUInt32BE(computeBatchCrc(batch, position), position + CRC_OFFSET);
}

export type BatchProblem =
  | 'truncated_header'
  | 'length_too_small'
  | 'truncated_batch'
  | 'bad_magic'
  | 'bad_crc'
  | 'bad_record_count';

/**
 * Checks the batch at `position` shallowly (length, magic, CRC, counts) against `end`.
 * Returns the first problem found, or null when the batch is whole and its CRC matches.
 * Never throws: recovery scans untrusted file tails with it.
 */
export function findBatchProblem(
  batch: Buffer,
  position = 0,
  end = batch.length,
): BatchProblem | null {
  if (end - position < RECORD_BATCH_OVERHEAD) return 'truncated_header';
  const batchLength = readBatchLength(batch, position);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return 'length_too_small';
  if (batchLength + LOG_OVERHEAD > end - position) return 'truncated_batch';
  if (readMagic(batch, position) !== CURRENT_MAGIC) return 'bad_magic';
  if (computeBatchCrc(batch, position) !== readCrc(batch, position)) return 'bad_crc';
  const recordCount = readRecordCount(batch, position);
  const lastOffsetDelta = readLastOffsetDelta(batch, position);
  if (recordCount < 0 || lastOffsetDelta < 0) return 'bad_record_count';
  return null;
}

const problemMessages: Record<BatchProblem, string> = {
  truncated_header: 'fewer bytes than a batch header',
  length_too_small: 'batchLength smaller than a batch header',
  truncated_batch: 'batchLength runs past the end of the data',
  bad_magic: 'magic is not 2',
  bad_crc: 'CRC-32C does not match',
  bad_record_count: 'negative record count or lastOffsetDelta',
};

/** Throws CORRUPT_MESSAGE naming the problem, position and values unless the batch is valid. */
export function validateBatch(batch: Buffer, position = 0, end = batch.length): void {
  const problem = findBatchProblem(batch, position, end);
  if (problem !== null) {
    throw kafkaError(
      'CORRUPT_MESSAGE',
      `record batch at byte ${position}: ${problemMessages[problem]} ` +
        `(${problemValues(problem, batch, position, end)})`,
    );
  }
}

/** The numbers that disagree, for the message; only reads what findBatchProblem checked. */
function problemValues(problem: BatchProblem, batch: Buffer, position: number, end: number) {
  const available = `${end - position} bytes available`;
  switch (problem) {
    case 'truncated_header':
      return `${available}, a header is ${RECORD_BATCH_OVERHEAD}`;
    case 'length_too_small':
      return `batchLength ${readBatchLength(batch, position)}`;
    case 'truncated_batch':
      return `batchLength ${readBatchLength(batch, position)} + ${LOG_OVERHEAD}, ${available}`;
    case 'bad_magic':
      return `magic ${readMagic(batch, position)}`;
    case 'bad_crc':
      return (
        `stored 0x${hex32(readCrc(batch, position))}, ` +
        `computed 0x${hex32(computeBatchCrc(batch, position))}`
      );
    case 'bad_record_count':
      return (
        `recordCount ${readRecordCount(batch, position)}, ` +
        `lastOffsetDelta ${readLastOffsetDelta(batch, position)}`
      );
  }
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/**
 * Splits a records field holding one or more whole batches back to back into their start
 * positions, validating each. Throws CORRUPT_MESSAGE on the first bad one.
 */
export function batchPositions(records: Buffer): number[] {
  const positions: number[] = [];
  let position = 0;
  while (position < records.length) {
    validateBatch(records, position);
    positions.push(position);
    position += readBatchSizeBytes(records, position);
  }
  return positions;
}
