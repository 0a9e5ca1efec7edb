/**
 * A whole record batch v2 (magic 2): the 61-byte header drawn in record-batch-header.ts, then
 * the records (record.ts), compressed as one block when the attributes name a codec:
 *
 *   offset  width  field
 *   0       61     header                baseOffset .. recordCount (RECORDS_OFFSET = 61)
 *   61      ...    records               recordCount records back to back, or their
 *                                        compressed form (compression.ts)
 *
 * Offsets and timestamps follow Kafka's DefaultRecordBatch: a record's offset is baseOffset +
 * offsetDelta; its timestamp is baseTimestamp + timestampDelta under CreateTime and the batch's
 * maxTimestamp under LogAppendTime. (When the delete-horizon bit is set, baseTimestamp holds
 * the horizon and the deltas are relative to it, so the rule is the same.) The encoder takes
 * the first record's timestamp as baseTimestamp, as Kafka's MemoryRecordsBuilder does.
 *
 * Decoding checks before it trusts: length, magic and CRC first (validateBatch), then the
 * codec, the decompressed size, the record count against the bytes, every record's length and
 * offsetDelta, and that no bytes are left over. Every failure is a KafkaError
 * (CORRUPT_MESSAGE, or UNSUPPORTED_COMPRESSION_TYPE for zstd without Node's support) naming
 * the batch's position and the values that disagree. Decoded keys and values are views into
 * `batch` (or into the decompressed records), not copies.
 */
import { assert } from './assert.js';
import { compress, compressionName, decompress } from './compression.js';
import { isKafkaError, type KafkaError, kafkaError } from './error-codes.js';
import { isProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import {
  type DecodedRecord,
  decodeRecord,
  encodeRecord,
  RECORD_BYTES_MIN,
  type RecordContext,
  type RecordInput,
  recordSizeBytes,
} from './record.js';
import {
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_MASK,
  type CompressionCode,
  CompressionType,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  RECORDS_OFFSET,
  readAttributes,
  readBaseOffset,
  readBaseSequence,
  readBaseTimestamp,
  readBatchLength,
  readCrc,
  readLastOffsetDelta,
  readMagic,
  readMaxTimestamp,
  readPartitionLeaderEpoch,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
  TIMESTAMP_TYPE_MASK,
  TimestampType,
  TRANSACTIONAL_MASK,
  validateBatch,
  writeBatchCrc,
} from './record-batch-header.js';
import { Writer } from './writer.js';

export type { DecodedRecord, RecordHeader, RecordInput } from './record.js';

/** Kafka's RecordBatch.NO_TIMESTAMP: the timestamps of a batch with no records. */
export const NO_TIMESTAMP = -1;

const int32Max = 2 ** 31 - 1;
const int16Max = 2 ** 15 - 1;

export interface RecordBatchInput {
  records: RecordInput[];
  /** 0 unless given: the broker assigns offsets by rewriting it in place. */
  baseOffset?: number;
  compression?: CompressionCode;
  timestampType?: 0 | 1;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  isTransactional?: boolean;
  isControl?: boolean;
}

export interface DecodedRecordBatch {
  baseOffset: number;
  lastOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  records: DecodedRecord[];
}

/** The per-batch values the encoder derives from its records. */
interface BatchPlan {
  now: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
}

/**
 * Encodes a complete batch with its CRC, into one buffer sized exactly for the uncompressed
 * form; with a codec the records section is compressed as a whole and written over itself.
 * Defaults are Kafka's producer defaults: no producer id, epoch or sequence (-1), no partition
 * leader epoch (-1), CreateTime, no compression. A batch of no records gets lastOffsetDelta 0
 * and NO_TIMESTAMP. Throws INVALID_RECORD or INVALID_TIMESTAMP for input outside the format's
 * ranges (offsetDelta not an increasing int32, a timestamp not a safe integer, ...), and
 * UNSUPPORTED_COMPRESSION_TYPE for zstd on a Node without it. The result is a view of the
 * writer's buffer, so a compressed batch keeps its uncompressed-size allocation alive.
 */
export function encodeRecordBatch(input: RecordBatchInput): Buffer {
  checkBatchInput(input);
  const plan = planBatch(input.records, Date.now());
  const compression = input.compression ?? CompressionType.none;
  const recordsBytes = recordsSizeBytes(input.records, plan);
  const writer = new Writer(RECORD_BATCH_OVERHEAD + recordsBytes);
  writeHeader(writer, input, plan);
  writeRecords(writer, input.records, plan);
  assert(writer.position === RECORDS_OFFSET + recordsBytes, `batch of ${writer.position} bytes`);
  if (compression !== CompressionType.none) compressRecordsInPlace(writer, compression);
  writer.patchInt32(BATCH_LENGTH_OFFSET, writer.position - LOG_OVERHEAD);
  const batch = writer.finish();
  writeBatchCrc(batch);
  return batch;
}

/**
 * Decodes the batch that starts at `position` of `batch`; bytes after it are not looked at
 * (its batchLength + LOG_OVERHEAD says where the next one starts). Throws CORRUPT_MESSAGE or
 * UNSUPPORTED_COMPRESSION_TYPE, never a RangeError.
 */
export function decodeRecordBatch(batch: Buffer, position = 0): DecodedRecordBatch {
  assert(Number.isSafeInteger(position) && position >= 0, `batch position ${position}`);
  validateBatch(batch, position);
  const header = decodeHeaderAt(batch, position);
  const reader = recordsReader(batch, position, header);
  return { ...header, records: decodeRecords(reader, position, header) };
}

/** Decodes whole batches back to back, as in a produce request or a fetch response. */
export function decodeRecordBatches(records: Buffer): DecodedRecordBatch[] {
  const batches: DecodedRecordBatch[] = [];
  let position = 0;
  while (position < records.length) {
    const decoded = decodeRecordBatch(records, position);
    batches.push(decoded);
    position += decoded.batchLength + LOG_OVERHEAD;
  }
  return batches;
}

function checkBatchInput(input: RecordBatchInput): void {
  checkInteger('baseOffset', input.baseOffset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('producerId', input.producerId ?? NO_PRODUCER_ID, -1, Number.MAX_SAFE_INTEGER);
  checkInteger('producerEpoch', input.producerEpoch ?? NO_PRODUCER_EPOCH, -1, int16Max);
  checkInteger('baseSequence', input.baseSequence ?? NO_SEQUENCE, -1, int32Max);
  checkInteger(
    'partitionLeaderEpoch',
    input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    -1,
    int32Max,
  );
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw kafkaError('INVALID_RECORD', `${field} ${value} is outside [${min}, ${max}]`);
  }
}

/** Timestamps and offset deltas of the batch, checked against the format's ranges. */
function planBatch(records: readonly RecordInput[], now: number): BatchPlan {
  const first = records[0];
  if (first === undefined) {
    return { now, baseTimestamp: NO_TIMESTAMP, maxTimestamp: NO_TIMESTAMP, lastOffsetDelta: 0 };
  }
  const baseTimestamp = first.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  let lastOffsetDelta = -1;
  records.forEach((record, index) => {
    const timestamp = record.timestamp ?? now;
    checkTimestamp(timestamp, baseTimestamp, index);
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    const offsetDelta = record.offsetDelta ?? index;
    if (
      !Number.isInteger(offsetDelta) ||
      offsetDelta <= lastOffsetDelta ||
      offsetDelta > int32Max
    ) {
      throw kafkaError(
        'INVALID_RECORD',
        `record ${index}: offsetDelta ${offsetDelta} must be an int32 above ${lastOffsetDelta}`,
      );
    }
    lastOffsetDelta = offsetDelta;
  });
  return { now, baseTimestamp, maxTimestamp, lastOffsetDelta };
}

function checkTimestamp(timestamp: number, baseTimestamp: number, index: number): void {
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(timestamp - baseTimestamp)) {
    throw kafkaError(
      'INVALID_TIMESTAMP',
      `record ${index}: timestamp ${timestamp} (baseTimestamp ${baseTimestamp}) is not a safe ` +
        'integer of milliseconds',
    );
  }
}

function recordsSizeBytes(records: readonly RecordInput[], plan: BatchPlan): number {
  let sizeBytes = 0;
  records.forEach((record, index) => {
    const timestampDelta = (record.timestamp ?? plan.now) - plan.baseTimestamp;
    sizeBytes += recordSizeBytes(record, record.offsetDelta ?? index, timestampDelta);
  });
  return sizeBytes;
}

function writeHeader(writer: Writer, input: RecordBatchInput, plan: BatchPlan): void {
  writer.writeInt64(input.baseOffset ?? 0);
  writer.reserveInt32(); // batchLength, patched once the records are written
  writer.writeInt32(input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  writer.writeInt8(CURRENT_MAGIC);
  writer.reserveInt32(); // crc, computed over attributes .. end last
  writer.writeInt16(batchAttributes(input));
  writer.writeInt32(plan.lastOffsetDelta);
  writer.writeInt64(plan.baseTimestamp);
  writer.writeInt64(plan.maxTimestamp);
  writer.writeInt64(input.producerId ?? NO_PRODUCER_ID);
  writer.writeInt16(input.producerEpoch ?? NO_PRODUCER_EPOCH);
  writer.writeInt32(input.baseSequence ?? NO_SEQUENCE);
  writer.writeInt32(input.records.length);
  assert(writer.position === RECORDS_OFFSET, `batch header of ${writer.position} bytes`);
}

function batchAttributes(input: RecordBatchInput): number {
  let attributes = input.compression ?? CompressionType.none;
  if (input.timestampType === TimestampType.logAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (input.isTransactional === true) attributes |= TRANSACTIONAL_MASK;
  if (input.isControl === true) attributes |= CONTROL_MASK;
  return attributes;
}

function writeRecords(writer: Writer, records: readonly RecordInput[], plan: BatchPlan): void {
  records.forEach((record, index) => {
    const timestampDelta = (record.timestamp ?? plan.now) - plan.baseTimestamp;
    encodeRecord(writer, record, record.offsetDelta ?? index, timestampDelta);
  });
}

/** Replaces the records section, already written, by its compressed form. */
function compressRecordsInPlace(writer: Writer, compression: CompressionCode): void {
  const compressed = compress(compression, writer.finish().subarray(RECORDS_OFFSET));
  writer.position = RECORDS_OFFSET;
  writer.writeRaw(compressed);
}

type DecodedHeader = Omit<DecodedRecordBatch, 'records'>;

function decodeHeader(batch: Buffer, position: number): DecodedHeader {
  const baseOffset = readBaseOffset(batch, position);
  const lastOffsetDelta = readLastOffsetDelta(batch, position);
  const attributes = readAttributes(batch, position);
  return {
    baseOffset,
    lastOffset: safeLastOffset(baseOffset, lastOffsetDelta),
    batchLength: readBatchLength(batch, position),
    partitionLeaderEpoch: readPartitionLeaderEpoch(batch, position),
    magic: readMagic(batch, position),
    crc: readCrc(batch, position),
    attributes,
    compression: attributes & COMPRESSION_MASK,
    timestampType:
      (attributes & TIMESTAMP_TYPE_MASK) === 0
        ? TimestampType.createTime
        : TimestampType.logAppendTime,
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    lastOffsetDelta,
    baseTimestamp: readBaseTimestamp(batch, position),
    maxTimestamp: readMaxTimestamp(batch, position),
    producerId: readProducerId(batch, position),
    producerEpoch: readProducerEpoch(batch, position),
    baseSequence: readBaseSequence(batch, position),
    recordCount: readRecordCount(batch, position),
  };
}

function safeLastOffset(baseOffset: number, lastOffsetDelta: number): number {
  const lastOffset = baseOffset + lastOffsetDelta;
  if (!Number.isSafeInteger(lastOffset)) {
    throw kafkaError(
      'CORRUPT_MESSAGE',
      `baseOffset ${baseOffset} + lastOffsetDelta ${lastOffsetDelta} is beyond 2^53`,
    );
  }
  return lastOffset;
}

/** A reader over the records: in place when uncompressed, else over their decompressed form. */
function recordsReader(batch: Buffer, position: number, header: DecodedHeader): Reader {
  const start = position + RECORDS_OFFSET;
  const end = position + header.batchLength + LOG_OVERHEAD;
  if (header.compression === CompressionType.none) return new Reader(batch, start, end);
  if (header.compression > CompressionType.zstd) {
    throw batchError(
      position,
      `attributes 0x${header.attributes.toString(16)} name compression code ` +
        `${header.compression}, which is not Kafka's`,
    );
  }
  try {
    return new Reader(decompress(header.compression, batch.subarray(start, end)));
  } catch (error) {
    throw isKafkaError(error) ? withBatchPosition(error, position) : error;
  }
}

function decodeRecords(reader: Reader, position: number, header: DecodedHeader): DecodedRecord[] {
  const { recordCount, lastOffsetDelta } = header;
  if (recordCount > reader.remaining / RECORD_BYTES_MIN) {
    throw batchError(
      position,
      `recordCount ${recordCount} needs at least ${recordCount * RECORD_BYTES_MIN} bytes, ` +
        `${recordsDescription(reader, header)} has ${reader.remaining}`,
    );
  }
  const context: RecordContext = {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    logAppendTime:
      header.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : null,
  };
  const records = new Array<DecodedRecord>(recordCount);
  let previousDelta = -1;
  for (let index = 0; index < recordCount; index++) {
    const record = decodeRecordAt(reader, context, position, header, index);
    // Offsets rise within the batch and stay within [baseOffset, lastOffset].
    if (record.offsetDelta <= previousDelta || record.offsetDelta > lastOffsetDelta) {
      throw batchError(
        position,
        `${recordLabel(reader, header, index)}: offsetDelta ${record.offsetDelta} is not ` +
          `above the previous ${previousDelta} and at most lastOffsetDelta ${lastOffsetDelta}`,
      );
    }
    previousDelta = record.offsetDelta;
    records[index] = record;
  }
  if (reader.remaining !== 0) {
    throw batchError(
      position,
      `${recordCount} records end at byte ${reader.position} of ` +
        `${recordsDescription(reader, header)}; ${reader.remaining} bytes are left over`,
    );
  }
  return records;
}

/** decodeRecord, with a ProtocolError turned into CORRUPT_MESSAGE naming the record. */
function decodeRecordAt(
  reader: Reader,
  context: RecordContext,
  position: number,
  header: DecodedHeader,
  index: number,
): DecodedRecord {
  try {
    return decodeRecord(reader, context);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw batchError(position, `${recordLabel(reader, header, index)}: ${error.message}`);
  }
}

function recordLabel(reader: Reader, header: DecodedHeader, index: number): string {
  return `record ${index} of ${header.recordCount} in ${recordsDescription(reader, header)}`;
}

function recordsDescription(reader: Reader, header: DecodedHeader): string {
  return header.compression === CompressionType.none
    ? 'the batch'
    : `the ${compressionName(header.compression)}-decompressed records (${reader.end} bytes)`;
}

/** The header's int64 fields, with ProtocolError (beyond 2^53) as CORRUPT_MESSAGE. */
function decodeHeaderAt(batch: Buffer, position: number): DecodedHeader {
  try {
    return decodeHeader(batch, position);
  } catch (error) {
    if (isProtocolError(error)) throw batchError(position, `header: ${error.message}`);
    if (isKafkaError(error)) throw withBatchPosition(error, position);
    throw error;
  }
}

function batchError(position: number, problem: string): KafkaError {
  return kafkaError('CORRUPT_MESSAGE', `record batch at byte ${position}: ${problem}`);
}

function withBatchPosition(error: KafkaError, position: number): KafkaError {
  return kafkaError(error.errorName, `record batch at byte ${position}: ${error.message}`);
}
