/**
 * One record batch being built for one partition (Kafka's ProducerBatch + MemoryRecordsBuilder).
 * Records are encoded as they are appended, straight into one growing buffer that starts with
 * room for the 61-byte batch header (record-batch-header.ts); the header is written, the
 * records compressed and the CRC-32C computed once, when the batch is first sent (finish()).
 * The buffer comes from the producer's pool (producer-buffer-pool.ts) and goes back once the
 * batch is settled: requests send it by reference, so it must not be reused before then.
 *
 *   offset  width  field
 *   0       61     batch header          baseOffset 0, batchLength, partitionLeaderEpoch -1,
 *                                        magic 2, crc, attributes (codec), lastOffsetDelta,
 *                                        baseTimestamp, maxTimestamp, producerId,
 *                                        producerEpoch, baseSequence, recordCount
 *   61     ...    records               each as drawn in @cairn/protocol's record.ts:
 *                                        length varint, attributes 0, timestampDelta varlong,
 *                                        offsetDelta varint, key, value, headers
 *
 * The batch also remembers whose records it holds, as runs of consecutive records of one
 * ProducerCall (call, index in the call of the run's first record, its offsetDelta), so the
 * acknowledgement can give each record its offset without an object per record until then.
 *
 * Contract: append only before close(); finish() once, then the bytes are resent unchanged on
 * every retry (same sequence numbers, so the broker can drop duplicates), except that
 * resequence() may rewrite the producer fields and CRC before a new producer id is used.
 */
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  type CompressionCode,
  CompressionType,
  CURRENT_MAGIC,
  compress,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  varLongSizeBytes,
  writeBatchCrc,
  writeInt64At,
} from '@cairn/protocol';
import { batchInitialBytesMin, shortStringChars } from './constants.js';
import { type ProducerBufferPool, unpooled } from './producer-buffer-pool.js';
import type { ProducerCall } from './producer-call.js';
import type { ProducerRecord, RecordHeaders, RecordValue } from './producer-record.js';

export class ProducerBatch {
  /** Bytes of records and header so far; RECORDS_OFFSET when empty. */
  position = RECORDS_OFFSET;
  recordCount = 0;
  baseTimestamp = 0;
  maxTimestamp = 0;
  /** Runs of records of one call: parallel arrays (see the file comment). */
  readonly runCalls: ProducerCall[] = [];
  readonly runStarts: number[] = [];
  readonly runOffsetDeltas: number[] = [];
  private lastRunEnd = -1;

  /** Set by close(): no more appends. */
  closed = false;
  /** The finished batch, from finish(); resent unchanged on retries. */
  bytes: Buffer | undefined;
  baseSequence = -1;
  /** Order in which the partition's batches were first sent; retries keep it. */
  sendOrder = -1;
  attempts = 0;
  /** Bytes this batch holds against the producer's bufferBytes. */
  accountedBytes = 0;
  /** Set once the batch is acknowledged or failed; later answers for it are ignored. */
  done = false;
  private buffer: Buffer;
  private doneWaiters: (() => void)[] | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    capacityBytes: number,
    /** Where the buffer comes from and goes back to once the batch is settled. */
    private readonly pool: ProducerBufferPool = unpooled,
  ) {
    this.buffer = pool.allocate(Math.max(RECORDS_OFFSET + 64, capacityBytes));
  }

  /**
   * The first allocation of a batch limited to `batchBytes` that expects about `hintBytes` of
   * records: small for a lone record (linger 0, one record per send), the whole batch for a
   * call with many. A record larger than the allocation grows it (grow()).
   */
  static initialCapacity(batchBytes: number, hintBytes: number): number {
    const wanted = Math.max(batchInitialBytesMin, RECORDS_OFFSET + hintBytes);
    return Math.min(Math.max(batchBytes, batchInitialBytesMin), wanted);
  }

  get isEmpty(): boolean {
    return this.recordCount === 0;
  }

  /**
   * Encodes `record` at the end of the batch unless the batch would pass `limitBytes`; an empty
   * batch takes any record. Returns the bytes added, or 0 when the record did not fit.
   */
  tryAppend(
    record: ProducerRecord,
    timestamp: number,
    call: ProducerCall,
    indexInCall: number,
    limitBytes: number,
  ): number {
    const key = record.key ?? null;
    const value = record.value;
    const keyBytes = byteLengthOf(key);
    const valueBytes = byteLengthOf(value);
    const headers = record.headers;
    const headerCount = headers === undefined ? 0 : countHeaders(headers);
    const headerBytes = headerCount === 0 ? 0 : headersSizeBytes(headers!);
    const offsetDelta = this.recordCount;
    const timestampDelta = offsetDelta === 0 ? 0 : timestamp - this.baseTimestamp;
    const bodyBytes =
      1 +
      varLongSize(timestampDelta) +
      varIntSize(offsetDelta) +
      varIntSize(keyBytes) +
      Math.max(keyBytes, 0) +
      varIntSize(valueBytes) +
      Math.max(valueBytes, 0) +
      varIntSize(headerCount) +
      headerBytes;
    const recordBytes = varIntSize(bodyBytes) + bodyBytes;
    const end = this.position + recordBytes;
    if (offsetDelta > 0 && end > limitBytes) return 0;
    if (end > this.buffer.length) this.grow(end, limitBytes);

    const buffer = this.buffer;
    let position = writeVarInt(buffer, this.position, bodyBytes);
    buffer[position++] = 0; // attributes
    position = writeVarLong(buffer, position, timestampDelta);
    position = writeVarInt(buffer, position, offsetDelta);
    position = writeValue(buffer, position, key, keyBytes);
    position = writeValue(buffer, position, value, valueBytes);
    position = writeVarInt(buffer, position, headerCount);
    if (headerCount > 0) position = writeHeaders(buffer, position, headers!);
    if (position !== end) {
      throw new Error(`record encoding wrote ${position - this.position} of ${recordBytes} bytes`);
    }
    this.position = end;

    if (offsetDelta === 0) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
    }
    this.recordCount = offsetDelta + 1;
    this.addToRun(call, indexInCall, offsetDelta);
    return recordBytes;
  }

  /** Stops appends; the batch is then sent as it is. */
  close(): void {
    this.closed = true;
  }

  /**
   * Writes the header (with the producer's id, epoch and the batch's first sequence),
   * compresses the records and computes the CRC. Called once, when the batch is first sent.
   */
  finish(
    compression: CompressionCode,
    producerId: number,
    producerEpoch: number,
    baseSequence: number,
  ): Buffer {
    let batch = this.buffer.subarray(0, this.position);
    if (compression !== CompressionType.none) {
      const compressed = compress(compression, batch.subarray(RECORDS_OFFSET));
      const packed = Buffer.allocUnsafe(RECORDS_OFFSET + compressed.length);
      compressed.copy(packed, RECORDS_OFFSET);
      batch = packed;
      // The uncompressed records are not sent: their buffer can serve another batch now.
      this.pool.release(this.buffer);
      this.buffer = emptyBuffer;
    }
    writeInt64At(batch, 0, BASE_OFFSET_OFFSET);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
    batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
    batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
    batch.writeInt16BE(compression, ATTRIBUTES_OFFSET);
    batch.writeInt32BE(this.recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
    writeInt64At(batch, this.baseTimestamp, BASE_TIMESTAMP_OFFSET);
    writeInt64At(batch, this.maxTimestamp, MAX_TIMESTAMP_OFFSET);
    batch.writeInt32BE(this.recordCount, RECORD_COUNT_OFFSET);
    this.bytes = batch;
    this.resequence(producerId, producerEpoch, baseSequence);
    return batch;
  }

  /** Rewrites the producer fields and the CRC of a finished batch. */
  resequence(producerId: number, producerEpoch: number, baseSequence: number): void {
    const batch = this.bytes!;
    writeInt64At(batch, producerId, PRODUCER_ID_OFFSET);
    batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET);
    batch.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET);
    this.baseSequence = baseSequence;
    writeBatchCrc(batch);
  }

  /** Gives each record its offset and settles the calls whose last batch this was. */
  complete(baseOffset: number): void {
    if (this.done) return;
    const topic = this.topic;
    const partition = this.partition;
    const runCount = this.runCalls.length;
    for (let run = 0; run < runCount; run++) {
      const call = this.runCalls[run]!;
      const start = this.runStarts[run]!;
      const delta = this.runOffsetDeltas[run]!;
      const count =
        (run + 1 < runCount ? this.runOffsetDeltas[run + 1]! : this.recordCount) - delta;
      const results = call.results;
      for (let index = 0; index < count; index++) {
        const offset = baseOffset < 0 ? -1 : baseOffset + delta + index;
        results[start + index] = { topic, partition, offset };
      }
      if (run + 1 === runCount || this.runCalls[run + 1] !== call) call.batchDone();
    }
    this.settle();
  }

  /** Rejects every call with records in this batch. */
  fail(error: Error): void {
    if (this.done) return;
    const runCount = this.runCalls.length;
    for (let run = 0; run < runCount; run++) {
      const call = this.runCalls[run]!;
      if (run + 1 === runCount || this.runCalls[run + 1] !== call) call.fail(error);
    }
    this.settle();
  }

  /** Resolves when the batch is acknowledged or failed (for flush()). */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => {
      this.doneWaiters ??= [];
      this.doneWaiters.push(resolve);
    });
  }

  private settle(): void {
    this.done = true;
    // No request refers to the bytes any more (the answer came, or the connection is gone).
    this.pool.release(this.buffer);
    this.buffer = emptyBuffer;
    this.bytes = undefined;
    const waiters = this.doneWaiters;
    this.doneWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve();
  }

  private addToRun(call: ProducerCall, indexInCall: number, offsetDelta: number): void {
    const last = this.runCalls.length - 1;
    if (last >= 0 && this.runCalls[last] === call) {
      if (indexInCall === this.lastRunEnd) {
        this.lastRunEnd++;
        return;
      }
    } else {
      call.pendingBatches++;
    }
    this.runCalls.push(call);
    this.runStarts.push(indexInCall);
    this.runOffsetDeltas.push(offsetDelta);
    this.lastRunEnd = indexInCall + 1;
  }

  private grow(needBytes: number, limitBytes: number): void {
    const doubled = Math.min(this.buffer.length * 2, Math.max(limitBytes, needBytes));
    const grown = this.pool.allocate(Math.max(needBytes, doubled));
    this.buffer.copy(grown, 0, 0, this.position);
    this.pool.release(this.buffer);
    this.buffer = grown;
  }
}

const emptyBuffer = Buffer.alloc(0);

/** UTF-8 bytes of a key or value; -1 for null. */
function byteLengthOf(value: RecordValue | undefined): number {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'string') return utf8Length(value);
  return value.length;
}

/**
 * Buffer.byteLength(value, 'utf8'), measured in JS for a short ASCII string: a call into C++
 * costs more than looking at a few characters, and short string keys are common.
 */
function utf8Length(value: string): number {
  const length = value.length;
  if (length <= shortStringChars) {
    let index = 0;
    while (index < length && value.charCodeAt(index) < 0x80) index++;
    if (index === length) return length;
  }
  return Buffer.byteLength(value, 'utf8');
}

/** Writes the `byteCount` UTF-8 bytes of `value`; returns the position after them. */
function writeUtf8(buffer: Buffer, position: number, value: string, byteCount: number): number {
  // As many bytes as characters: ASCII, one byte per character.
  if (byteCount === value.length && byteCount <= shortStringChars) {
    for (let index = 0; index < byteCount; index++) {
      buffer[position + index] = value.charCodeAt(index);
    }
    return position + byteCount;
  }
  return position + buffer.write(value, position, byteCount, 'utf8');
}

function countHeaders(headers: RecordHeaders): number {
  if (isHeaderList(headers)) return headers.length;
  let count = 0;
  for (const key in headers) if (headers[key] !== undefined) count++;
  return count;
}

function isHeaderList(
  headers: RecordHeaders,
): headers is ReadonlyArray<{ readonly key: string; readonly value: RecordValue }> {
  return Array.isArray(headers);
}

function headerSizeBytes(key: string, value: RecordValue): number {
  const keyBytes = utf8Length(key);
  const valueBytes = byteLengthOf(value);
  return varIntSize(keyBytes) + keyBytes + varIntSize(valueBytes) + Math.max(0, valueBytes);
}

function headersSizeBytes(headers: RecordHeaders): number {
  let size = 0;
  if (isHeaderList(headers)) {
    for (const header of headers) size += headerSizeBytes(header.key, header.value);
    return size;
  }
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined) size += headerSizeBytes(key, value);
  }
  return size;
}

function writeHeaders(buffer: Buffer, position: number, headers: RecordHeaders): number {
  if (isHeaderList(headers)) {
    for (const header of headers)
      position = writeHeader(buffer, position, header.key, header.value);
    return position;
  }
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined) position = writeHeader(buffer, position, key, value);
  }
  return position;
}

function writeHeader(buffer: Buffer, position: number, key: string, value: RecordValue): number {
  const keyBytes = utf8Length(key);
  position = writeVarInt(buffer, position, keyBytes);
  position = writeUtf8(buffer, position, key, keyBytes);
  return writeValue(buffer, position, value, byteLengthOf(value));
}

/** A varint length (-1 for null) then the bytes. */
function writeValue(
  buffer: Buffer,
  position: number,
  value: RecordValue | undefined,
  byteCount: number,
): number {
  position = writeVarInt(buffer, position, byteCount);
  if (byteCount <= 0) return position;
  if (typeof value === 'string') return writeUtf8(buffer, position, value, byteCount);
  buffer.set(value!, position);
  return position + byteCount;
}

/** Bytes of a zigzag varint holding the int32 `value`. */
function varIntSize(value: number): number {
  const zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  if (zigzag < 0x80) return 1;
  if (zigzag < 0x4000) return 2;
  if (zigzag < 0x200000) return 3;
  if (zigzag < 0x10000000) return 4;
  return 5;
}

/** An int32 as a zigzag varint; returns the position after it. */
function writeVarInt(buffer: Buffer, position: number, value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag > 0x7f) {
    buffer[position++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  buffer[position++] = zigzag;
  return position;
}

/** Deltas within +-2^30 take the int32 path; larger ones (rare) the exact 64-bit one. */
const smallDeltaMax = 2 ** 30;

function varLongSize(value: number): number {
  if (value > -smallDeltaMax && value < smallDeltaMax) return varIntSize(value);
  return varLongSizeBytes(value);
}

function writeVarLong(buffer: Buffer, position: number, value: number): number {
  if (value > -smallDeltaMax && value < smallDeltaMax) return writeVarInt(buffer, position, value);
  const big = BigInt(value);
  let zigzag = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
  while (zigzag > 0x7fn) {
    buffer[position++] = Number(zigzag & 0x7fn) | 0x80;
    zigzag >>= 7n;
  }
  buffer[position++] = Number(zigzag);
  return position;
}
