/**
 * One segment of a partition: a .log file of whole record batches (v2, exactly as on the wire;
 * layout in @cairn/protocol's record-batch-header.ts) with its offset and time indexes
 * (offset-index.ts, time-index.ts) held in memory and written to their files when the segment
 * is sealed (rolled), flushed after sealing, or closed.
 *
 * Concurrency: one writer. `write` and `commitAppend` are called only by the PartitionLog's
 * writer, one append at a time ("only one append in progress", Redpanda's segment_appender).
 * Reads run concurrently with the writer and with each other: they only see `sizeBytes`, which
 * moves after the bytes are in the file. A reader holds `retain()` while it reads, and `close`
 * waits for every reader to `release()`, so retention never closes a file under a read.
 */
import {
  assert,
  RECORD_BATCH_OVERHEAD,
  readBaseOffset,
  readBatchSizeBytes,
  readLastOffsetDelta,
  readMaxTimestamp,
} from '@cairn/protocol';
import { readHintsMax } from './constants.js';
import type { FileSystem, LogFile } from './file-system.js';
import { OffsetIndex } from './offset-index.js';
import { newReadBuffers, type ReadBuffers } from './read-buffers.js';
import { type SegmentFileStage, segmentFilePath } from './segment-files.js';
import { corruptFileError, storageError } from './storage-error.js';
import { NO_TIMESTAMP, TimeIndex } from './time-index.js';

/** What recovery knows about a segment it has checked or rebuilt. */
export interface SegmentState {
  sizeBytes: number;
  nextOffset: number;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  bytesSinceLastIndexEntry: number;
  rollingBasedTimestamp: number;
}

const emptyBuffer: Buffer = Buffer.alloc(0);

export class Segment {
  /** Bytes of whole batches in the .log file: the position of the next append. */
  sizeBytes: number;
  /** The offset after the segment's last batch; `baseOffset` while it is empty. */
  nextOffset: number;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** The largest batch maxTimestamp so far (NO_TIMESTAMP when none) and the batch's offset. */
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  /** Kafka's name for the time segment.ms counts from: creation, or the first batch's time. */
  rollingBasedTimestamp: number;
  /** Bytes of the .log file known to be fsync'd. */
  flushedBytes: number;
  private bytesSinceLastIndexEntry: number;
  private sealed = false;
  private indexesPersisted = false;
  private readerCount = 0;
  private idle: (() => void) | null = null;
  private closed = false;
  /** Offset -> position of the batch starting there, where recent reads ended (bounded). */
  private readonly readHints = new Map<number, number>();
  private logPathCache: string | null = null;

  constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    private readonly log: LogFile,
    state: SegmentState,
  ) {
    this.sizeBytes = state.sizeBytes;
    this.nextOffset = state.nextOffset;
    this.offsetIndex = state.offsetIndex;
    this.timeIndex = state.timeIndex;
    this.maxTimestamp = state.maxTimestamp;
    this.offsetOfMaxTimestamp = state.offsetOfMaxTimestamp;
    this.bytesSinceLastIndexEntry = state.bytesSinceLastIndexEntry;
    this.rollingBasedTimestamp = state.rollingBasedTimestamp;
    this.flushedBytes = 0;
  }

  /** Creates the empty .log file of a new segment (the caller syncs the directory). */
  static async create(fs: FileSystem, dir: string, baseOffset: number, now: number) {
    const path = segmentFilePath(dir, baseOffset, 'log');
    const log = await fs.openFile(path, { create: true });
    const sizeBytes = await log.sizeBytes();
    if (sizeBytes !== 0) {
      await log.close();
      throw corruptFileError(path, `a new segment's file already holds ${sizeBytes} bytes`);
    }
    return new Segment(fs, dir, baseOffset, log, emptySegmentState(baseOffset, now));
  }

  /** The .log file's name; compaction swaps a new file under it, so not the handle's path. */
  get logPath(): string {
    this.logPathCache ??= segmentFilePath(this.dir, this.baseOffset, 'log');
    return this.logPathCache;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  /** True when a flush has work: bytes not yet fsync'd, or a sealed segment's index files. */
  needsFlush(): boolean {
    return this.flushedBytes < this.sizeBytes || (this.sealed && !this.indexesPersisted);
  }

  /** Writes whole batches at `position`, which must be the current end. Writer only. */
  write(buffers: readonly Buffer[], position: number): Promise<void> {
    // Hot path: messages are built only when a check fails.
    if (this.sealed || this.closed) assert(false, `write to sealed segment ${this.logPath}`);
    if (position !== this.sizeBytes) assert(false, `write at ${position} of ${this.sizeBytes}`);
    return this.log.write(buffers, position);
  }

  /**
   * Makes batches written at the end visible: indexes, size, nextOffset. Touches batch
   * headers only. Writer only, synchronously after `write` resolved.
   */
  commitAppend(records: Buffer, indexIntervalBytes: number): void {
    let at = 0;
    while (at < records.length) {
      const sizeBytes = readBatchSizeBytes(records, at);
      const lastOffset = readBaseOffset(records, at) + readLastOffsetDelta(records, at);
      const maxTimestamp = readMaxTimestamp(records, at);
      this.indexBatch(this.sizeBytes, sizeBytes, lastOffset, maxTimestamp, indexIntervalBytes);
      at += sizeBytes;
    }
    if (at !== records.length) assert(false, `append of ${records.length} bytes ends at ${at}`);
  }

  /**
   * Adds one batch at `position` to the in-memory state, as an append or a recovery scan
   * does (Kafka's LogSegment.append): an index entry after every indexIntervalBytes.
   */
  indexBatch(
    position: number,
    sizeBytes: number,
    lastOffset: number,
    maxTimestamp: number,
    indexIntervalBytes: number,
  ): void {
    if (position !== this.sizeBytes || lastOffset < this.nextOffset) {
      assert(
        false,
        `batch (${position}, ${lastOffset}) after (${this.sizeBytes}, ${this.nextOffset})`,
      );
    }
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeBytes;
    this.sizeBytes = position + sizeBytes;
    this.nextOffset = lastOffset + 1;
  }

  /** Index entries the segment can still take; appends of more batches roll first. */
  indexRoom(): number {
    return Math.min(this.offsetIndex.remainingEntryCount(), this.timeIndex.remainingEntryCount());
  }

  /** Ends appends to this segment; its last time index entry becomes its largest timestamp. */
  seal(): void {
    this.sealed = true;
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  /** A closed segment loaded with index files that passed their checks: nothing to write. */
  sealWithPersistedIndexes(): void {
    this.seal();
    this.indexesPersisted = true;
  }

  /** fsync of the .log file, and of the index files once the segment is sealed. */
  async flush(): Promise<void> {
    const sizeBytes = this.sizeBytes;
    if (this.sealed && !this.indexesPersisted) await this.persistIndexes();
    try {
      await this.log.sync();
    } catch (error) {
      throw storageError('fsync of', this.logPath, error);
    }
    this.flushedBytes = Math.max(this.flushedBytes, sizeBytes);
  }

  /** Writes both index files whole from memory and fsyncs them (compaction: `.cleaned`). */
  async persistIndexes(stage: SegmentFileStage = 'final'): Promise<void> {
    const { fs, dir, baseOffset } = this;
    await writeWholeFile(
      fs,
      segmentFilePath(dir, baseOffset, 'index', stage),
      this.offsetIndex.bytes(),
    );
    await writeWholeFile(
      fs,
      segmentFilePath(dir, baseOffset, 'timeindex', stage),
      this.timeIndex.bytes(),
    );
    this.indexesPersisted = this.sealed && stage === 'final';
  }

  /**
   * Whole batches starting with the one that holds `offset`: the first one even when it is
   * larger than `maxBytes` (Kafka's minOneMessage), then those that fit in `maxBytes`, none
   * whose lastOffset is >= `maxOffset`. Empty when no batch here holds `offset` or later.
   * Touches batch headers only, and few of them: it starts at a read hint or the offset index
   * entry (reading `slackBytes`, index.interval.bytes, ahead to reach the batch), and jumps to
   * the last index entry inside `maxBytes` instead of walking every header before it.
   * The bytes returned are in a buffer from `buffers`.
   */
  async readBatches(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    slackBytes: number,
    buffers: ReadBuffers = newReadBuffers,
  ): Promise<Buffer> {
    const end = this.sizeBytes;
    const endOffset = this.nextOffset;
    const wantedBytes = Math.max(maxBytes, 0);
    const hint = this.readHints.get(offset);
    let windowStart = hint ?? (await this.indexedStart(offset, end, slackBytes));
    let window: Buffer = emptyBuffer;
    let at = 0;
    for (;;) {
      if (windowStart + at >= end) return emptyBuffer;
      if (window.length - at < RECORD_BATCH_OVERHEAD) {
        windowStart += at;
        at = 0;
        window = await this.readWindow(
          windowStart,
          end,
          (hint === undefined ? slackBytes : 0) + wantedBytes,
          buffers,
        );
      }
      const sizeBytes = this.checkedBatchSize(window, at, windowStart + at, end);
      if (this.lastOffsetAt(window, at, windowStart) >= offset) break;
      at += sizeBytes;
    }
    if (this.lastOffsetAt(window, at, windowStart) >= maxOffset) return emptyBuffer;
    const firstSizeBytes = readBatchSizeBytes(window, at);
    // Re-read from the first batch when the window ends before maxBytes (or the segment) does.
    const reachable = Math.min(Math.max(firstSizeBytes, wantedBytes), end - windowStart - at);
    if (window.length - at < reachable) {
      windowStart += at;
      at = 0;
      const rereadBytes = Math.max(firstSizeBytes, wantedBytes);
      window = await this.readWindow(windowStart, end, rereadBytes, buffers);
    }
    const stop = this.lastWholeBatchEnd(window, windowStart, at, wantedBytes, {
      end,
      maxOffset: maxOffset >= endOffset ? null : maxOffset,
    });
    this.rememberReadEnd(window, windowStart, stop, { end, endOffset });
    return window.subarray(at, stop);
  }

  /**
   * Where a read of `offset` without a hint starts: the offset index entry at or below it.
   * An entry names its batch by the batch's lastOffset, so the batch there may end before
   * `offset`. When the segment's batches are larger than the look-ahead (`slackBytes`), every
   * batch has an entry, so that batch is the only one before `offset`: it is hopped over by
   * reading its header alone, rather than read whole and thrown away with a second read after
   * it (pipelined fetches, which start before the previous read left its hint, and seeks).
   * The read that follows checks where it landed, as from any start.
   */
  private async indexedStart(offset: number, end: number, slackBytes: number): Promise<number> {
    const entry = this.offsetIndex.lookup(offset);
    const position = entry.position;
    const bytesPerEntry = this.sizeBytes / Math.max(this.offsetIndex.entryCount, 1);
    const early = entry.offset < offset && bytesPerEntry > 2 * slackBytes;
    if (!early || position + RECORD_BATCH_OVERHEAD > end) return position;
    const header = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD);
    const count = await this.log.read(header, 0, RECORD_BATCH_OVERHEAD, position);
    if (count !== RECORD_BATCH_OVERHEAD) return position;
    const sizeBytes = this.checkedBatchSize(header, 0, position, end);
    if (this.lastOffsetAt(header, 0, position) >= offset || sizeBytes <= slackBytes) {
      return position;
    }
    return position + sizeBytes;
  }

  /**
   * Where the returned batches end in `window`: after the first batch (at `at`), as many whole
   * batches as fit in `wantedBytes`. When no batch of the segment can reach `maxOffset` (null),
   * it jumps to the last offset index entry inside the budget and walks only from there.
   */
  private lastWholeBatchEnd(
    window: Buffer,
    windowStart: number,
    at: number,
    wantedBytes: number,
    limits: { end: number; maxOffset: number | null },
  ): number {
    let stop = at + readBatchSizeBytes(window, at);
    if (limits.maxOffset === null) {
      const budgetEnd = windowStart + Math.min(window.length, at + wantedBytes);
      stop = Math.max(stop, this.offsetIndex.floorPosition(budgetEnd) - windowStart);
    }
    while (window.length - stop >= RECORD_BATCH_OVERHEAD) {
      const sizeBytes = this.checkedBatchSize(window, stop, windowStart + stop, limits.end);
      if (stop + sizeBytes > window.length || stop + sizeBytes - at > wantedBytes) break;
      if (
        limits.maxOffset !== null &&
        this.lastOffsetAt(window, stop, windowStart) >= limits.maxOffset
      ) {
        break;
      }
      stop += sizeBytes;
    }
    return stop;
  }

  /** Remembers where the batch after a read starts, for the reader's next sequential read. */
  private rememberReadEnd(
    window: Buffer,
    windowStart: number,
    stop: number,
    committed: { end: number; endOffset: number },
  ): void {
    let nextOffset: number;
    if (windowStart + stop === committed.end) nextOffset = committed.endOffset;
    else if (window.length - stop >= RECORD_BATCH_OVERHEAD)
      nextOffset = readBaseOffset(window, stop);
    else return;
    this.readHints.delete(nextOffset);
    this.readHints.set(nextOffset, windowStart + stop);
    if (this.readHints.size > readHintsMax) {
      this.readHints.delete(this.readHints.keys().next().value!);
    }
  }

  /** Reads `length` bytes at `position` (within the committed size) into a buffer of `buffers`. */
  async readAt(
    position: number,
    length: number,
    buffers: ReadBuffers = newReadBuffers,
  ): Promise<Buffer> {
    if (position + length > this.sizeBytes) assert(false, `read past the end of ${this.logPath}`);
    const buffer = buffers.allocate(length);
    const count = await this.log.read(buffer, 0, length, position);
    if (count !== length) {
      throw corruptFileError(
        this.logPath,
        `short read: ${count} of ${length} bytes at ${position}`,
      );
    }
    return buffer;
  }

  /** The open .log file, for scans (recovery, compaction, timestamp lookups). */
  get logFile(): LogFile {
    return this.log;
  }

  indexPath(kind: 'index' | 'timeindex'): string {
    return segmentFilePath(this.dir, this.baseOffset, kind);
  }

  /** Marks a read in progress; `close` waits for it. Synchronous, before the read's first await. */
  retain(): void {
    if (this.closed) assert(false, `read of closed segment ${this.logPath}`);
    this.readerCount += 1;
  }

  release(): void {
    if (this.readerCount <= 0) assert(false, `release without retain on ${this.logPath}`);
    this.readerCount -= 1;
    if (this.readerCount === 0) this.idle?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the .log file once no read holds the segment. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.readerCount > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    await this.log.close();
  }

  /** Closes, then removes the index files before the .log, so no index is left orphaned. */
  async delete(): Promise<void> {
    await this.close();
    await this.fs.removeFile(this.indexPath('timeindex'));
    await this.fs.removeFile(this.indexPath('index'));
    await this.fs.removeFile(this.logPath);
  }

  /**
   * One read of `wantedBytes` at `position` and a batch header more: when the wanted bytes end
   * exactly at a batch boundary (a consumer whose fetch size is a multiple of the batch size),
   * the next batch's baseOffset is still in the window, so the read hint is kept and the next
   * sequential read is again a single one (without it, it restarts at the offset index entry,
   * a batch early, and reads twice).
   */
  private async readWindow(
    position: number,
    end: number,
    wantedBytes: number,
    buffers: ReadBuffers,
  ): Promise<Buffer> {
    const length = Math.min(end - position, wantedBytes + RECORD_BATCH_OVERHEAD);
    return this.readAt(position, length, buffers);
  }

  /** Batch size at `at`, checked so damaged bytes on disk cannot send a read astray. */
  private checkedBatchSize(window: Buffer, at: number, position: number, end: number): number {
    const sizeBytes = readBatchSizeBytes(window, at);
    if (sizeBytes < RECORD_BATCH_OVERHEAD || position + sizeBytes > end) {
      throw corruptFileError(this.logPath, `batch at ${position} has size ${sizeBytes}`);
    }
    return sizeBytes;
  }

  private lastOffsetAt(window: Buffer, at: number, windowStart: number): number {
    try {
      return readBaseOffset(window, at) + readLastOffsetDelta(window, at);
    } catch (error) {
      throw storageError('reading', `${this.logPath} at ${windowStart + at}`, error);
    }
  }
}

export function emptySegmentState(baseOffset: number, now: number): SegmentState {
  return {
    sizeBytes: 0,
    nextOffset: baseOffset,
    offsetIndex: new OffsetIndex(baseOffset),
    timeIndex: new TimeIndex(baseOffset),
    maxTimestamp: NO_TIMESTAMP,
    offsetOfMaxTimestamp: baseOffset,
    bytesSinceLastIndexEntry: 0,
    rollingBasedTimestamp: now,
  };
}

/** Replaces a file's contents with `bytes` and fsyncs it (derived files: indexes). */
export async function writeWholeFile(fs: FileSystem, path: string, bytes: Buffer): Promise<void> {
  let file: LogFile | undefined;
  try {
    file = await fs.openFile(path, { create: true });
    if (bytes.length > 0) await file.write([bytes], 0);
    await file.truncate(bytes.length);
    await file.sync();
  } catch (error) {
    throw storageError('writing', path, error);
  } finally {
    await file?.close();
  }
}
