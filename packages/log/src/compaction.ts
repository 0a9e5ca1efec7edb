/**
 * Log compaction (Kafka's LogCleaner, simplified to one pass over a prefix of closed
 * segments): keep the newest record of each key, drop records with a null key (Kafka counts
 * them invalid), and drop a newest record that is a tombstone (null value) once its segment's
 * largest timestamp is older than delete.retention.ms, which leaves consumers that long to see
 * the deletion. Offsets never change: a batch that keeps all its records is copied byte for
 * byte, one that keeps none is dropped, and one that keeps some is re-encoded with the same
 * baseOffset and each record's original offsetDelta. Control batches, and batches in a codec
 * this Node cannot decode, are kept as they are.
 *
 * 1. Map: key -> newest offset over the segments, oldest first, at most compactionKeysMax keys;
 *    only segments mapped whole are cleaned.
 * 2. Clean each mapped segment into `X.log.cleaned` with fresh `X.index.cleaned` and
 *    `X.timeindex.cleaned`, all fsync'd, then swap (recovery.ts finishes or discards a swap a
 *    crash interrupted): rename the indexes to `.swap`, then the .log (the commit point), then
 *    each `.swap` over the original, indexes first, .log last.
 *
 * Concurrency: called under the partition's maintenance mutex, on sealed segments below the
 * persisted recovery point, which nothing else writes. Readers of the original keep reading
 * its file (renamed over, still open) until they release it.
 */
import {
  type CompressionCode,
  type DecodedRecord,
  type DecodedRecordBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  isControl,
  isKafkaError,
} from '@cairn/protocol';
import type { ScannedBatch } from './batch-scan.js';
import { scanBatches } from './batch-scan.js';
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import { compactionKeysMax } from './constants.js';
import type { FileSystem } from './file-system.js';
import { emptySegmentState, Segment } from './segment.js';
import { type SegmentFileKind, segmentFilePath } from './segment-files.js';
import { storageError } from './storage-error.js';

export interface CompactionContext {
  fs: FileSystem;
  dir: string;
  config: LogConfig;
  clock: Clock;
}

export interface CompactionResult {
  /** Segments rewritten; a segment with nothing to remove is left alone. */
  cleanedSegmentCount: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
}

/** Key bytes as a string (latin1 maps each byte to one char) -> the key's newest offset. */
type OffsetMap = Map<string, number>;

/** Puts `replacement` in the log in place of `old` and closes `old` once its reads finish. */
export type ReplaceSegment = (old: Segment, replacement: Segment) => Promise<void>;

export async function compactLog(
  context: CompactionContext,
  segments: readonly Segment[],
  replace: ReplaceSegment,
): Promise<CompactionResult> {
  const result: CompactionResult = {
    cleanedSegmentCount: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    recordsRemoved: 0,
  };
  const { offsetMap, mappedCount } = await buildOffsetMap(segments);
  const now = context.clock.now();
  for (const segment of segments.slice(0, mappedCount)) {
    const expired =
      segment.maxTimestamp >= 0 && now - segment.maxTimestamp > context.config.deleteRetentionMs;
    const cleaned = await cleanSegment(context, segment, offsetMap, expired);
    if (cleaned === null) continue;
    result.cleanedSegmentCount += 1;
    result.bytesBefore += segment.sizeBytes;
    result.bytesAfter += cleaned.segment.sizeBytes;
    result.recordsRemoved += cleaned.recordsRemoved;
    await replace(segment, cleaned.segment);
  }
  return result;
}

async function buildOffsetMap(
  segments: readonly Segment[],
): Promise<{ offsetMap: OffsetMap; mappedCount: number }> {
  const offsetMap: OffsetMap = new Map();
  let mappedCount = 0;
  for (const segment of segments) {
    let full = false;
    const end = segment.sizeBytes;
    await scanSegment(segment, end, (batch) => {
      const decoded = decodeForCompaction(segment, batch);
      for (const record of decoded?.records ?? []) {
        if (record.key === null) continue;
        offsetMap.set(record.key.toString('latin1'), record.offset);
        if (offsetMap.size >= compactionKeysMax) full = true;
      }
      return full ? 'stop' : 'accept';
    });
    if (full) break;
    mappedCount += 1;
  }
  return { offsetMap, mappedCount };
}

/** Writes the cleaned copy of `segment` and swaps it in; null when nothing would change. */
async function cleanSegment(
  context: CompactionContext,
  segment: Segment,
  offsetMap: OffsetMap,
  tombstonesExpired: boolean,
): Promise<{ segment: Segment; recordsRemoved: number } | null> {
  const { fs, dir } = context;
  const interval = context.config.indexIntervalBytes;
  const { baseOffset } = segment;
  const output = await fs.openFile(segmentFilePath(dir, baseOffset, 'log', 'cleaned'), {
    create: true,
  });
  const cleaned = new Segment(fs, dir, baseOffset, output, emptySegmentState(baseOffset, 0));
  let pending: Buffer[] = [];
  let writtenBytes = 0;
  let recordsRemoved = 0;
  try {
    await output.truncate(0);
    const writePending = async () => {
      if (pending.length === 0) return;
      const buffers = pending;
      pending = [];
      await output.write(buffers, writtenBytes);
      writtenBytes += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    };
    await scanSegment(
      segment,
      segment.sizeBytes,
      (batch) => {
        const kept = keptBatch(segment, batch, offsetMap, tombstonesExpired);
        recordsRemoved += kept.recordsRemoved;
        if (kept.bytes === null) return 'accept';
        const position = cleaned.sizeBytes;
        const lastOffset = kept.decoded?.lastOffset ?? batch.lastOffset;
        const maxTimestamp = kept.decoded?.maxTimestamp ?? batch.maxTimestamp;
        cleaned.indexBatch(position, kept.bytes.length, lastOffset, maxTimestamp, interval);
        pending.push(kept.bytes);
        return 'accept';
      },
      writePending,
    );
    if (recordsRemoved === 0) {
      await output.close();
      await fs.removeFile(segmentFilePath(dir, baseOffset, 'log', 'cleaned'));
      return null;
    }
    await output.sync();
    cleaned.seal();
    await cleaned.persistIndexes('cleaned');
    await swapIn(fs, dir, baseOffset);
    cleaned.sealWithPersistedIndexes();
    cleaned.flushedBytes = cleaned.sizeBytes;
    return { segment: cleaned, recordsRemoved };
  } catch (error) {
    await output.close().catch(() => undefined);
    throw storageError('compacting', segment.logPath, error);
  }
}

interface KeptBatch {
  /** The batch to write (a copy, or a re-encoded batch), or null to drop it. */
  bytes: Buffer | null;
  /** The re-encoded batch's header values, when it was re-encoded. */
  decoded: { lastOffset: number; maxTimestamp: number } | null;
  recordsRemoved: number;
}

function keptBatch(
  segment: Segment,
  batch: ScannedBatch,
  offsetMap: OffsetMap,
  tombstonesExpired: boolean,
): KeptBatch {
  const { chunk, chunkPosition, sizeBytes } = batch;
  const copy = () => Buffer.from(chunk.subarray(chunkPosition, chunkPosition + sizeBytes));
  const decoded = isControl(chunk, chunkPosition) ? null : decodeForCompaction(segment, batch);
  if (decoded === null) return { bytes: copy(), decoded: null, recordsRemoved: 0 };
  const kept = decoded.records.filter((record) => keeps(record, offsetMap, tombstonesExpired));
  const recordsRemoved = decoded.records.length - kept.length;
  if (recordsRemoved === 0) return { bytes: copy(), decoded: null, recordsRemoved };
  if (kept.length === 0) return { bytes: null, decoded: null, recordsRemoved };
  const bytes = reencode(decoded, kept);
  const last = kept.at(-1)!;
  const maxTimestamp = kept.reduce((max, record) => Math.max(max, record.timestamp), -1);
  return { bytes, decoded: { lastOffset: last.offset, maxTimestamp }, recordsRemoved };
}

function keeps(record: DecodedRecord, offsetMap: OffsetMap, tombstonesExpired: boolean) {
  if (record.key === null) return false;
  if (offsetMap.get(record.key.toString('latin1')) !== record.offset) return false;
  return !(record.value === null && tombstonesExpired);
}

/** The kept records in a batch with the original's baseOffset, codec and producer fields. */
function reencode(decoded: DecodedRecordBatch, kept: readonly DecodedRecord[]): Buffer {
  return encodeRecordBatch({
    records: kept.map((record) => ({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
      offsetDelta: record.offset - decoded.baseOffset,
    })),
    baseOffset: decoded.baseOffset,
    compression: decoded.compression as CompressionCode,
    timestampType: decoded.timestampType === 1 ? 1 : 0,
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    partitionLeaderEpoch: decoded.partitionLeaderEpoch,
    isTransactional: decoded.isTransactional,
  });
}

/** The decoded batch, or null for a codec this Node lacks (the batch is kept unread). */
function decodeForCompaction(segment: Segment, batch: ScannedBatch): DecodedRecordBatch | null {
  try {
    return decodeRecordBatch(batch.chunk, batch.chunkPosition);
  } catch (error) {
    if (isKafkaError(error) && error.errorName === 'UNSUPPORTED_COMPRESSION_TYPE') return null;
    throw storageError('decoding', `${segment.logPath} at ${batch.position}`, error);
  }
}

async function scanSegment(
  segment: Segment,
  end: number,
  visit: Parameters<typeof scanBatches>[2],
  afterChunk?: () => Promise<void>,
): Promise<void> {
  const options = { from: 0, end, verifyCrc: false, ...(afterChunk ? { afterChunk } : {}) };
  const result = await scanBatches(segment.logFile, options, visit);
  if (result.problem !== null) {
    throw storageError('scanning', segment.logPath, new Error(result.problem));
  }
}

/** `.cleaned` -> `.swap` (indexes, then the .log: committed) -> final (indexes, then .log). */
async function swapIn(fs: FileSystem, dir: string, baseOffset: number): Promise<void> {
  const order: SegmentFileKind[] = ['index', 'timeindex', 'log'];
  for (const kind of order) {
    await fs.rename(
      segmentFilePath(dir, baseOffset, kind, 'cleaned'),
      segmentFilePath(dir, baseOffset, kind, 'swap'),
    );
  }
  await fs.syncDirectory(dir);
  for (const kind of order) {
    await fs.rename(
      segmentFilePath(dir, baseOffset, kind, 'swap'),
      segmentFilePath(dir, baseOffset, kind),
    );
  }
  await fs.syncDirectory(dir);
}
