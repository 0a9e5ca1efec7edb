/**
 * The read path of a partition (Kafka's LocalLog.read and fetchOffsetByTimestamp): whole
 * batches from an offset, and the first offset at or after a timestamp. Batches are served as
 * stored (layout in @cairn/protocol's record-batch-header.ts); only the timestamp search
 * decodes, and only the batches whose maxTimestamp may hold the answer.
 *
 * Concurrency: reads run beside the writer and maintenance. Each holds the segment it reads
 * (`retain`), so retention and compaction close it only afterwards, and walks the list by
 * baseOffset, since retention and compaction may change it between two segments.
 */
import { decodeRecordBatch } from '@cairn/protocol';
import { scanBatches } from './batch-scan.js';
import type { LogSegments } from './log-segments.js';
import type { ReadBuffers } from './read-buffers.js';
import type { Segment } from './segment.js';
import { storageError } from './storage-error.js';

/** Kafka's TimestampAndOffset: a record's offset and its timestamp. */
export interface TimestampAndOffset {
  offset: number;
  timestamp: number;
}

/** The bounds of what a log serves, read live: they move while a search awaits. */
export interface ServedOffsets {
  readonly logStartOffset: number;
  readonly highWatermark: number;
}

/**
 * Whole batches from the one holding `offset`, at least one, then more while `maxBytes`
 * allows, all below `upperOffset`, in a buffer from `buffers`: from the first segment that
 * has any (compaction can leave a segment's last offsets empty). Empty when `offset` is at
 * `upperOffset`. Throws KAFKA_STORAGE_ERROR once the log closes or on I/O failure.
 */
export async function readBatches(
  segments: LogSegments,
  offset: number,
  maxBytes: number,
  upperOffset: number,
  slackBytes: number,
  buffers: ReadBuffers,
): Promise<Buffer> {
  let records: Buffer = Buffer.alloc(0);
  let from = offset;
  while (from < upperOffset && records.length === 0) {
    segments.checkOpen();
    const segment = segments.segmentFor(from);
    segment.retain();
    try {
      records = await segment.readBatches(from, maxBytes, upperOffset, slackBytes, buffers);
    } catch (error) {
      throw storageError('reading', segment.logPath, error);
    } finally {
      segment.release();
    }
    from = segments.segmentAfter(segment.baseOffset)?.baseOffset ?? upperOffset;
  }
  return records;
}

/**
 * The first record at or above logStartOffset and below the high watermark whose timestamp
 * is >= `timestamp`, found through the time indexes; null when no record is that late.
 * Throws KAFKA_STORAGE_ERROR once the log closes or on I/O failure.
 */
export async function findOffsetForTimestamp(
  segments: LogSegments,
  timestamp: number,
  served: ServedOffsets,
): Promise<TimestampAndOffset | null> {
  let segment: Segment | undefined = segments.first;
  for (; segment !== undefined; segment = segments.segmentAfter(segment.baseOffset)) {
    segments.checkOpen();
    if (segment.maxTimestamp < timestamp || segment.nextOffset <= served.logStartOffset) continue;
    segment.retain();
    try {
      const found = await findTimestampIn(segment, timestamp, served);
      if (found !== null) return found;
    } catch (error) {
      throw storageError('searching', segment.logPath, error);
    } finally {
      segment.release();
    }
  }
  return null;
}

async function findTimestampIn(
  segment: Segment,
  timestamp: number,
  served: ServedOffsets,
): Promise<TimestampAndOffset | null> {
  const indexed = segment.timeIndex.lookup(timestamp);
  const from = segment.offsetIndex.lookup(indexed.offset).position;
  const end = segment.sizeBytes;
  const upperOffset = served.highWatermark;
  let found: TimestampAndOffset | null = null;
  await scanBatches(segment.logFile, { from, end, verifyCrc: false }, (batch) => {
    if (batch.lastOffset >= upperOffset) return 'stop';
    if (batch.maxTimestamp < timestamp || batch.lastOffset < served.logStartOffset) return 'accept';
    const decoded = decodeRecordBatch(batch.chunk, batch.chunkPosition);
    for (const record of decoded.records) {
      if (record.timestamp >= timestamp && record.offset >= served.logStartOffset) {
        found = { offset: record.offset, timestamp: record.timestamp };
        return 'stop';
      }
    }
    return 'accept';
  });
  return found;
}
