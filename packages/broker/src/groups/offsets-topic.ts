/**
 * The coordinator's partition of __consumer_offsets (partition 0, compacted): committed
 * offsets are written here as records (offset-record.ts) in v2 record batches, and replayed
 * from logStartOffset when the coordinator starts. Compaction keeps the last record per key,
 * so replaying in order rebuilds exactly the offsets that were last committed.
 *
 * Writes are acknowledged only once fsync'd. Appends are issued in call order and the log
 * keeps that order, so the record offsets say which of two commits of a partition came last.
 */
import {
  type DecodedRecordBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  isAssertionError,
  isProtocolError,
  LOG_OVERHEAD,
  type RecordInput,
  readBaseOffset,
  readBatchLength,
  readBatchSizeBytes,
  readLastOffset,
} from '@cairn/protocol';
import { offsetsLoadBufferBytes, offsetsTopicBatchBytesMax } from '../constants.js';
import {
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type OffsetAndMetadata,
  type OffsetCommitKey,
} from './offset-record.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const OFFSETS_TOPIC_PARTITION = 0;

/** What the coordinator needs of a PartitionLog from '@cairn/log'. */
export interface OffsetLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Appends whole record batches and assigns their offsets. */
  append(records: Buffer): Promise<{ readonly baseOffset: number; readonly lastOffset: number }>;
  /** Resolves once every record below `offset` is fsync'd. */
  flushedTo(offset: number): Promise<void>;
  /**
   * Whole batches from the one holding `offset`, up to about `maxBytes`; empty when nothing
   * is left below the end.
   */
  read(offset: number, maxBytes: number): Promise<{ readonly records: Buffer }>;
}

/** One record to write: an offset commit, or a tombstone (value null) deleting it. */
export interface OffsetRecord {
  readonly key: OffsetCommitKey;
  readonly value: OffsetAndMetadata | null;
}

/** Per-record bytes on top of key and value: length, attributes, deltas, header count. */
const recordOverheadBytesMax = 1 + 5 + 10 + 5 + 5 + 5 + 5;

export class OffsetsTopic {
  constructor(
    private readonly log: OffsetLog,
    private readonly now: () => number,
  ) {}

  /**
   * Appends `records` in order (as one batch, or several when they exceed
   * offsetsTopicBatchBytesMax) and resolves with the offset of each record once all are
   * fsync'd. Rejects with the log's error; records already appended stay in the log.
   */
  async write(records: readonly OffsetRecord[]): Promise<number[]> {
    const batches = planBatches(records, this.now());
    // Every append is issued before the first await, so batches keep their order.
    const appends = batches.map((batch) => this.log.append(encodeRecordBatch({ records: batch })));
    const appended = await Promise.all(appends);
    const last = appended[appended.length - 1];
    if (last !== undefined) await this.log.flushedTo(last.lastOffset + 1);
    return appended.flatMap(({ baseOffset }, index) =>
      (batches[index] ?? []).map((_, recordIndex) => baseOffset + recordIndex),
    );
  }

  /**
   * Reads the partition from logStartOffset to the logEndOffset of the moment it starts and
   * calls `visitor.record` for each offset record (value null for a tombstone) with its
   * offset. Records of other kinds (group metadata) are passed over. A batch or record that
   * does not decode (bytes the coordinator did not write, e.g. produced by a client) goes to
   * `visitor.skipped` instead of failing the load. Throws only when the log cannot be read.
   */
  async replay(visitor: ReplayVisitor): Promise<void> {
    const endOffset = this.log.logEndOffset;
    let offset = this.log.logStartOffset;
    let maxBytes = offsetsLoadBufferBytes;
    while (offset < endOffset) {
      const { records } = await this.log.read(offset, maxBytes);
      // Nothing left to read: compaction may have emptied the last offsets.
      if (records.length === 0) break;
      const wholeBytes = wholeBatchesBytes(records);
      if (wholeBytes === 0) {
        // The next batch is larger than the read: read again with room for it.
        const batchBytes = records.length < LOG_OVERHEAD ? 0 : readBatchSizeBytes(records);
        if (batchBytes <= maxBytes) {
          throw new Error(
            `${OFFSETS_TOPIC}-${OFFSETS_TOPIC_PARTITION}: read at offset ${offset} returned ` +
              `${records.length} bytes, inside a batch of ${batchBytes}`,
          );
        }
        maxBytes = batchBytes;
        continue;
      }
      for (
        let position = 0;
        position < wholeBytes;
        position += readBatchSizeBytes(records, position)
      ) {
        replayBatch(records, position, offset, visitor);
        offset = Math.max(offset, readLastOffset(records, position) + 1);
      }
    }
  }
}

export interface ReplayVisitor {
  record(key: OffsetCommitKey, value: OffsetAndMetadata | null, recordOffset: number): void;
  /** A batch (at its base offset) or a record (at its offset) that could not be decoded. */
  skipped(offset: number, error: unknown): void;
}

/** Visits the records of the batch at `position` from `fromOffset` on. */
function replayBatch(
  records: Buffer,
  position: number,
  fromOffset: number,
  visitor: ReplayVisitor,
): void {
  let batch: DecodedRecordBatch;
  try {
    batch = decodeRecordBatch(records, position);
  } catch (error) {
    if (isAssertionError(error)) throw error;
    visitor.skipped(readBaseOffset(records, position), error);
    return;
  }
  if (batch.isControl) return;
  for (const record of batch.records) {
    if (record.offset < fromOffset || record.key === null) continue;
    try {
      const key = decodeOffsetCommitKey(record.key);
      if (key === null) continue;
      const value = record.value === null ? null : decodeOffsetCommitValue(record.value);
      visitor.record(key, value, record.offset);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      visitor.skipped(record.offset, error);
    }
  }
}

/** Bytes of the whole batches at the start of `records` (a read may end inside a batch). */
function wholeBatchesBytes(records: Buffer): number {
  let position = 0;
  while (position + LOG_OVERHEAD <= records.length) {
    const size = readBatchLength(records, position) + LOG_OVERHEAD;
    if (position + size > records.length) break;
    position += size;
  }
  return position;
}

/** Splits records into batches of at most offsetsTopicBatchBytesMax (roughly). */
function planBatches(records: readonly OffsetRecord[], now: number): RecordInput[][] {
  const batches: RecordInput[][] = [];
  let batch: RecordInput[] = [];
  let batchBytes = 0;
  for (const { key, value } of records) {
    const record: RecordInput = {
      key: encodeOffsetCommitKey(key),
      value: value === null ? null : encodeOffsetCommitValue(value),
      timestamp: value === null ? now : value.commitTimestamp,
    };
    const recordBytes =
      (record.key?.length ?? 0) + (record.value?.length ?? 0) + recordOverheadBytesMax;
    if (batch.length > 0 && batchBytes + recordBytes > offsetsTopicBatchBytesMax) {
      batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(record);
    batchBytes += recordBytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
