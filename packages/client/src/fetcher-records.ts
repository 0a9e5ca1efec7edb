/**
 * What a fetch brings back for one partition, read in two steps:
 *
 * - scanFetchedBatches walks only the batch headers, so the fetcher knows at once where the
 *   next fetch starts (lastOffset + 1 of the last whole batch) and how many bytes are whole
 *   batches: a broker may cut the last batch short at the size limit (Kafka does; Cairn sends
 *   whole batches), and that tail is dropped and fetched again.
 * - decodeMessages runs when the application consumes the chunk: it checks each batch's CRC,
 *   skips control batches (transaction markers) and records before the fetch offset (a
 *   compressed batch is always sent whole, so the first one may start before it), inflates
 *   compressed batches, and reads each record's offset, timestamp, key and value positions
 *   into a ConsumerMessage (headers stay undecoded until asked for).
 *
 * Batch header: record-batch-header.ts. Record layout (Kafka's DefaultRecord):
 *   length          varint   bytes of the rest of the record
 *   attributes      int8     unused
 *   timestampDelta  varlong  from the batch's baseTimestamp
 *   offsetDelta     varint   from the batch's baseOffset
 *   keyLength       varint   -1 = null key
 *   key             bytes
 *   valueLength     varint   -1 = null value
 *   value           bytes
 *   headers         varint count, then [keyLength varint, key, valueLength varint, value]
 *
 * Varints are read here with plain number arithmetic rather than through the protocol
 * package's Reader (whose varlong goes through BigInt): this is the consumer's hot loop.
 * Every read is bounds-checked against the record; bad bytes give CORRUPT_MESSAGE.
 */
import {
  COMPRESSION_MASK,
  CompressionType,
  decompress,
  isControl,
  kafkaError,
  RECORD_BATCH_OVERHEAD,
  RECORDS_OFFSET,
  readAttributes,
  readBaseOffset,
  readBaseTimestamp,
  readBatchSizeBytes,
  readLastOffsetDelta,
  readMaxTimestamp,
  readRecordCount,
  TIMESTAMP_TYPE_MASK,
  validateBatch,
} from '@cairn/protocol';
import { ConsumerMessage } from './consumer-message.js';

export interface ScannedBatches {
  /** Where the next fetch starts: after the last whole batch, or the fetch offset if none. */
  nextOffset: number;
  /** Bytes of whole batches from the start of the records; a cut-short tail is left out. */
  wholeBytes: number;
}

/** Walks batch headers only (no CRC, no records); see the file comment. */
export function scanFetchedBatches(records: Buffer, fetchOffset: number): ScannedBatches {
  let position = 0;
  let nextOffset = fetchOffset;
  while (records.length - position >= RECORD_BATCH_OVERHEAD) {
    const sizeBytes = readBatchSizeBytes(records, position);
    if (sizeBytes < RECORD_BATCH_OVERHEAD || sizeBytes > records.length - position) break;
    const lastOffset = readBaseOffset(records, position) + readLastOffsetDelta(records, position);
    if (lastOffset + 1 > nextOffset) nextOffset = lastOffset + 1;
    position += sizeBytes;
  }
  return { nextOffset, wholeBytes: position };
}

/**
 * Appends to `messages` the records of `records` (whole batches, as scanFetchedBatches cut
 * them) with offsets from `fromOffset` on. Throws CORRUPT_MESSAGE (a bad CRC or record) or
 * UNSUPPORTED_COMPRESSION_TYPE; messages decoded before the bad batch stay appended.
 */
export function decodeMessages(
  topic: string,
  partition: number,
  records: Buffer,
  fromOffset: number,
  messages: ConsumerMessage[],
): void {
  let position = 0;
  while (position < records.length) {
    validateBatch(records, position);
    const sizeBytes = readBatchSizeBytes(records, position);
    const lastOffset = readBaseOffset(records, position) + readLastOffsetDelta(records, position);
    if (lastOffset >= fromOffset && !isControl(records, position)) {
      decodeBatch(topic, partition, records, position, fromOffset, messages);
    }
    position += sizeBytes;
  }
}

/** The batch fields every record of it needs. */
interface BatchContext {
  topic: string;
  partition: number;
  baseOffset: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp under LogAppendTime, else -1 (use the record's own). */
  logAppendTime: number;
  fromOffset: number;
}

function decodeBatch(
  topic: string,
  partition: number,
  records: Buffer,
  position: number,
  fromOffset: number,
  messages: ConsumerMessage[],
): void {
  const attributes = readAttributes(records, position);
  const compression = attributes & COMPRESSION_MASK;
  const start = position + RECORDS_OFFSET;
  const end = position + readBatchSizeBytes(records, position);
  const context: BatchContext = {
    topic,
    partition,
    baseOffset: readBaseOffset(records, position),
    baseTimestamp: readBaseTimestamp(records, position),
    logAppendTime:
      (attributes & TIMESTAMP_TYPE_MASK) === 0 ? -1 : readMaxTimestamp(records, position),
    fromOffset,
  };
  const recordCount = readRecordCount(records, position);
  if (compression === CompressionType.none) {
    decodeRecords(context, records, start, end, recordCount, messages);
  } else {
    const inflated = decompress(compression, records.subarray(start, end));
    decodeRecords(context, inflated, 0, inflated.length, recordCount, messages);
  }
}

/** The read position of the varint readers below; decoding is synchronous, so one suffices. */
let cursor = 0;

/**
 * The records of one batch, in bytes[start, end). Messages hold positions in the ArrayBuffer
 * under `bytes`, so that a key or value view is made from them directly (buffer-view.ts).
 */
function decodeRecords(
  context: BatchContext,
  bytes: Buffer,
  start: number,
  end: number,
  recordCount: number,
  messages: ConsumerMessage[],
): void {
  const arrayBuffer = bytes.buffer;
  const base = bytes.byteOffset;
  cursor = start;
  for (let index = 0; index < recordCount; index++) {
    const bodyBytes = readVarInt(bytes, end);
    const bodyStart = cursor;
    const recordEnd = bodyStart + bodyBytes;
    if (bodyBytes < 1 || recordEnd > end) throw corrupt(context, index, 'length');
    cursor += 1; // attributes
    const timestampDelta = readVarLong(bytes, recordEnd);
    const offset = context.baseOffset + readVarInt(bytes, recordEnd);
    if (offset < context.fromOffset) {
      cursor = recordEnd;
      continue;
    }
    const keyLength = readVarInt(bytes, recordEnd);
    const keyStart = cursor;
    cursor += skipLength(context, index, keyLength, recordEnd);
    const valueLength = readVarInt(bytes, recordEnd);
    const valueStart = cursor;
    cursor += skipLength(context, index, valueLength, recordEnd);
    if (cursor >= recordEnd) throw corrupt(context, index, 'header count');
    const timestamp =
      context.logAppendTime === -1 ? context.baseTimestamp + timestampDelta : context.logAppendTime;
    messages[messages.length] = new ConsumerMessage(
      context.topic,
      context.partition,
      offset,
      timestamp,
      arrayBuffer,
      base + keyStart,
      keyLength,
      base + valueStart,
      valueLength,
      base + cursor,
      base + recordEnd,
    );
    cursor = recordEnd;
  }
  if (cursor !== end) throw corrupt(context, recordCount, `${end - cursor} bytes left over`);
}

/** The bytes a key or value takes; a null one (-1) takes none. */
function skipLength(context: BatchContext, index: number, length: number, end: number): number {
  if (length === -1) return 0;
  if (length < -1 || cursor + length > end) throw corrupt(context, index, `length ${length}`);
  return length;
}

function readVarInt(bytes: Buffer, end: number): number {
  let raw = 0;
  let shift = 0;
  for (;;) {
    if (cursor >= end) throw kafkaError('CORRUPT_MESSAGE', 'record varint runs past its end');
    const byte = bytes[cursor++] as number;
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) return (raw >>> 1) ^ -(raw & 1);
    shift += 7;
    if (shift > 28) throw kafkaError('CORRUPT_MESSAGE', 'record varint longer than 5 bytes');
  }
}

/** A zigzag varlong as a number; exact up to 2^53, which any real timestamp delta is within. */
function readVarLong(bytes: Buffer, end: number): number {
  let raw = 0;
  let multiplier = 1;
  for (let byteCount = 1; ; byteCount++) {
    if (cursor >= end) throw kafkaError('CORRUPT_MESSAGE', 'record varlong runs past its end');
    const byte = bytes[cursor++] as number;
    raw += (byte & 0x7f) * multiplier;
    if (byte < 0x80) break;
    multiplier *= 128;
    if (byteCount === 10) throw kafkaError('CORRUPT_MESSAGE', 'record varlong over 10 bytes');
  }
  if (raw > Number.MAX_SAFE_INTEGER) {
    throw kafkaError('CORRUPT_MESSAGE', `record varlong ${raw} is beyond 2^53`);
  }
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

function corrupt(context: BatchContext, index: number, what: string): Error {
  return kafkaError(
    'CORRUPT_MESSAGE',
    `${context.topic}-${context.partition} batch at offset ${context.baseOffset}, record ` +
      `${index}: bad ${what}`,
  );
}
