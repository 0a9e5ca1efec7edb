/**
 * The log of one partition (Kafka's UnifiedLog): an ordered list of segments in one
 * directory, the last one active. Appends go through a bounded queue to a single writer;
 * reads, flushes and maintenance (retention, deleteRecordsBefore, compaction) run beside it.
 * The byte layouts are drawn where they are written: segment-files.ts (names), offset-index.ts,
 * time-index.ts, checkpoint-file.ts, and @cairn/protocol's record-batch-header.ts (batches).
 * Beside this file: log-segments.ts (the segment list), writer-tasks.ts (the writer's tasks and
 * roll decision), log-reads.ts (the read path), retention.ts and compaction.ts (maintenance),
 * group-commit.ts (shared fsyncs), partition-log-probe.ts (counters).
 *
 * Offsets, from low to high: logStartOffset <= recoveryPoint (fsync'd below) <= highWatermark
 * (written below; what reads serve, and with one broker Kafka's high watermark) <=
 * logEndOffset (assigned below, including appends still queued).
 *
 * Concurrency contract, for the whole class: every method may be called at any time from any
 * async context. Appends take offsets synchronously in call order and are written in that order
 * by one writer. Maintenance operations run one at a time (a mutex). Reads hold the segments
 * they read (`retain`), so deleting or replacing a segment waits for them. A failed write or
 * fsync is sticky: appends and flushes fail with it until the log is reopened, so the file never
 * gets a hole; reads keep serving what was written before.
 */
import { join } from 'node:path';
import { assert, kafkaError } from '@cairn/protocol';
import { assignOffsets, checkAppend } from './append-batches.js';
import { AppendQueue } from './append-queue.js';
import { writeCheckpoint } from './checkpoint-file.js';
import { type Clock, systemClock } from './clock.js';
import { type CompactionResult, compactLog } from './compaction.js';
import { compacts, type LogConfig, validateLogConfig } from './config.js';
import { appendQueueBytesMax, appendQueueLengthMax } from './constants.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { GroupCommit } from './group-commit.js';
import { ignoringLogObserver, type LogObserver } from './log-observer.js';
import { findOffsetForTimestamp, readBatches, type TimestampAndOffset } from './log-reads.js';
import { LogSegments, type SegmentInfo } from './log-segments.js';
import { consoleLogLogger, type LogLogger } from './logger.js';
import { Mutex } from './mutex.js';
import { PartitionLogProbe } from './partition-log-probe.js';
import { newReadBuffers, type ReadBuffers } from './read-buffers.js';
import { recoverLog } from './recovery.js';
import {
  deleteSegmentFiles,
  planRetention,
  type RetentionReason,
  type RetentionResult,
  retentionCandidates,
} from './retention.js';
import { Segment } from './segment.js';
import {
  cleanerCheckpointName,
  logStartOffsetCheckpointName,
  recoveryPointCheckpointName,
} from './segment-files.js';
import { storageError } from './storage-error.js';
import {
  type AppendResult,
  AppendTask,
  joinAppends,
  RollTask,
  shouldRoll,
  type WriterTask,
} from './writer-tasks.js';

export interface PartitionLogOptions {
  clock?: Clock;
  fileSystem?: FileSystem;
  logger?: LogLogger;
  /** How messages name the log, e.g. `orders-3`; the directory by default. */
  name?: string;
  /** Told of writes, fsyncs, rolls and segment deletions (the broker's metrics, disk budget). */
  observer?: LogObserver;
}

export interface ReadResult {
  /** Whole batches, exactly as stored; empty at the high watermark. */
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

export type { SegmentInfo } from './log-segments.js';
export { PartitionLogProbe } from './partition-log-probe.js';
export type { RetentionResult } from './retention.js';
// Types of PartitionLog's API that are declared beside the code that makes them.
export type { AppendResult } from './writer-tasks.js';

export class PartitionLog {
  readonly probe = new PartitionLogProbe();
  private readonly segments: LogSegments;
  private currentConfig: LogConfig;
  #logStartOffset: number;
  #logEndOffset: number;
  #highWatermark: number;
  private persistedRecoveryPoint: number;
  private lastFlushMs: number;
  private cleanedUpToOffset: number;
  private lastCompactionMs: number;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  /** Tasks of the write being reported to the group commit; they are still in the queue. */
  private committingTaskCount = 0;
  private readonly queue: AppendQueue<WriterTask>;
  private readonly groupCommit: GroupCommit;
  private readonly maintenance = new Mutex();
  private readonly checkpoints = new Mutex();
  private readonly flushes = new Mutex();

  private constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly fs: FileSystem,
    private readonly clock: Clock,
    private readonly logger: LogLogger,
    readonly name: string,
    recovered: Awaited<ReturnType<typeof recoverLog>>,
    private readonly observer: LogObserver,
  ) {
    this.currentConfig = { ...config };
    this.segments = new LogSegments(recovered.segments, name);
    this.#logStartOffset = recovered.logStartOffset;
    this.#logEndOffset = recovered.logEndOffset;
    this.#highWatermark = recovered.logEndOffset;
    this.persistedRecoveryPoint = -1;
    this.lastFlushMs = clock.now();
    this.lastCompactionMs = clock.now();
    this.cleanedUpToOffset = recovered.cleanedUpToOffset;
    this.probe.recoveryTruncatedBytes = recovered.truncatedBytes;
    const limits = { lengthMax: appendQueueLengthMax, bytesMax: appendQueueBytesMax };
    this.queue = new AppendQueue<WriterTask>(
      limits,
      (tasks) => this.processTasks(tasks),
      () => this.groupCommit.writerIdle(),
    );
    this.groupCommit = new GroupCommit(
      recovered.recoveryPoint,
      (offset) => this.syncTo(offset),
      () => this.queue.length > this.committingTaskCount,
    );
  }

  /**
   * Opens (creating when missing) the log in `dir` and recovers it: see recovery.ts. Throws
   * INVALID_CONFIG for a bad config and KAFKA_STORAGE_ERROR naming the file for damage it
   * cannot repair (an orphan index, a bad file name, overlapping segments) or an I/O failure.
   */
  static async open(
    dir: string,
    config: LogConfig,
    options: PartitionLogOptions = {},
  ): Promise<PartitionLog> {
    validateLogConfig(config);
    const fs = options.fileSystem ?? nodeFileSystem;
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? consoleLogLogger;
    const recovered = await recoverLog({ fs, dir, config, clock, logger });
    const observer = options.observer ?? ignoringLogObserver;
    return new PartitionLog(
      dir,
      config,
      fs,
      clock,
      logger,
      options.name ?? dir,
      recovered,
      observer,
    );
  }

  /** The first offset a read may ask for. */
  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** The offset the next append gets: every offset below is taken, maybe still queued. */
  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  /** Every offset below is in the file and readable; single broker: Kafka's high watermark. */
  get highWatermark(): number {
    return this.#highWatermark;
  }

  /** Every offset below is fsync'd. */
  get recoveryPoint(): number {
    return this.groupCommit.flushedOffset;
  }

  get config(): Readonly<LogConfig> {
    return this.currentConfig;
  }

  get sizeBytes(): number {
    return this.segments.sizeBytes;
  }

  /** Bytes of the segments' offset and time indexes (what their files hold once sealed). */
  get indexSizeBytes(): number {
    return this.segments.indexSizeBytes;
  }

  get segmentCount(): number {
    return this.segments.count;
  }

  /** The failure that stopped appends, or null. */
  get error(): Error | null {
    return this.failure;
  }

  /** A snapshot of the segments, oldest first; the last one is active. */
  segmentInfos(): SegmentInfo[] {
    return this.segments.infos();
  }

  /**
   * Appends one or more whole v2 batches, back to back as a Produce request carries them.
   * Validates every batch before taking offsets (nothing is written when one is bad), then
   * assigns offsets in place synchronously, in call order, and resolves once the bytes are in
   * the file (page cache); `flushedTo(lastOffset + 1)` waits for the fsync. The buffer belongs
   * to the log from the call on. Throws CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE,
   * RECORD_LIST_TOO_LARGE; REQUEST_TIMED_OUT (retriable) when the append queue is full;
   * KAFKA_STORAGE_ERROR after a write failure or once closed.
   */
  append(records: Buffer): Promise<AppendResult> {
    try {
      return this.enqueueAppend(records);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `append` up to the queue, throwing instead of rejecting (one promise fewer per append). */
  private enqueueAppend(records: Buffer): Promise<AppendResult> {
    this.checkWritable();
    const shape = checkAppend(records, this.currentConfig, this.name);
    if (!this.queue.hasRoomFor(records.length)) {
      this.probe.appendQueueFullCount += 1;
      throw kafkaError(
        'REQUEST_TIMED_OUT',
        `${this.name}: the append queue is full (${this.queue.length} appends, ` +
          `${this.queue.sizeBytes} bytes queued); retry later`,
      );
    }
    const now = this.clock.now();
    const logAppendTime = this.currentConfig.messageTimestampType === 'LogAppendTime' ? now : null;
    const baseOffset = this.#logEndOffset;
    const lastOffset = assignOffsets(records, baseOffset, logAppendTime);
    assert(lastOffset - baseOffset + 1 === shape.offsetCount, 'offsets assigned vs counted');
    this.#logEndOffset = lastOffset + 1;
    const result: AppendResult = {
      baseOffset,
      lastOffset,
      logAppendTime: logAppendTime ?? -1,
      logStartOffset: this.#logStartOffset,
    };
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push(new AppendTask(records, shape.batchCount, result, resolve, reject));
    });
  }

  /**
   * Resolves once every offset below `offset` is fsync'd; callers waiting together share one
   * fsync (group commit). At once when already flushed. Rejects with KAFKA_STORAGE_ERROR after
   * a write or fsync failure. `offset` must not be above logEndOffset.
   */
  flushedTo(offset: number): Promise<void> {
    if (offset > this.#logEndOffset)
      assert(false, `flushedTo(${offset}) past ${this.#logEndOffset}`);
    if (this.failure !== null && offset > this.groupCommit.flushedOffset) {
      return Promise.reject(this.failure);
    }
    return this.groupCommit.waitFor(offset);
  }

  /** fsync of everything appended so far (queued appends included). */
  flush(): Promise<void> {
    return this.flushedTo(this.#logEndOffset);
  }

  /** Flushes when flush.ms has passed since the last fsync and data is waiting (scheduler). */
  async flushIfDue(): Promise<void> {
    const due = this.clock.now() - this.lastFlushMs >= this.currentConfig.flushMs;
    if (due && this.failure === null && this.#highWatermark > this.recoveryPoint) {
      await this.flushedTo(this.#highWatermark);
    }
  }

  /**
   * Whole batches from the one holding `offset`: at least one batch even when it is larger
   * than `maxBytes` (Kafka), then more while they fit, none with an offset at or above
   * `maxOffset` (exclusive, e.g. the high watermark; the high watermark at most). Reads one
   * segment. Empty at the high watermark or logEndOffset. Throws OFFSET_OUT_OF_RANGE below
   * logStartOffset or above logEndOffset, KAFKA_STORAGE_ERROR once closed or on I/O failure.
   * The records are in a buffer from `buffers` (a new one by default).
   */
  async read(
    offset: number,
    maxBytes: number,
    maxOffset?: number,
    buffers: ReadBuffers = newReadBuffers,
  ): Promise<ReadResult> {
    this.checkReadable();
    if (
      !Number.isSafeInteger(offset) ||
      offset < this.#logStartOffset ||
      offset > this.#logEndOffset
    ) {
      throw kafkaError(
        'OFFSET_OUT_OF_RANGE',
        `${this.name}: offset ${offset} is outside [${this.#logStartOffset}, ${this.#logEndOffset}]`,
      );
    }
    const upperOffset = Math.min(maxOffset ?? this.#highWatermark, this.#highWatermark);
    const slackBytes = this.currentConfig.indexIntervalBytes;
    const records = await readBatches(
      this.segments,
      offset,
      maxBytes,
      upperOffset,
      slackBytes,
      buffers,
    );
    this.probe.readCount += 1;
    this.probe.readBytes += records.length;
    return this.readResult(records);
  }

  /**
   * The first offset at or above logStartOffset and below the high watermark whose record
   * timestamp is >= `timestamp`, with that timestamp (Kafka's ListOffsets by time), found
   * through the time indexes; null when no record is that late. Throws KAFKA_STORAGE_ERROR.
   */
  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.checkReadable();
    return findOffsetForTimestamp(this.segments, timestamp, this);
  }

  /**
   * Moves logStartOffset up to `offset` (Kafka's DeleteRecords) at once, persists it in the
   * log-start-offset checkpoint, then deletes the segments wholly below it. No-op at or below
   * the current logStartOffset. Throws OFFSET_OUT_OF_RANGE above the high watermark.
   */
  async deleteRecordsBefore(offset: number): Promise<void> {
    this.checkWritable();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.#highWatermark) {
      throw kafkaError(
        'OFFSET_OUT_OF_RANGE',
        `${this.name}: cannot delete records before ${offset}: the high watermark is ` +
          `${this.#highWatermark}`,
      );
    }
    if (offset <= this.#logStartOffset) return;
    this.#logStartOffset = offset;
    await this.maintenance.run(async () => {
      const path = join(this.dir, logStartOffsetCheckpointName);
      await writeCheckpoint(this.fs, path, this.#logStartOffset);
      await this.deleteOldSegments(0, []);
    });
  }

  /**
   * Deletes the oldest closed segments that retention.ms or retention.bytes (when
   * cleanup.policy has delete) or logStartOffset let go; never the active segment. Returns
   * what it deleted. Throws KAFKA_STORAGE_ERROR.
   */
  applyRetention(): Promise<RetentionResult> {
    return this.maintenance.run(async () => {
      this.checkReadable();
      const candidates = await retentionCandidates(this.segments.toArray(), this.fs);
      const plan = planRetention(candidates, {
        config: this.currentConfig,
        now: this.clock.now(),
        logSizeBytes: this.sizeBytes,
        logStartOffset: this.#logStartOffset,
      });
      return this.deleteOldSegments(plan.deleteCount, plan.reasons);
    });
  }

  /**
   * Compacts the closed, fsync'd segments when cleanup.policy has
   * compact: keeps the newest record of each key, drops tombstones older than
   * delete.retention.ms (compaction.ts). Returns what it did; zeros when the policy is delete.
   */
  compact(): Promise<CompactionResult> {
    return this.maintenance.run(async () => {
      this.checkReadable();
      if (!compacts(this.currentConfig)) return emptyCompactionResult();
      // Closed segments whose every offset is fsync'd.
      const eligible = this.segments.closedBelow(this.groupCommit.flushedOffset);
      const cleanedEnd = eligible.endOffset;
      // Recovery allows offset gaps only below the cleaner checkpoint: it is written first.
      if (eligible.segments.length > 0 && cleanedEnd > this.cleanedUpToOffset) {
        const path = join(this.dir, cleanerCheckpointName);
        await this.checkpoints.run(() => writeCheckpoint(this.fs, path, cleanedEnd));
        this.cleanedUpToOffset = cleanedEnd;
      }
      const result = await compactLog(
        { fs: this.fs, dir: this.dir, config: this.currentConfig, clock: this.clock },
        eligible.segments,
        (old, replacement) => this.replaceSegment(old, replacement),
      );
      this.lastCompactionMs = this.clock.now();
      this.probe.compactionCount += 1;
      return result;
    });
  }

  /**
   * True when compaction has work: segments closed since the last pass, or tombstones that
   * may have outlived delete.retention.ms since then.
   */
  needsCompaction(): boolean {
    if (!compacts(this.currentConfig)) return false;
    if (this.segments.count < 2) return false;
    const closedEnd = this.segments.active.baseOffset;
    const sinceLastMs = this.clock.now() - this.lastCompactionMs;
    return closedEnd > this.cleanedUpToOffset || sinceLastMs > this.currentConfig.deleteRetentionMs;
  }

  /** Closes the active segment and starts a new one at logEndOffset (after queued appends). */
  async roll(): Promise<void> {
    this.checkWritable();
    return new Promise<void>((resolve, reject) => {
      this.queue.push(new RollTask(resolve, reject));
    });
  }

  /** Takes effect from the next append, roll, retention or compaction. Throws INVALID_CONFIG. */
  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.currentConfig = { ...config };
  }

  /**
   * Stops appends, waits for queued appends and running maintenance, flushes everything,
   * writes the active segment's indexes and the recovery point, and closes the files.
   * Idempotent; reads and appends fail with KAFKA_STORAGE_ERROR afterwards.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    await this.queue.idle();
    await this.maintenance.run(async () => undefined);
    let closeError: unknown = null;
    if (this.failure === null) {
      try {
        await this.groupCommit.waitFor(this.#highWatermark);
        // Sealed segments' index files are written by their flush; the active one's now.
        await this.syncTo(this.#highWatermark);
        await this.segments.active.persistIndexes();
        await this.persistRecoveryPoint(this.#highWatermark);
      } catch (error) {
        closeError = error;
      }
    }
    await this.segments.close();
    if (closeError !== null) throw storageError('closing', this.dir, closeError);
  }

  /** The writer: does the first queued task and any appends it can join into one write. */
  private async processTasks(tasks: readonly WriterTask[]): Promise<number> {
    const first = tasks[0]!;
    if (first.kind === 'roll') {
      const active = this.segments.active;
      if (active.sizeBytes > 0) await this.rollTo(active.nextOffset);
      return 1;
    }
    let segment = this.segments.active;
    if (shouldRoll(segment, first, this.currentConfig, this.clock)) {
      segment = await this.rollTo(first.result.baseOffset);
    }
    const group = joinAppends(segment, tasks, this.currentConfig.segmentBytes);
    const position = segment.sizeBytes;
    try {
      await segment.write(
        group.map((task) => task.records),
        position,
      );
    } catch (error) {
      throw this.failWith(storageError('appending to', segment.logPath, error));
    }
    const unmoved = segment === this.segments.active && segment.sizeBytes === position;
    assert(unmoved, 'segment moved in write');
    for (const task of group) {
      segment.commitAppend(task.records, this.currentConfig.indexIntervalBytes);
    }
    const last = group.at(-1)!;
    this.#highWatermark = last.result.lastOffset + 1;
    assert(segment.nextOffset === this.#highWatermark, 'segment end vs high watermark');
    this.probe.writeCount += 1;
    let writtenBytes = 0;
    for (const task of group) {
      this.probe.appendCount += 1;
      writtenBytes += task.records.length;
      this.probe.appendBatchCount += task.batchCount;
    }
    this.probe.appendBytes += writtenBytes;
    this.observer.onWrite(writtenBytes);
    this.committingTaskCount = group.length;
    this.groupCommit.written(this.#highWatermark);
    this.committingTaskCount = 0;
    return group.length;
  }

  /** Seals the active segment, starts one at `baseOffset`, flushes the sealed one behind. */
  private async rollTo(baseOffset: number): Promise<Segment> {
    const sealed = this.segments.active;
    assert(baseOffset === sealed.nextOffset, `roll to ${baseOffset} after ${sealed.nextOffset}`);
    let next: Segment;
    try {
      next = await Segment.create(this.fs, this.dir, baseOffset, this.clock.now());
      await this.fs.syncDirectory(this.dir);
    } catch (error) {
      throw this.failWith(storageError('rolling', this.dir, error));
    }
    this.segments.roll(next);
    this.probe.rollCount += 1;
    this.observer.onSegmentRoll();
    // Kafka flushes a rolled segment in the background (here: fsync, index files, recovery
    // point); a failure is sticky like any other.
    this.syncTo(baseOffset).catch(() => undefined);
    return next;
  }

  /**
   * Makes every offset below `target` durable (the group commit's sync, a roll's background
   * flush, close). One at a time, so two never write the same index file together.
   */
  private syncTo(target: number): Promise<void> {
    return this.flushes.run(() => this.syncNow(target));
  }

  private async syncNow(target: number): Promise<void> {
    const dirty = this.segments.needingFlushBelow(target);
    for (const segment of dirty) segment.retain();
    let sealedFlushed = false;
    const startedAt = performance.now();
    try {
      for (const segment of dirty) {
        await segment.flush();
        sealedFlushed ||= segment.isSealed;
      }
      this.lastFlushMs = this.clock.now();
      this.probe.syncCount += 1;
      if (dirty.length > 0) this.observer.onFsync((performance.now() - startedAt) / 1000);
      if (sealedFlushed) await this.persistRecoveryPoint(target);
    } catch (error) {
      throw this.failWith(storageError('flushing', this.dir, error));
    } finally {
      for (const segment of dirty) segment.release();
    }
  }

  /** Writes the recovery-point checkpoint when `offset` (already fsync'd) moves it up. */
  private persistRecoveryPoint(offset: number): Promise<void> {
    return this.checkpoints.run(async () => {
      if (offset <= this.persistedRecoveryPoint) return;
      await writeCheckpoint(this.fs, join(this.dir, recoveryPointCheckpointName), offset);
      this.persistedRecoveryPoint = offset;
    });
  }

  /** Deletes the `count` oldest segments, and any wholly below logStartOffset. Maintenance. */
  private async deleteOldSegments(
    count: number,
    reasons: RetentionReason[],
  ): Promise<RetentionResult> {
    const deleted = this.segments.removeOldest(count, this.#logStartOffset);
    for (let extra = count; extra < deleted.length; extra += 1) reasons.push('logStartOffset');
    this.#logStartOffset = Math.max(this.#logStartOffset, this.segments.first.baseOffset);
    const deletedBytes = await deleteSegmentFiles(this.fs, this.dir, deleted);
    this.probe.retentionDeletedSegmentCount += deleted.length;
    if (deleted.length > 0) this.observer.onSegmentsDeleted(deleted.length, deletedBytes);
    const result = { deletedSegmentCount: deleted.length, deletedBytes, reasons };
    return { ...result, logStartOffset: this.#logStartOffset };
  }

  /** Puts a compacted segment in place of the original; the original closes after its reads. */
  private async replaceSegment(old: Segment, replacement: Segment): Promise<void> {
    this.segments.replace(old, replacement);
    await old.close();
  }

  private readResult(records: Buffer): ReadResult {
    return {
      records,
      highWatermark: this.#highWatermark,
      logStartOffset: this.#logStartOffset,
      logEndOffset: this.#logEndOffset,
    };
  }

  private checkWritable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing !== null) {
      throw kafkaError('KAFKA_STORAGE_ERROR', `${this.name}: the log is closed`);
    }
  }

  private checkReadable(): void {
    this.segments.checkOpen();
  }

  /** Records the first failure, fails the queue and the group commit; returns the failure. */
  private failWith(error: Error): Error {
    if (this.failure === null) {
      this.failure = error;
      this.logger.warn(`${this.name}: appends stop until the log is reopened: ${error.message}`);
    }
    this.queue.fail(this.failure);
    this.groupCommit.fail(this.failure);
    return this.failure;
  }
}

function emptyCompactionResult(): CompactionResult {
  return { cleanedSegmentCount: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0 };
}
