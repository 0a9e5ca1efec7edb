/**
 * The records of one HTTP produce request, encoded straight from the parsed JSON into one
 * record batch v2 per partition: no key, value or record object is made per record (the Kafka
 * encoder's RecordInput path costs a Buffer per key and value and an object per record, which
 * made HTTP produce several times the broker CPU of Kafka produce per record).
 *
 * Pass one (measure) walks the records once: it checks what the route's JSON schema cannot
 * (a string value under text and base64, base64 that decodes, a partition the topic has),
 * picks each record's partition (Kafka's default partitioner), and sizes each record into
 * typed arrays. Every refusal (400, 404, 413) happens here, before anything is allocated.
 * Pass two (write) allocates each partition's batch at its exact size and writes every record
 * into it, then the header and the CRC.
 *
 * Bytes written (record-batch-header.ts and record.ts draw both layouts in full):
 *
 *   offset  width  field
 *   0       8      baseOffset            0: the log assigns offsets in place
 *   8       4      batchLength           bytes after this field
 *   12      4      partitionLeaderEpoch  -1
 *   16      1      magic                 2
 *   17      4      crc                   CRC-32C of attributes .. end, computed last
 *   21      2      attributes            0: no compression, CreateTime, not transactional
 *   23      4      lastOffsetDelta       recordCount - 1
 *   27      8      baseTimestamp         the partition's first record's timestamp
 *   35      8      maxTimestamp
 *   43      8      producerId            -1 (not idempotent)
 *   51      2      producerEpoch         -1
 *   53      4      baseSequence          -1
 *   57      4      recordCount
 *   61      ...    records, each: length varint, attributes int8 0, timestampDelta varlong,
 *                  offsetDelta varint, keyLength varint (-1 null) and key, valueLength varint
 *                  (-1 null) and value, headerCount varint, then per header keyLength varint
 *                  and UTF-8 key, valueLength varint (-1 null) and value
 *
 * Varints are zigzag-encoded, as Kafka's ByteUtils.writeVarint.
 */
import {
  ATTRIBUTES_OFFSET,
  assert,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  keyPartition,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  varIntSizeBytes,
  varLongSizeBytes,
  writeBatchCrc,
  writeInt64At,
} from '@cairn/protocol';
import { httpKeyScratchBytesMax } from '../constants.js';
import type { Topic } from '../topics/topic-registry.js';
import { httpError } from './http-errors.js';
import { checkBase64 } from './record-formats.js';
import type { RecordFormat } from './schemas.js';

/** A record as the produce route's schema lets it through. */
export interface ProducedRecord {
  key?: string | null;
  value: unknown;
  headers?: Array<{ key: string; value?: string | null }>;
  partition?: number;
  timestamp?: number;
}

/** One partition's batch, ready for appendPartition. */
export interface PartitionBatch {
  readonly partition: number;
  readonly batch: Buffer;
}

export interface ProduceBatches {
  /** In the order their partitions first appear among the records. */
  readonly batches: PartitionBatch[];
  /** Per record, in request order: the index of its batch in `batches`. */
  readonly batchOf: Int32Array;
  /** Per record: its offset in its batch (its offset is the batch's baseOffset plus this). */
  readonly offsetDeltaOf: Int32Array;
  /** Bytes of every batch, for the quotas. */
  readonly sizeBytes: number;
}

/** A batch being measured, then written. */
interface BatchPlan {
  partition: number;
  recordCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
  /** Bytes of the records section (after the 61-byte header). */
  recordsBytes: number;
  buffer: Buffer;
  position: number;
}

/** What pass one measured of every record, by record index. */
interface Measured {
  readonly plans: BatchPlan[];
  readonly batchOf: Int32Array;
  readonly offsetDeltaOf: Int32Array;
  /** Bytes of the record after its length varint; -1 bytes mean null (keys, values). */
  readonly bodyBytesOf: Int32Array;
  readonly keyBytesOf: Int32Array;
  readonly valueBytesOf: Int32Array;
  /** The value as it is stored: the JSON text under json, the given string otherwise. */
  readonly valueTexts: Array<string | null>;
  readonly now: number;
}

/** The zigzag varint of -1: a null key, value or header value. */
const NULL_LENGTH_VARINT = 1;
const int32Min = -(2 ** 31);
const int32Max = 2 ** 31 - 1;

/** A plan's buffer until pass one has sized it. */
const unallocated = Buffer.alloc(0);

/** Key bytes for murmur2, reused (one request at a time runs this synchronously). */
let keyScratch = Buffer.allocUnsafe(1024);

/**
 * Groups `records` by partition and encodes one batch per partition. Unkeyed records without
 * a partition go to `stickyPartition`. Throws HttpError 400 (INVALID_RECORD), 404 (no such
 * partition) or 413 (a batch over the topic's max.message.bytes) before anything is encoded.
 */
export function encodeProduceBatches(
  topic: Topic,
  records: readonly ProducedRecord[],
  format: RecordFormat,
  stickyPartition: number,
): ProduceBatches {
  const measured = measureRecords(topic, records, format, stickyPartition);
  let sizeBytes = 0;
  for (const plan of measured.plans) {
    const batchBytes = RECORD_BATCH_OVERHEAD + plan.recordsBytes;
    const { maxMessageBytes } = topic.partitions[plan.partition]!.config;
    if (batchBytes > maxMessageBytes) {
      throw httpError(
        413,
        'MESSAGE_TOO_LARGE',
        `the ${plan.recordCount} records for partition ${plan.partition} make a batch of ` +
          `${batchBytes} bytes, more than the topic's max.message.bytes=${maxMessageBytes}`,
      );
    }
    plan.buffer = Buffer.allocUnsafe(batchBytes);
    plan.position = RECORDS_OFFSET;
    sizeBytes += batchBytes;
  }
  writeRecords(records, format, measured);
  const batches = measured.plans.map((plan) => {
    assert(plan.position === plan.buffer.length, `batch of ${plan.buffer.length} bytes`);
    writeHeader(plan);
    return { partition: plan.partition, batch: plan.buffer };
  });
  return { batches, batchOf: measured.batchOf, offsetDeltaOf: measured.offsetDeltaOf, sizeBytes };
}

function measureRecords(
  topic: Topic,
  records: readonly ProducedRecord[],
  format: RecordFormat,
  stickyPartition: number,
): Measured {
  const recordCount = records.length;
  const partitionCount = topic.partitions.length;
  const measured: Measured = {
    plans: [],
    batchOf: new Int32Array(recordCount),
    offsetDeltaOf: new Int32Array(recordCount),
    bodyBytesOf: new Int32Array(recordCount),
    keyBytesOf: new Int32Array(recordCount),
    valueBytesOf: new Int32Array(recordCount),
    valueTexts: new Array<string | null>(recordCount),
    now: Date.now(),
  };
  const planIndexOf = new Map<number, number>();
  let lastPartition = -1;
  let lastPlanIndex = -1;
  for (let index = 0; index < recordCount; index++) {
    const record = records[index]!;
    const key = record.key ?? null;
    const keyBytes = key === null ? -1 : textBytes(key, format, index, 'key');
    let partition = record.partition;
    if (partition === undefined) {
      partition = key === null ? stickyPartition : hashPartition(key, format, partitionCount);
    } else if (partition >= partitionCount) {
      throw httpError(
        404,
        'UNKNOWN_TOPIC_OR_PARTITION',
        `records[${index}]: topic '${topic.name}' has no partition ${partition} ` +
          `(it has ${partitionCount})`,
      );
    }
    const valueText = storedValue(record.value, format, index);
    const valueBytes = valueText === null ? -1 : textBytes(valueText, format, index, 'value');
    const timestamp = record.timestamp ?? measured.now;
    if (partition !== lastPartition) {
      let planIndex = planIndexOf.get(partition);
      if (planIndex === undefined) {
        planIndex = measured.plans.push(newPlan(partition, timestamp)) - 1;
        planIndexOf.set(partition, planIndex);
      }
      lastPartition = partition;
      lastPlanIndex = planIndex;
    }
    const plan = measured.plans[lastPlanIndex]!;
    const offsetDelta = plan.recordCount++;
    if (timestamp > plan.maxTimestamp) plan.maxTimestamp = timestamp;
    const bodyBytes =
      1 +
      varLongSizeBytes(timestamp - plan.baseTimestamp) +
      varIntSizeBytes(offsetDelta) +
      lengthPrefixedBytes(keyBytes) +
      lengthPrefixedBytes(valueBytes) +
      headersBytes(record, format, index);
    plan.recordsBytes += varIntSizeBytes(bodyBytes) + bodyBytes;
    measured.batchOf[index] = lastPlanIndex;
    measured.offsetDeltaOf[index] = offsetDelta;
    measured.bodyBytesOf[index] = bodyBytes;
    measured.keyBytesOf[index] = keyBytes;
    measured.valueBytesOf[index] = valueBytes;
    measured.valueTexts[index] = valueText;
  }
  return measured;
}

function newPlan(partition: number, baseTimestamp: number): BatchPlan {
  return {
    partition,
    recordCount: 0,
    baseTimestamp,
    maxTimestamp: baseTimestamp,
    recordsBytes: 0,
    buffer: unallocated,
    position: 0,
  };
}

/** The text stored as the value: JSON under json, the string itself under text and base64. */
function storedValue(value: unknown, format: RecordFormat, index: number): string | null {
  if (value === null) return null;
  if (format === 'json') return JSON.stringify(value);
  if (typeof value !== 'string') {
    throw httpError(
      400,
      'INVALID_RECORD',
      `records[${index}].value must be a string or null under valueFormat ${format}`,
    );
  }
  return value;
}

/** Bytes `text` stands for: UTF-8, or the bytes it decodes to under base64 (checked). */
function textBytes(text: string, format: RecordFormat, index: number, field: string): number {
  if (format !== 'base64') return Buffer.byteLength(text, 'utf8');
  checkBase64(text, `records[${index}].${field}`);
  return Buffer.byteLength(text, 'base64');
}

/** Kafka's default partitioner for a keyed record: murmur2 of the key bytes. */
function hashPartition(key: string, format: RecordFormat, partitionCount: number): number {
  const encoding = format === 'base64' ? 'base64' : 'utf8';
  const keyBytes = Buffer.byteLength(key, encoding);
  if (keyBytes > httpKeyScratchBytesMax)
    return keyPartition(Buffer.from(key, encoding), partitionCount);
  if (keyBytes > keyScratch.length) {
    keyScratch = Buffer.allocUnsafe(Math.min(keyBytes * 2, httpKeyScratchBytesMax));
  }
  const written = keyScratch.write(key, 0, encoding);
  return keyPartition(keyScratch.subarray(0, written), partitionCount);
}

function lengthPrefixedBytes(bytes: number): number {
  return bytes < 0 ? NULL_LENGTH_VARINT : varIntSizeBytes(bytes) + bytes;
}

/** The headers section: the count varint, then each header's key and value. */
function headersBytes(record: ProducedRecord, format: RecordFormat, index: number): number {
  const headers = record.headers;
  if (headers === undefined || headers.length === 0) return varIntSizeBytes(0);
  let sizeBytes = varIntSizeBytes(headers.length);
  for (let headerIndex = 0; headerIndex < headers.length; headerIndex++) {
    const header = headers[headerIndex]!;
    sizeBytes += lengthPrefixedBytes(Buffer.byteLength(header.key, 'utf8'));
    const value = header.value ?? null;
    const field = `headers[${headerIndex}].value`;
    sizeBytes += lengthPrefixedBytes(value === null ? -1 : textBytes(value, format, index, field));
  }
  return sizeBytes;
}

function writeRecords(
  records: readonly ProducedRecord[],
  format: RecordFormat,
  measured: Measured,
): void {
  const encoding = format === 'base64' ? 'base64' : 'utf8';
  const { plans, batchOf, offsetDeltaOf, bodyBytesOf, keyBytesOf, valueBytesOf } = measured;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    const plan = plans[batchOf[index]!]!;
    const buffer = plan.buffer;
    const bodyBytes = bodyBytesOf[index]!;
    let position = writeVarIntAt(buffer, bodyBytes, plan.position);
    const bodyStart = position;
    buffer[position++] = 0; // attributes
    const timestamp = record.timestamp ?? measured.now;
    position = writeVarLongAt(buffer, timestamp - plan.baseTimestamp, position);
    position = writeVarIntAt(buffer, offsetDeltaOf[index]!, position);
    position = writeText(buffer, record.key ?? null, keyBytesOf[index]!, encoding, position);
    const value = measured.valueTexts[index]!;
    position = writeText(buffer, value, valueBytesOf[index]!, encoding, position);
    position = writeHeaders(buffer, record, encoding, position);
    // Per record: the message is built only on failure.
    if (position - bodyStart !== bodyBytes) {
      assert(false, `record ${index}: sized ${bodyBytes} bytes, wrote ${position - bodyStart}`);
    }
    plan.position = position;
  }
}

function writeHeaders(
  buffer: Buffer,
  record: ProducedRecord,
  encoding: 'utf8' | 'base64',
  position: number,
): number {
  const headers = record.headers;
  if (headers === undefined) return writeVarIntAt(buffer, 0, position);
  let at = writeVarIntAt(buffer, headers.length, position);
  for (const header of headers) {
    at = writeText(buffer, header.key, Buffer.byteLength(header.key, 'utf8'), 'utf8', at);
    const value = header.value ?? null;
    const valueBytes = value === null ? -1 : Buffer.byteLength(value, encoding);
    at = writeText(buffer, value, valueBytes, encoding, at);
  }
  return at;
}

/** A length varint (-1 for null) and the bytes of `text`; returns the position after. */
function writeText(
  buffer: Buffer,
  text: string | null,
  sizeBytes: number,
  encoding: 'utf8' | 'base64',
  position: number,
): number {
  if (text === null) return writeVarIntAt(buffer, -1, position);
  const at = writeVarIntAt(buffer, sizeBytes, position);
  // Without a length (the buffer's rest, which the text was sized to fit): Node's write takes
  // a faster path then, ~40% less per record than with one.
  const written = buffer.write(text, at, encoding);
  if (written !== sizeBytes) assert(false, `wrote ${written} bytes of ${sizeBytes}`);
  return at + written;
}

function writeHeader(plan: BatchPlan): void {
  const { buffer } = plan;
  writeInt64At(buffer, 0, BASE_OFFSET_OFFSET);
  buffer.writeInt32BE(buffer.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  buffer.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  buffer.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  buffer.writeInt16BE(0, ATTRIBUTES_OFFSET);
  buffer.writeInt32BE(plan.recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64At(buffer, plan.baseTimestamp, BASE_TIMESTAMP_OFFSET);
  writeInt64At(buffer, plan.maxTimestamp, MAX_TIMESTAMP_OFFSET);
  writeInt64At(buffer, NO_PRODUCER_ID, PRODUCER_ID_OFFSET);
  buffer.writeInt16BE(NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  buffer.writeInt32BE(NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  buffer.writeInt32BE(plan.recordCount, RECORD_COUNT_OFFSET);
  writeBatchCrc(buffer);
}

/** A zigzag varint of an int32 at `position`; returns the position after it. */
function writeVarIntAt(buffer: Buffer, value: number, position: number): number {
  let remaining = ((value << 1) ^ (value >> 31)) >>> 0;
  let at = position;
  while (remaining > 0x7f) {
    buffer[at++] = (remaining & 0x7f) | 0x80;
    remaining >>>= 7;
  }
  buffer[at++] = remaining;
  return at;
}

/** A zigzag varlong of a safe integer; int32 values (every usual delta) take the int path. */
function writeVarLongAt(buffer: Buffer, value: number, position: number): number {
  if (value >= int32Min && value <= int32Max) return writeVarIntAt(buffer, value, position);
  const big = BigInt(value);
  let remaining = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
  let at = position;
  while (remaining > 0x7fn) {
    buffer[at++] = Number(remaining & 0x7fn) | 0x80;
    remaining >>= 7n;
  }
  buffer[at++] = Number(remaining);
  return at;
}
