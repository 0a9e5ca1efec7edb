/**
 * One record inside a v2 record batch (Kafka's DefaultRecord.java). After the length every
 * field is variable width, so a field starts where the one before it ends:
 *
 *   field               width          meaning
 *   length              varint 1-5     bytes of the record after this field (the body)
 *   attributes          int8   1       unused by Kafka, written as 0
 *   timestampDelta      varlong 1-10   timestamp minus the batch's baseTimestamp
 *   offsetDelta         varint 1-5     offset minus the batch's baseOffset
 *   keyLength           varint 1-5     -1 = null key
 *   key                 keyLength
 *   valueLength         varint 1-5     -1 = null value
 *   value               valueLength
 *   headerCount         varint 1-5
 *   headers             headerCount times:
 *     headerKeyLength   varint 1-5     never null
 *     headerKey         UTF-8
 *     headerValueLength varint 1-5     -1 = null value
 *     headerValue       headerValueLength
 *
 * Varints are zigzag-encoded (reader.ts). Decoded keys, values and header values are views
 * into the buffer being read, not copies.
 */
import { assert } from './assert.js';
import { ProtocolError } from './protocol-error.js';
import type { Reader } from './reader.js';
import { varIntSizeBytes, varLongSizeBytes, type Writer } from './writer.js';

/** Smallest widths: the attributes byte and five one-byte varints (timestampDelta .. count). */
export const RECORD_BODY_BYTES_MIN = 1 + 5;
/** The smallest whole record: a one-byte length and the smallest body. */
export const RECORD_BYTES_MIN = 1 + RECORD_BODY_BYTES_MIN;
/** The smallest header: an empty key and a null value, one varint each. */
export const RECORD_HEADER_BYTES_MIN = 2;

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record to encode; the batch supplies the defaults (see encodeRecordBatch). */
export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; defaults to Date.now() when the batch is encoded. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  offsetDelta: number;
  timestampDelta: number;
  attributes: number;
}

/** What a record needs from its batch to turn deltas into offsets and timestamps. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp when its timestampType is LogAppendTime, otherwise null. */
  logAppendTime: number | null;
}

const noHeaders: readonly RecordHeader[] = [];

/** Bytes of the record body: everything after the length varint. */
export function recordBodySizeBytes(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
): number {
  const headers = record.headers ?? noHeaders;
  let size =
    1 +
    varLongSizeBytes(timestampDelta) +
    varIntSizeBytes(offsetDelta) +
    varIntBytesSizeBytes(record.key ?? null) +
    varIntBytesSizeBytes(record.value) +
    varIntSizeBytes(headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key);
    size += varIntSizeBytes(keyBytes) + keyBytes + varIntBytesSizeBytes(header.value);
  }
  return size;
}

/** Bytes of the whole record, length varint included. */
export function recordSizeBytes(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
): number {
  const bodyBytes = recordBodySizeBytes(record, offsetDelta, timestampDelta);
  return varIntSizeBytes(bodyBytes) + bodyBytes;
}

/**
 * Writes one record. The deltas come from the batch; the caller checks that offsetDelta is
 * an int32 and timestampDelta a safe integer (the writer asserts the latter).
 */
export function encodeRecord(
  writer: Writer,
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
): void {
  const bodyBytes = recordBodySizeBytes(record, offsetDelta, timestampDelta);
  writer.writeVarInt(bodyBytes);
  const bodyStart = writer.position;
  writer.writeInt8(0);
  writer.writeVarLong(timestampDelta);
  writer.writeVarInt(offsetDelta);
  writer.writeVarIntBytes(record.key ?? null);
  writer.writeVarIntBytes(record.value);
  const headers = record.headers ?? noHeaders;
  writer.writeVarInt(headers.length);
  for (const header of headers) {
    writer.writeVarIntString(header.key);
    writer.writeVarIntBytes(header.value);
  }
  const written = writer.position - bodyStart;
  assert(written === bodyBytes, `record body: sized ${bodyBytes} bytes, wrote ${written}`);
}

/**
 * Reads one record at the reader's position. Throws ProtocolError when the bytes do not
 * form a record whose fields fill exactly its declared length (Kafka's "Invalid record
 * size"), or when an offset or timestamp leaves the safe integer range.
 */
export function decodeRecord(reader: Reader, context: RecordContext): DecodedRecord {
  const start = reader.position;
  const bodyBytes = reader.readVarInt();
  if (bodyBytes < RECORD_BODY_BYTES_MIN) {
    throw new ProtocolError(
      'invalid_value',
      `record at ${start}: length ${bodyBytes} < ${RECORD_BODY_BYTES_MIN}`,
    );
  }
  reader.need(bodyBytes);
  const bodyStart = reader.position;
  const end = bodyStart + bodyBytes;
  const attributes = reader.readInt8();
  const timestampDelta = reader.readVarLong();
  const offsetDelta = reader.readVarInt();
  const key = reader.readVarIntBytes();
  const value = reader.readVarIntBytes();
  const headers = readHeaders(reader, end);
  if (reader.position !== end) {
    throw new ProtocolError(
      'invalid_value',
      `record at ${start}: length ${bodyBytes} but its fields take ${reader.position - bodyStart}`,
    );
  }
  return {
    offset: safeSum(context.baseOffset, offsetDelta, 'offset', start),
    timestamp:
      context.logAppendTime ?? safeSum(context.baseTimestamp, timestampDelta, 'timestamp', start),
    key,
    value,
    headers,
    offsetDelta,
    timestampDelta,
    attributes,
  };
}

function readHeaders(reader: Reader, end: number): RecordHeader[] {
  const countPosition = reader.position;
  const count = reader.readVarInt();
  const countMax = Math.floor((end - reader.position) / RECORD_HEADER_BYTES_MIN);
  if (count < 0 || count > countMax) {
    throw new ProtocolError(
      count < 0 ? 'negative_length' : 'oversized',
      `header count ${count} at ${countPosition}: the record has room for ${Math.max(0, countMax)}`,
    );
  }
  const headers = new Array<RecordHeader>(count);
  for (let index = 0; index < count; index++) {
    headers[index] = { key: reader.readVarIntString(), value: reader.readVarIntBytes() };
  }
  return headers;
}

function varIntBytesSizeBytes(value: Buffer | null): number {
  return value === null ? 1 : varIntSizeBytes(value.length) + value.length;
}

function safeSum(base: number, delta: number, field: string, position: number): number {
  const sum = base + delta;
  if (!Number.isSafeInteger(sum)) {
    throw new ProtocolError(
      'unsafe_int64',
      `record at ${position}: ${field} ${base} + delta ${delta} is beyond 2^53`,
    );
  }
  return sum;
}
