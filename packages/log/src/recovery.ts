/**
 * Opening a partition directory: the segments it holds, checked and repaired (Kafka's
 * LogLoader). Segment file names are drawn in segment-files.ts, index layouts in
 * offset-index.ts and time-index.ts.
 *
 * - Names: a segment file whose name is not 20 digits, or an .index/.timeindex with no .log
 *   (an orphan), is an error naming the file: the directory was edited by hand or by a bug.
 * - Compaction leftovers: `.cleaned` files are deleted; a complete `.swap` set is finished.
 * - Segments below the recovery point were fsync'd and checked when written: their index
 *   files are checked (whole entries, increasing, inside the .log file, the last one naming a
 *   real batch) and rebuilt by a scan when they fail. Overlapping segments are an error.
 * - The segment holding the recovery point and every later one (always the newest) are
 *   scanned batch by batch with `findBatchProblem` (length, magic, CRC-32C). Offsets must
 *   increase, and be dense in every segment above the cleaner checkpoint (compaction leaves
 *   gaps only below it; the baseOffset field is outside the CRC, so density is what catches a
 *   damaged one). A torn or corrupt tail is truncated at the last whole valid batch, and the
 *   segments after a truncated segment, or after one that ends short of the next (data lost
 *   in a crash behind a rolled segment), are deleted, as Kafka does: a batch after a hole was
 *   never acknowledged as durable, because flushes go in offset order. A corrupt batch is
 *   never served.
 * - logStartOffset is the larger of its checkpoint and the first segment's baseOffset.
 */
import { join } from 'node:path';
import { type ScannedBatch, scanBatches } from './batch-scan.js';
import { type CheckpointRead, readCheckpoint } from './checkpoint-file.js';
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import { relativeOffsetMax } from './constants.js';
import type { FileSystem, LogFile } from './file-system.js';
import type { LogLogger } from './logger.js';
import { findOffsetIndexProblem, OffsetIndex } from './offset-index.js';
import { emptySegmentState, Segment } from './segment.js';
import {
  cleanerCheckpointName,
  logStartOffsetCheckpointName,
  parseSegmentFileName,
  recoveryPointCheckpointName,
  type SegmentFileKind,
  segmentFileName,
  segmentFilePath,
} from './segment-files.js';
import { corruptFileError, storageError } from './storage-error.js';
import { findTimeIndexProblem, NO_TIMESTAMP, TimeIndex } from './time-index.js';

export interface RecoveryContext {
  fs: FileSystem;
  dir: string;
  config: LogConfig;
  clock: Clock;
  logger: LogLogger;
}

export interface RecoveredLog {
  /** Ascending by baseOffset, never empty; the last one is the active segment. */
  segments: Segment[];
  logStartOffset: number;
  logEndOffset: number;
  /** Every offset below is fsync'd: the log end, since recovery flushes what it scanned. */
  recoveryPoint: number;
  /** Offsets below this may have gaps left by compaction (the cleaner checkpoint). */
  cleanedUpToOffset: number;
  /** Bytes cut from torn or corrupt tails, and segments deleted after a truncated one. */
  truncatedBytes: number;
  deletedSegmentCount: number;
}

interface ScanRule {
  /** Every batch must start right after the previous one (uncompacted segments). */
  dense: boolean;
  /** The next segment's baseOffset: no batch may reach it. */
  limitOffset: number;
}

export async function recoverLog(context: RecoveryContext): Promise<RecoveredLog> {
  const { fs, dir } = context;
  await fs.makeDirectory(dir);
  const baseOffsets = await listSegments(context);
  const logStartCheckpoint = await readOffsetCheckpoint(context, logStartOffsetCheckpointName);
  const recoveryCheckpoint = await readOffsetCheckpoint(context, recoveryPointCheckpointName);
  // A missing cleaner checkpoint means never compacted; a corrupt one, maybe all compacted.
  const cleanerCheckpoint = await readOffsetCheckpoint(context, cleanerCheckpointName, 0);
  const cleanedUpToOffset = cleanerCheckpoint ?? Number.MAX_SAFE_INTEGER;
  const segments: Segment[] = [];
  try {
    const scan = { recoveryPoint: recoveryCheckpoint, cleanedUpToOffset };
    const outcome = await loadSegments(context, baseOffsets, scan, segments);
    let logStartOffset = Math.max(logStartCheckpoint ?? 0, segments[0]?.baseOffset ?? 0);
    const logEndOffset = segments.at(-1)?.nextOffset ?? logStartOffset;
    if (segments.length === 0 || logStartOffset > logEndOffset) {
      if (segments.length > 0) {
        context.logger.warn(
          `${dir}: logStartOffset ${logStartOffset} is past the recovered end ${logEndOffset}; ` +
            `starting empty at ${logStartOffset}`,
        );
      }
      for (const segment of segments.splice(0)) await segment.delete();
      segments.push(await Segment.create(fs, dir, logStartOffset, context.clock.now()));
      await fs.syncDirectory(dir);
    }
    logStartOffset = Math.max(logStartOffset, segments[0]!.baseOffset);
    return {
      segments,
      logStartOffset,
      logEndOffset: segments.at(-1)!.nextOffset,
      recoveryPoint: segments.at(-1)!.nextOffset,
      cleanedUpToOffset: cleanerCheckpoint ?? 0,
      truncatedBytes: outcome.truncatedBytes,
      deletedSegmentCount: outcome.deletedSegmentCount,
    };
  } catch (error) {
    for (const segment of segments) await segment.close().catch(() => undefined);
    throw storageError('recovering', dir, error);
  }
}

/**
 * Opens every segment: the ones below the recovery point by their index files, the rest by a
 * full scan. Pushes onto `segments` as it goes, so the caller can close them on a failure.
 */
async function loadSegments(
  context: RecoveryContext,
  baseOffsets: readonly number[],
  scan: { recoveryPoint: number | null; cleanedUpToOffset: number },
  segments: Segment[],
): Promise<{ truncatedBytes: number; deletedSegmentCount: number }> {
  const { recoveryPoint, cleanedUpToOffset } = scan;
  const firstScanned = recoveryPoint === null ? 0 : floorIndex(baseOffsets, recoveryPoint);
  let truncatedBytes = 0;
  for (let segmentIndex = 0; segmentIndex < baseOffsets.length; segmentIndex++) {
    const baseOffset = baseOffsets[segmentIndex]!;
    const limitOffset = baseOffsets[segmentIndex + 1] ?? Number.MAX_SAFE_INTEGER;
    const newest = segmentIndex === baseOffsets.length - 1;
    const previous = segments.at(-1);
    if (previous !== undefined && previous.nextOffset > baseOffset) {
      throw corruptFileError(
        previous.logPath,
        `its offsets reach ${previous.nextOffset - 1}, overlapping the next segment ` +
          segmentFileName(baseOffset, 'log'),
      );
    }
    if (segmentIndex < firstScanned) {
      segments.push(await loadClosedSegment(context, baseOffset, limitOffset));
      continue;
    }
    // Compaction cleans only segments wholly below the cleaner checkpoint, never the newest.
    const rule = { dense: newest || limitOffset > cleanedUpToOffset, limitOffset };
    const recovered = await recoverSegment(context, baseOffset, rule);
    const { segment } = recovered;
    segments.push(segment);
    truncatedBytes += recovered.truncatedBytes;
    // A truncated segment, or a dense one that stops short of the next, ends the log.
    const endsLog =
      newest || recovered.truncatedBytes > 0 || (rule.dense && segment.nextOffset !== limitOffset);
    if (!endsLog) segment.seal();
    await segment.flush();
    if (endsLog && !newest) {
      const later = baseOffsets.slice(segmentIndex + 1);
      await deleteSegmentFiles(context, later, segment);
      return { truncatedBytes, deletedSegmentCount: later.length };
    }
  }
  return { truncatedBytes, deletedSegmentCount: 0 };
}

/** Index of the last baseOffset <= offset, or 0 when every segment starts above it. */
function floorIndex(baseOffsets: readonly number[], offset: number): number {
  let found = 0;
  for (let index = 0; index < baseOffsets.length; index++) {
    if (baseOffsets[index]! <= offset) found = index;
  }
  return found;
}

/**
 * Scans a whole segment with CRC checks, rebuilding its indexes in memory, and truncates the
 * file after the last valid batch.
 */
async function recoverSegment(
  context: RecoveryContext,
  baseOffset: number,
  rule: ScanRule,
): Promise<{ segment: Segment; truncatedBytes: number }> {
  const { fs, dir, config, clock, logger } = context;
  const log = await openLog(fs, dir, baseOffset);
  try {
    const fileBytes = await log.sizeBytes();
    const segment = new Segment(fs, dir, baseOffset, log, emptySegmentState(baseOffset, 0));
    let firstTimestamp = NO_TIMESTAMP;
    const result = await scanBatches(log, { from: 0, end: fileBytes, verifyCrc: true }, (batch) => {
      const problem = offsetProblem(batch, segment, rule);
      if (problem !== null) return { problem };
      if (segment.sizeBytes === 0) firstTimestamp = batch.maxTimestamp;
      segment.indexBatch(
        batch.position,
        batch.sizeBytes,
        batch.lastOffset,
        batch.maxTimestamp,
        config.indexIntervalBytes,
      );
      return 'accept';
    });
    segment.rollingBasedTimestamp = firstTimestamp >= 0 ? firstTimestamp : clock.now();
    const truncatedBytes = fileBytes - result.endPosition;
    if (result.problem !== null) {
      logger.warn(
        `${log.path}: truncating ${truncatedBytes} bytes at position ${result.endPosition}` +
          ` (offset ${segment.nextOffset}): ${result.problem}`,
      );
      await log.truncate(result.endPosition);
    }
    return { segment, truncatedBytes };
  } catch (error) {
    await log.close().catch(() => undefined);
    throw error;
  }
}

function offsetProblem(batch: ScannedBatch, segment: Segment, rule: ScanRule): string | null {
  const expected = segment.nextOffset;
  if (rule.dense ? batch.baseOffset !== expected : batch.baseOffset < expected) {
    return `baseOffset ${batch.baseOffset} where ${expected} was expected`;
  }
  if (batch.lastOffset - segment.baseOffset > relativeOffsetMax) {
    return `lastOffset ${batch.lastOffset} does not fit an int32 relative offset`;
  }
  if (batch.lastOffset >= rule.limitOffset) {
    throw corruptFileError(
      segment.logPath,
      `the batch at position ${batch.position} ends at offset ${batch.lastOffset}, ` +
        `overlapping the next segment ${segmentFileName(rule.limitOffset, 'log')}`,
    );
  }
  return null;
}

/**
 * Opens a segment below the recovery point through its index files, scanning only the bytes
 * after the last offset index entry; rebuilds both indexes by a full scan when a check fails.
 */
async function loadClosedSegment(
  context: RecoveryContext,
  baseOffset: number,
  limitOffset: number,
): Promise<Segment> {
  const { fs, dir, logger } = context;
  const log = await openLog(fs, dir, baseOffset);
  let loaded: Segment | string;
  try {
    loaded = await loadWithIndexes(context, log, baseOffset, limitOffset);
  } catch (error) {
    await log.close().catch(() => undefined);
    throw error;
  }
  if (typeof loaded !== 'string') return loaded;
  logger.warn(`${log.path}: rebuilding its indexes: ${loaded}`);
  await log.close();
  const { segment } = await recoverSegment(context, baseOffset, { dense: false, limitOffset });
  segment.seal();
  await segment.persistIndexes();
  return segment;
}

/** The segment with its checked index files, or the first problem found. */
async function loadWithIndexes(
  context: RecoveryContext,
  log: LogFile,
  baseOffset: number,
  limitOffset: number,
): Promise<Segment | string> {
  const { fs, dir } = context;
  const fileBytes = await log.sizeBytes();
  const offsetBytes = await readIndexFile(fs, segmentFilePath(dir, baseOffset, 'index'));
  if (offsetBytes === null) return 'the .index file is missing';
  const offsetProblem = findOffsetIndexProblem(offsetBytes, fileBytes);
  if (offsetProblem !== null) return `.index ${offsetProblem}`;
  const offsetIndex = new OffsetIndex(baseOffset, offsetBytes);
  const tail = await scanTail(log, offsetIndex, fileBytes);
  if (typeof tail === 'string') return tail;
  if (tail.nextOffset > limitOffset) {
    throw corruptFileError(
      log.path,
      `its offsets reach ${tail.nextOffset - 1}, overlapping the next segment ` +
        segmentFileName(limitOffset, 'log'),
    );
  }
  const timeBytes = await readIndexFile(fs, segmentFilePath(dir, baseOffset, 'timeindex'));
  if (timeBytes === null) return 'the .timeindex file is missing';
  const timeProblem = findTimeIndexProblem(timeBytes, baseOffset, tail.nextOffset);
  if (timeProblem !== null) return `.timeindex ${timeProblem}`;
  const timeIndex = new TimeIndex(baseOffset, timeBytes);
  const last = timeIndex.lastEntry();
  if (tail.maxTimestamp > (last?.timestamp ?? NO_TIMESTAMP)) {
    return `.timeindex ends at ${last?.timestamp}, before timestamp ${tail.maxTimestamp}`;
  }
  const segment = new Segment(fs, dir, baseOffset, log, {
    sizeBytes: fileBytes,
    nextOffset: tail.nextOffset,
    offsetIndex,
    timeIndex,
    maxTimestamp: last?.timestamp ?? NO_TIMESTAMP,
    offsetOfMaxTimestamp: last?.offset ?? baseOffset,
    bytesSinceLastIndexEntry: 0,
    rollingBasedTimestamp: last?.timestamp ?? NO_TIMESTAMP,
  });
  segment.sealWithPersistedIndexes();
  segment.flushedBytes = fileBytes;
  return segment;
}

/**
 * Walks the batch headers after the last offset index entry (whose offset must be the
 * lastOffset of the batch at its position) to the end of the file: the segment's nextOffset.
 */
async function scanTail(
  log: LogFile,
  offsetIndex: OffsetIndex,
  fileBytes: number,
): Promise<{ nextOffset: number; maxTimestamp: number } | string> {
  const entry = offsetIndex.lastEntry();
  let nextOffset = offsetIndex.baseOffset;
  let maxTimestamp = NO_TIMESTAMP;
  const from = entry?.position ?? 0;
  const result = await scanBatches(log, { from, end: fileBytes, verifyCrc: false }, (batch) => {
    if (entry !== null && batch.position === entry.position && batch.lastOffset !== entry.offset) {
      return {
        problem: `entry (${entry.offset}, ${entry.position}) names a batch ending at ${
          batch.lastOffset
        }`,
      };
    }
    if (batch.baseOffset < nextOffset) return { problem: `offset ${batch.baseOffset} repeats` };
    nextOffset = batch.lastOffset + 1;
    maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp);
    return 'accept';
  });
  if (result.problem !== null) return `.log tail: ${result.problem}`;
  return { nextOffset, maxTimestamp };
}

async function readIndexFile(fs: FileSystem, path: string): Promise<Buffer | null> {
  return (await fs.exists(path)) ? fs.readFile(path) : null;
}

async function openLog(fs: FileSystem, dir: string, baseOffset: number): Promise<LogFile> {
  return fs.openFile(segmentFilePath(dir, baseOffset, 'log'), { create: false });
}

/** The checkpoint's offset; `whenMissing` for no file, null for a corrupt one (warned). */
async function readOffsetCheckpoint(
  context: RecoveryContext,
  name: string,
  whenMissing: number | null = null,
): Promise<number | null> {
  const path = join(context.dir, name);
  const read: CheckpointRead = await readCheckpoint(context.fs, path);
  if (read.kind === 'corrupt') {
    context.logger.warn(`${path}: ignoring a corrupt checkpoint (${read.problem})`);
  }
  if (read.kind === 'missing') return whenMissing;
  return read.kind === 'valid' ? read.offset : null;
}

async function deleteSegmentFiles(
  context: RecoveryContext,
  baseOffsets: readonly number[],
  after: Segment,
): Promise<void> {
  if (baseOffsets.length === 0) return;
  context.logger.warn(
    `${context.dir}: deleting ${baseOffsets.length} segment(s) from ${baseOffsets[0]} on: ` +
      `they follow ${after.logPath}, which ends at offset ${after.nextOffset}`,
  );
  for (const baseOffset of baseOffsets) {
    for (const kind of ['timeindex', 'index', 'log'] as const) {
      await context.fs.removeFile(segmentFilePath(context.dir, baseOffset, kind));
    }
  }
  await context.fs.syncDirectory(context.dir);
}

/**
 * The baseOffsets of the directory's segments, ascending, after finishing or discarding
 * compaction leftovers. Throws naming a file with a bad name or an orphan index file.
 */
export async function listSegments(context: RecoveryContext): Promise<number[]> {
  const { fs, dir } = context;
  await finishCompactionLeftovers(context, await fs.listDirectory(dir));
  const files = new Map<number, Set<SegmentFileKind>>();
  for (const name of await fs.listDirectory(dir)) {
    if (name.endsWith('.tmp')) {
      await fs.removeFile(join(dir, name));
      continue;
    }
    const parsed = parseSegmentFileName(dir, name);
    if (parsed === null) continue;
    const kinds = files.get(parsed.baseOffset) ?? new Set<SegmentFileKind>();
    kinds.add(parsed.kind);
    files.set(parsed.baseOffset, kinds);
  }
  for (const [baseOffset, kinds] of files) {
    if (kinds.has('log')) continue;
    const orphan = kinds.has('index') ? 'index' : 'timeindex';
    throw corruptFileError(segmentFilePath(dir, baseOffset, orphan), 'an index with no .log file');
  }
  return [...files.keys()].sort((left, right) => left - right);
}

/**
 * Compaction writes `X.*.cleaned`, renames them to `X.*.swap` (the .log last: the commit
 * point), then renames each `.swap` over the original (the .log last). So: a `.log.swap`
 * means the swap committed and is finished here; `.swap` indexes without it, and every
 * `.cleaned` file, belong to an uncommitted pass and are deleted.
 */
async function finishCompactionLeftovers(context: RecoveryContext, names: readonly string[]) {
  const { fs, dir, logger } = context;
  const committed = new Set<number>();
  for (const name of names) {
    const parsed = parseSegmentFileName(dir, name);
    if (parsed?.stage === 'swap' && parsed.kind === 'log') committed.add(parsed.baseOffset);
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(dir, name);
    if (parsed === null || parsed.stage === 'final') continue;
    const path = join(dir, name);
    const { baseOffset, kind } = parsed;
    if (parsed.stage === 'swap' && committed.has(baseOffset) && kind !== 'log') {
      await fs.rename(path, segmentFilePath(dir, baseOffset, kind));
    } else if (!(parsed.stage === 'swap' && kind === 'log')) {
      logger.warn(`${path}: deleting an unfinished compaction file`);
      await fs.removeFile(path);
    }
  }
  for (const baseOffset of committed) {
    logger.warn(`${dir}: finishing the compaction of segment ${baseOffset}`);
    await fs.rename(
      segmentFilePath(dir, baseOffset, 'log', 'swap'),
      segmentFilePath(dir, baseOffset, 'log'),
    );
  }
  await fs.syncDirectory(dir);
}
