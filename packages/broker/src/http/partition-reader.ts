/**
 * Reads records of one partition for the HTTP API, which answers with records rather than
 * batches: whole batches come from the log as Fetch reads them (log.read, through the offset
 * index), then only those batches are decoded. Records below the asked offset (the batch may
 * start earlier) and control batches are passed over. The limits are the caller's, already
 * clamped: at least one batch is read even if larger than maxBytes (Kafka's KIP-74), so a
 * reader always makes progress.
 */
import type { PartitionLog } from '@cairn/log';
import { type DecodedRecord, decodeRecordBatches } from '@cairn/protocol';
import type { PartitionWaiters } from '../partition-waiters.js';

export interface ReadLimits {
  readonly maxRecords: number;
  /** Stored batch bytes, before decoding. */
  readonly maxBytes: number;
}

export interface PartitionRecords {
  records: DecodedRecord[];
  /** The offset to read from next: past the last record given, or past skipped batches. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** Stored batch bytes read. */
  bytesRead: number;
}

/**
 * Records from `offset` up to the limits and the high watermark. Throws OFFSET_OUT_OF_RANGE
 * (from the log) for an offset below logStartOffset or above logEndOffset.
 */
export async function readPartitionRecords(
  log: PartitionLog,
  offset: number,
  limits: ReadLimits,
): Promise<PartitionRecords> {
  const records: DecodedRecord[] = [];
  let from = offset;
  let bytesRead = 0;
  const highWatermark = log.highWatermark;
  const logStartOffset = log.logStartOffset;
  do {
    const read = await log.read(from, limits.maxBytes - bytesRead, highWatermark);
    if (read.records.length === 0) break;
    bytesRead += read.records.length;
    from = takeRecords(read.records, from, records, limits.maxRecords);
  } while (records.length < limits.maxRecords && bytesRead < limits.maxBytes);
  return { records, nextOffset: from, highWatermark, logStartOffset, bytesRead };
}

/** Appends the records at or above `from` to `into`; returns the next offset to read. */
function takeRecords(
  batches: Buffer,
  from: number,
  into: DecodedRecord[],
  maxRecords: number,
): number {
  for (const batch of decodeRecordBatches(batches)) {
    if (batch.isControl) {
      from = Math.max(from, batch.lastOffset + 1);
      continue;
    }
    for (const record of batch.records) {
      if (record.offset < from) continue;
      if (into.length >= maxRecords) return from;
      into.push(record);
      from = record.offset + 1;
    }
    // Compaction may leave the batch's last offsets empty: the batch still covers them.
    from = Math.max(from, batch.lastOffset + 1);
  }
  return from;
}

export interface WaitOptions {
  readonly waiters: PartitionWaiters<PartitionLog>;
  readonly waitMs: number;
  readonly signal: AbortSignal;
}

/**
 * readPartitionRecords, waiting up to waitMs for a record when there is none yet (long poll,
 * woken by the produce paths through the partition waiters, as Fetch is).
 */
export async function readPartitionRecordsWaiting(
  log: PartitionLog,
  offset: number,
  limits: ReadLimits,
  wait: WaitOptions,
): Promise<PartitionRecords> {
  const deadline = Date.now() + wait.waitMs;
  let from = offset;
  for (;;) {
    const read = await readPartitionRecords(log, from, limits);
    const remainingMs = deadline - Date.now();
    if (read.records.length > 0 || remainingMs <= 0 || wait.signal.aborted) return read;
    from = read.nextOffset;
    if (from >= log.highWatermark) await wait.waiters.wait([log], remainingMs, wait.signal);
  }
}

/**
 * The timestamp of the record at `offset` (or the first after it, when compaction removed
 * it): reads the one batch that holds it, through the offset index, and decodes that batch
 * only. Null at or above the high watermark.
 */
export async function recordTimestampAt(log: PartitionLog, offset: number): Promise<number | null> {
  const from = Math.max(offset, log.logStartOffset);
  if (from >= log.highWatermark) return null;
  const read = await log.read(from, 1, log.highWatermark);
  for (const batch of decodeRecordBatches(read.records)) {
    if (batch.isControl) continue;
    const record = batch.records.find((candidate) => candidate.offset >= from);
    if (record !== undefined) return record.timestamp;
  }
  return null;
}
