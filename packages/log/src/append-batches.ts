/**
 * The two steps an append takes before its bytes reach the writer (header layout in
 * @cairn/protocol's record-batch-header.ts, records in record.ts):
 *
 * 1. `checkAppend` validates every batch and throws before anything is written: length, magic
 *    and CRC-32C (validateBatch: CORRUPT_MESSAGE), recordCount equal to lastOffsetDelta + 1 and
 *    above 0 (Kafka's LogValidator: INVALID_RECORD), each batch within max.message.bytes
 *    (MESSAGE_TOO_LARGE) and the whole append within segment.bytes (RECORD_LIST_TOO_LARGE).
 *    Then the records of each batch are walked, not decoded (validateBatchRecords: INVALID_RECORD
 *    when they do not parse, as Kafka's DefaultRecord.readFrom), so no consumer ever meets a
 *    batch it cannot read; a compressed batch is decompressed for the walk.
 * 2. `assignOffsets` writes baseOffset into each header in place (the CRC does not cover it)
 *    and, for LogAppendTime, sets the timestamp-type bit and maxTimestamp and rewrites the CRC.
 */
import {
  ATTRIBUTES_OFFSET,
  isKafkaError,
  isProtocolError,
  kafkaError,
  MAX_TIMESTAMP_OFFSET,
  readAttributes,
  readBaseTimestamp,
  readBatchSizeBytes,
  readLastOffsetDelta,
  readMaxTimestamp,
  readRecordCount,
  TIMESTAMP_TYPE_MASK,
  validateBatch,
  validateBatchRecords,
  writeBaseOffset,
  writeBatchCrc,
  writeInt64At,
} from '@cairn/protocol';
import type { LogConfig } from './config.js';
import { batchBytesMax } from './constants.js';

export interface AppendShape {
  batchCount: number;
  /** Offsets the append takes: the sum of lastOffsetDelta + 1 over its batches. */
  offsetCount: number;
}

/** Validates `records` (whole batches back to back) for an append; throws a KafkaError. */
export function checkAppend(records: Buffer, config: LogConfig, name: string): AppendShape {
  if (records.length === 0) throw kafkaError('INVALID_RECORD', `${name}: no record batch`);
  if (records.length > config.segmentBytes) {
    throw kafkaError(
      'RECORD_LIST_TOO_LARGE',
      `${name}: ${records.length} bytes of batches exceed segment.bytes ${config.segmentBytes}`,
    );
  }
  const maxBatchBytes = Math.min(config.maxMessageBytes, batchBytesMax);
  let batchCount = 0;
  let offsetCount = 0;
  for (let position = 0; position < records.length; ) {
    validateBatch(records, position);
    const sizeBytes = readBatchSizeBytes(records, position);
    if (sizeBytes > maxBatchBytes) {
      throw kafkaError(
        'MESSAGE_TOO_LARGE',
        `${name}: the batch at byte ${position} has ${sizeBytes} bytes, over ` +
          `max.message.bytes ${maxBatchBytes}`,
      );
    }
    checkTimestamps(records, position, name);
    const recordCount = readRecordCount(records, position);
    const lastOffsetDelta = readLastOffsetDelta(records, position);
    if (recordCount <= 0 || recordCount !== lastOffsetDelta + 1) {
      throw kafkaError(
        'INVALID_RECORD',
        `${name}: the batch at byte ${position} has recordCount ${recordCount} but ` +
          `lastOffsetDelta ${lastOffsetDelta}`,
      );
    }
    checkRecords(records, position, name);
    batchCount += 1;
    offsetCount += recordCount;
    position += sizeBytes;
  }
  return { batchCount, offsetCount };
}

/** The records of the batch at `position` parse (INVALID_RECORD, CORRUPT_MESSAGE if not). */
function checkRecords(records: Buffer, position: number, name: string): void {
  try {
    validateBatchRecords(records, position);
  } catch (error) {
    if (!isKafkaError(error)) throw error;
    throw kafkaError(error.errorName, `${name}: ${error.message}`);
  }
}

/** Timestamps beyond 2^53 ms cannot be held as numbers: INVALID_TIMESTAMP before any write. */
function checkTimestamps(records: Buffer, position: number, name: string): void {
  try {
    readBaseTimestamp(records, position);
    readMaxTimestamp(records, position);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw kafkaError(
      'INVALID_TIMESTAMP',
      `${name}: the batch at byte ${position}: ${error.message}`,
    );
  }
}

/**
 * Stamps offsets from `baseOffset` into every batch in place; with a `logAppendTime` also the
 * LogAppendTime type and maxTimestamp, and the CRC they change. Returns the last offset.
 */
export function assignOffsets(
  records: Buffer,
  baseOffset: number,
  logAppendTime: number | null,
): number {
  let nextOffset = baseOffset;
  for (let position = 0; position < records.length; ) {
    writeBaseOffset(records, nextOffset, position);
    if (logAppendTime !== null) {
      const attributes = readAttributes(records, position) | TIMESTAMP_TYPE_MASK;
      records.writeInt16BE(attributes, position + ATTRIBUTES_OFFSET);
      writeInt64At(records, logAppendTime, position + MAX_TIMESTAMP_OFFSET);
      writeBatchCrc(records, position);
    }
    nextOffset += readLastOffsetDelta(records, position) + 1;
    position += readBatchSizeBytes(records, position);
  }
  return nextOffset - 1;
}
