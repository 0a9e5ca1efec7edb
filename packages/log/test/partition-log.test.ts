// Proves PartitionLog's contract on real files: offsets, reads by offset and size, rolls,
// LogAppendTime, validation, the bounded queue, group commit, sticky failures, timestamps,
// deleteRecordsBefore and reopening; each case appends real v2 batches and reads them back.
import { readBaseOffset, readMaxTimestamp, readTimestampType } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { appendQueueLengthMax } from '../src/constants.js';
import { silentLogLogger } from '../src/logger.js';
import { PartitionLog, type PartitionLogOptions } from '../src/partition-log.js';
import { makeBatch } from './helpers/batches.js';
import { CrashableFileSystem } from './helpers/crash-file-system.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeTempDir } from './helpers/temp-dir.js';

const config: LogConfig = { ...defaultLogConfig, segmentBytes: 4096, indexIntervalBytes: 256 };

async function openLog(
  overrides: Partial<LogConfig> = {},
  options: PartitionLogOptions = {},
  dir?: string,
) {
  const logDir = dir ?? (await makeTempDir());
  const log = await PartitionLog.open(
    logDir,
    { ...config, ...overrides },
    {
      logger: silentLogLogger,
      ...options,
    },
  );
  return { log, dir: logDir };
}

/** Every batch in `records` as [baseOffset, lastOffset]. */
function batchOffsets(records: Buffer): Array<[number, number]> {
  const offsets: Array<[number, number]> = [];
  for (let at = 0; at < records.length; at += records.readInt32BE(at + 8) + 12) {
    offsets.push([
      readBaseOffset(records, at),
      readBaseOffset(records, at) + records.readInt32BE(at + 23),
    ]);
  }
  return offsets;
}

describe('PartitionLog', () => {
  it('assigns dense offsets in call order and reads each batch back', async () => {
    const { log } = await openLog();
    const results = await Promise.all([
      log.append(makeBatch({ recordCount: 3 })),
      log.append(makeBatch({ recordCount: 1 })),
      log.append(makeBatch({ recordCount: 5 })),
    ]);
    expect(results.map((result) => [result.baseOffset, result.lastOffset])).toEqual([
      [0, 2],
      [3, 3],
      [4, 8],
    ]);
    expect(log.logEndOffset).toBe(9);
    expect(log.highWatermark).toBe(9);
    for (let offset = 0; offset < 9; offset++) {
      const read = await log.read(offset, 1);
      const [first] = batchOffsets(read.records);
      expect(first![0] <= offset && offset <= first![1]).toBe(true);
    }
    expect((await log.read(9, 1000)).records.length).toBe(0);
    await log.close();
  });

  it('takes offsets synchronously, before the append resolves', async () => {
    const { log } = await openLog();
    const pending = log.append(makeBatch({ recordCount: 2 }));
    expect(log.logEndOffset).toBe(2);
    expect(log.highWatermark).toBe(0);
    await pending;
    expect(log.highWatermark).toBe(2);
    await log.close();
  });

  it('returns at least one batch even when it is larger than maxBytes', async () => {
    const { log } = await openLog();
    await log.append(makeBatch({ valueBytes: 500 }));
    await log.append(makeBatch({ valueBytes: 500 }));
    const read = await log.read(0, 10);
    expect(batchOffsets(read.records)).toEqual([[0, 0]]);
    const both = await log.read(0, 10_000);
    expect(batchOffsets(both.records)).toEqual([
      [0, 0],
      [1, 1],
    ]);
    await log.close();
  });

  it('stops before maxOffset', async () => {
    const { log } = await openLog();
    for (let index = 0; index < 4; index++) await log.append(makeBatch({ recordCount: 2 }));
    expect(batchOffsets((await log.read(0, 10_000, 4)).records)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect((await log.read(4, 10_000, 4)).records.length).toBe(0);
    await log.close();
  });

  it('throws OFFSET_OUT_OF_RANGE below logStartOffset and above logEndOffset', async () => {
    const { log } = await openLog();
    await log.append(makeBatch({ recordCount: 2 }));
    await expect(log.read(3, 100)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    await expect(log.read(-1, 100)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    await log.close();
  });

  it('rolls on segment.bytes and reads across segments', async () => {
    const { log } = await openLog();
    for (let index = 0; index < 20; index++) await log.append(makeBatch({ valueBytes: 500 }));
    expect(log.segmentCount).toBeGreaterThan(2);
    for (const info of log.segmentInfos()) expect(info.sizeBytes).toBeLessThanOrEqual(4096);
    for (let offset = 0; offset < 20; offset++) {
      expect(batchOffsets((await log.read(offset, 1)).records)).toEqual([[offset, offset]]);
    }
    await log.close();
  });

  it('rolls on segment.ms by the injected clock', async () => {
    const clock = new ManualClock();
    const { log } = await openLog({ segmentMs: 1000 }, { clock });
    await log.append(makeBatch());
    clock.advance(1001);
    await log.append(makeBatch());
    expect(log.segmentInfos().map((info) => info.baseOffset)).toEqual([0, 1]);
    await log.close();
  });

  it('rewrites maxTimestamp and the CRC under LogAppendTime', async () => {
    const clock = new ManualClock(5_000_000);
    const { log } = await openLog({ messageTimestampType: 'LogAppendTime' }, { clock });
    const result = await log.append(makeBatch({ timestamp: 7 }));
    expect(result.logAppendTime).toBe(5_000_000);
    const { records } = await log.read(0, 1000);
    expect(readMaxTimestamp(records)).toBe(5_000_000);
    expect(readTimestampType(records)).toBe(1);
    await log.close();
    const reopened = await openLog({}, {}, log.dir);
    expect(reopened.log.logEndOffset).toBe(1);
    await reopened.log.close();
  });

  it('validates every batch before writing any', async () => {
    const { log } = await openLog({ maxMessageBytes: 300 });
    const good = makeBatch();
    const corrupt = makeBatch();
    corrupt[corrupt.length - 1]! ^= 0xff;
    await expect(log.append(Buffer.concat([good, corrupt]))).rejects.toMatchObject({
      errorName: 'CORRUPT_MESSAGE',
    });
    await expect(log.append(makeBatch({ valueBytes: 400 }))).rejects.toMatchObject({
      errorName: 'MESSAGE_TOO_LARGE',
    });
    await expect(log.append(Buffer.alloc(0))).rejects.toMatchObject({
      errorName: 'INVALID_RECORD',
    });
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeBytes).toBe(0);
    await log.close();
  });

  it('refuses an append larger than segment.bytes with RECORD_LIST_TOO_LARGE', async () => {
    const { log } = await openLog({ segmentBytes: 200 });
    await expect(log.append(makeBatch({ valueBytes: 300 }))).rejects.toMatchObject({
      errorName: 'RECORD_LIST_TOO_LARGE',
    });
    await log.close();
  });

  it('shares fsyncs between concurrent flushedTo callers (group commit)', async () => {
    const { log } = await openLog();
    const appends = [];
    for (let index = 0; index < 50; index++) {
      appends.push(log.append(makeBatch()).then((result) => log.flushedTo(result.lastOffset + 1)));
    }
    await Promise.all(appends);
    expect(log.recoveryPoint).toBe(50);
    expect(log.probe.syncCount).toBeLessThan(50);
    await log.close();
  });

  it('makes a failed write sticky until the log is reopened', async () => {
    const fileSystem = new CrashableFileSystem();
    const { log, dir } = await openLog({}, { fileSystem });
    await log.append(makeBatch());
    fileSystem.failNextWrite = true;
    await expect(log.append(makeBatch())).rejects.toMatchObject({
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    await expect(log.append(makeBatch())).rejects.toMatchObject({
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    await expect(log.flush()).rejects.toMatchObject({ errorName: 'KAFKA_STORAGE_ERROR' });
    expect(batchOffsets((await log.read(0, 1000)).records)).toEqual([[0, 0]]);
    await log.close();
    const reopened = await openLog({}, { fileSystem }, dir);
    expect(reopened.log.logEndOffset).toBe(1);
    expect((await reopened.log.append(makeBatch())).baseOffset).toBe(1);
    await reopened.log.close();
  });

  it('makes a failed fsync sticky', async () => {
    const fileSystem = new CrashableFileSystem();
    const { log } = await openLog({}, { fileSystem });
    await log.append(makeBatch());
    fileSystem.failNextSync = true;
    await expect(log.flush()).rejects.toMatchObject({ errorName: 'KAFKA_STORAGE_ERROR' });
    await expect(log.append(makeBatch())).rejects.toMatchObject({
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    await log.close();
  });

  it('refuses appends with a retriable error when the queue is full', async () => {
    const fileSystem = new CrashableFileSystem();
    let openGate = () => {};
    fileSystem.writeGate = new Promise((resolve) => {
      openGate = resolve;
    });
    const { log } = await openLog({ segmentBytes: 1024 * 1024 * 1024 }, { fileSystem });
    const accepted: Array<Promise<unknown>> = [];
    // The writer holds the first append in the queue until it is written: it counts too.
    for (let index = 0; index < appendQueueLengthMax; index++)
      accepted.push(log.append(makeBatch()));
    const refused = log.append(makeBatch());
    await expect(refused).rejects.toMatchObject({
      errorName: 'REQUEST_TIMED_OUT',
      retriable: true,
    });
    expect(log.probe.appendQueueFullCount).toBe(1);
    fileSystem.writeGate = null;
    openGate();
    await Promise.all(accepted);
    expect(log.highWatermark).toBe(appendQueueLengthMax);
    expect((await log.append(makeBatch())).baseOffset).toBe(appendQueueLengthMax);
    await log.close();
  });

  it('finds offsets by timestamp through the time index', async () => {
    const { log } = await openLog({ indexIntervalBytes: 0 });
    for (let index = 0; index < 30; index++) {
      await log.append(makeBatch({ recordCount: 2, timestamp: 1000 + index * 10 }));
    }
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1095)).toEqual({ offset: 20, timestamp: 1100 });
    expect(await log.offsetForTimestamp(1290)).toEqual({ offset: 58, timestamp: 1290 });
    expect(await log.offsetForTimestamp(1291)).toBeNull();
    await log.close();
  });

  it('deleteRecordsBefore moves logStartOffset, persists it, deletes whole segments', async () => {
    const { log, dir } = await openLog();
    for (let index = 0; index < 20; index++) await log.append(makeBatch({ valueBytes: 500 }));
    const segmentsBefore = log.segmentCount;
    await log.deleteRecordsBefore(13);
    expect(log.logStartOffset).toBe(13);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    await expect(log.read(12, 100)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    expect(batchOffsets((await log.read(13, 1)).records)).toEqual([[13, 13]]);
    await expect(log.deleteRecordsBefore(21)).rejects.toMatchObject({
      errorName: 'OFFSET_OUT_OF_RANGE',
    });
    await log.close();
    const reopened = await openLog({}, {}, dir);
    expect(reopened.log.logStartOffset).toBe(13);
    await reopened.log.close();
  });

  it('reopens to the same offsets, segments and bytes', async () => {
    const { log, dir } = await openLog();
    for (let index = 0; index < 25; index++) {
      await log.append(makeBatch({ recordCount: 1 + (index % 3), valueBytes: 300 }));
    }
    const before = { infos: log.segmentInfos(), end: log.logEndOffset, all: await readAll(log) };
    await log.close();
    const reopened = (await openLog({}, {}, dir)).log;
    expect(reopened.segmentInfos().map((info) => info.baseOffset)).toEqual(
      before.infos.map((info) => info.baseOffset),
    );
    expect(reopened.logEndOffset).toBe(before.end);
    expect(await readAll(reopened)).toEqual(before.all);
    await reopened.close();
  });

  it('flushes when flush.ms is due, and not before', async () => {
    const clock = new ManualClock();
    const { log } = await openLog({ flushMs: 1000 }, { clock });
    await log.append(makeBatch());
    await log.flushIfDue();
    expect(log.recoveryPoint).toBe(0);
    clock.advance(1000);
    await log.flushIfDue();
    expect(log.recoveryPoint).toBe(1);
    await log.close();
  });

  it('deletes closed segments by retention.ms and .bytes, never the active one', async () => {
    const clock = new ManualClock();
    const { log } = await openLog({}, { clock });
    for (let index = 0; index < 20; index++) {
      await log.append(makeBatch({ valueBytes: 500, timestamp: clock.now() + index }));
    }
    const active = log.segmentInfos().at(-1)!;
    log.updateConfig({ ...config, retentionBytes: 3000 });
    const bySize = await log.applyRetention();
    expect(bySize.reasons.every((reason) => reason === 'retention.bytes')).toBe(true);
    expect(log.sizeBytes).toBeGreaterThanOrEqual(3000);
    log.updateConfig({ ...config, retentionMs: 1000 });
    clock.advance(60_000);
    const byTime = await log.applyRetention();
    expect(byTime.reasons.every((reason) => reason === 'retention.ms')).toBe(true);
    expect(log.segmentInfos()).toEqual([active]);
    expect(log.logStartOffset).toBe(active.baseOffset);
    await log.close();
  });

  it('starts empty at a checkpointed logStartOffset past the data a crash lost', async () => {
    const fileSystem = new CrashableFileSystem();
    const { log, dir } = await openLog({}, { fileSystem });
    await log.append(makeBatch({ recordCount: 5 }));
    await log.deleteRecordsBefore(3);
    const rebooted = await fileSystem.crash();
    const reopened = (await openLog({}, { fileSystem: rebooted }, dir)).log;
    expect(reopened.logStartOffset).toBe(3);
    expect(reopened.logEndOffset).toBe(3);
    expect((await reopened.append(makeBatch())).baseOffset).toBe(3);
    await reopened.close();
  });

  it('fails reads and appends after close', async () => {
    const { log } = await openLog();
    await log.close();
    await expect(log.append(makeBatch())).rejects.toMatchObject({
      errorName: 'KAFKA_STORAGE_ERROR',
    });
    await expect(log.read(0, 10)).rejects.toMatchObject({ errorName: 'KAFKA_STORAGE_ERROR' });
  });
});

async function readAll(log: PartitionLog): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1_000_000);
    parts.push(records);
    const offsets = batchOffsets(records);
    offset = offsets.at(-1)![1] + 1;
  }
  return Buffer.concat(parts);
}
