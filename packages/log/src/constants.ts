/**
 * Limits and sizes of the log engine, unit and qualifier last (TigerBeetle style). Byte layouts
 * live with the code that reads and writes them (offset-index.ts, time-index.ts); this file
 * holds the limits, and the relationships between them are asserted when it loads.
 */
import { assert, fieldBytesMax, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '@cairn/protocol';

/** Positions in the offset index are int32, so a segment's .log file cannot grow past this. */
export const segmentBytesMax = 2 ** 31 - 1;

/** Kafka's floor for segment.bytes (LegacyRecord.RECORD_OVERHEAD_V0); smaller than any batch. */
export const segmentBytesMin = 14;

/** Offsets in the indexes are stored relative to the segment's baseOffset as an int32. */
export const relativeOffsetMax = 2 ** 31 - 1;

/**
 * A stored batch can be no larger than a Produce request's records field, so recovery treats a
 * longer batchLength as corruption instead of allocating what a flipped length byte asks for.
 */
export const batchBytesMax = fieldBytesMax;

/** Kafka's segment.index.bytes default: a segment rolls when either index reaches this size. */
export const indexBytesMax = 10 * 1024 * 1024;

/** Appends waiting for the partition's single writer before `append` rejects (retriable). */
export const appendQueueLengthMax = 4096;

/** Bytes of appends waiting for the partition's writer before `append` rejects (retriable). */
export const appendQueueBytesMax = 256 * 1024 * 1024;

/** Queued appends the writer joins into one writev call (Linux's IOV_MAX is 1024). */
export const coalescedAppendsMax = 256;

/**
 * Writes the group commit lets the writer finish, while more appends are queued, before it
 * starts an fsync a caller waits for: one fsync then covers the appends queued behind.
 */
export const groupCommitDeferredWritesMax = 16;

/** Batch positions a segment remembers where reads ended, so the next sequential read of a
 * consumer starts at its batch without an index lookup or a look-ahead window. */
export const readHintsMax = 16;

/** Bytes recovery, rebuild, compaction and the dump tool read at a time while scanning. */
export const scanChunkBytes = 1024 * 1024;

/** Distinct keys one compaction pass maps; past it the pass cleans fewer segments. */
export const compactionKeysMax = 1_000_000;

/** Default period of LogManager's maintenance scheduler (flush.ms, retention, compaction). */
export const maintenanceIntervalMsDefault = 1_000;

/** Kafka's limit on a topic name, which becomes part of a directory name. */
export const topicNameBytesMax = 249;

/** The lock file that keeps a second process out of a data directory. */
export const lockFileName = '.lock';

assert(segmentBytesMin < RECORD_BATCH_OVERHEAD, 'segmentBytesMin is below one batch header');
assert(LOG_OVERHEAD < RECORD_BATCH_OVERHEAD, 'batch header sizes are inconsistent');
assert(batchBytesMax < segmentBytesMax, 'a batch must fit in a segment');
assert(appendQueueBytesMax >= batchBytesMax, 'one largest batch must fit in the append queue');
assert(coalescedAppendsMax <= appendQueueLengthMax, 'coalescing takes from the queue');
assert(coalescedAppendsMax <= 1024, 'a writev takes at most IOV_MAX buffers');
assert(scanChunkBytes >= RECORD_BATCH_OVERHEAD, 'a scan chunk holds at least one header');
