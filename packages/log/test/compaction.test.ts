// Proves compaction on real files: closed segments keep only the newest record per key at its
// original offset, tombstones go once delete.retention.ms has passed, the active segment and
// unflushed segments are untouched, compressed batches stay compressed, and a reopened log reads
// the same records.
import { type DecodedRecord, decodeRecordBatches, readCompression } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { silentLogLogger } from '../src/logger.js';
import { PartitionLog } from '../src/partition-log.js';
import { makeBatch } from './helpers/batches.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeTempDir } from './helpers/temp-dir.js';

const config: LogConfig = {
  ...defaultLogConfig,
  cleanupPolicy: 'compact',
  segmentBytes: 600,
  indexIntervalBytes: 64,
  deleteRetentionMs: 10_000,
};

interface Row {
  offset: number;
  key: string | null;
  value: string | null;
}

async function rows(log: PartitionLog): Promise<Row[]> {
  const all: Row[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1_000_000);
    if (records.length === 0) break;
    const batches = decodeRecordBatches(records);
    for (const batch of batches) {
      all.push(...batch.records.map(toRow));
    }
    offset = batches.at(-1)!.lastOffset + 1;
  }
  return all;
}

function toRow(record: DecodedRecord): Row {
  return {
    offset: record.offset,
    key: record.key?.toString() ?? null,
    value: record.value?.toString() ?? null,
  };
}

async function openCompacted(clock: ManualClock, dir?: string) {
  const logDir = dir ?? (await makeTempDir());
  const log = await PartitionLog.open(logDir, config, { clock, logger: silentLogLogger });
  return { log, dir: logDir };
}

describe('compaction', () => {
  it('keeps the newest record of each key at its offset in closed segments', async () => {
    const clock = new ManualClock();
    const { log, dir } = await openCompacted(clock);
    const written: Row[] = [];
    for (let index = 0; index < 40; index++) {
      const key = `k${index % 4}`;
      const value = `v${index}`;
      const { baseOffset } = await log.append(
        makeBatch({ keys: [key], values: [value], timestamp: clock.now() }),
      );
      written.push({ offset: baseOffset, key, value });
    }
    await log.roll();
    await log.flush();
    const result = await log.compact();
    expect(result.cleanedSegmentCount).toBeGreaterThan(0);
    expect(result.recordsRemoved).toBe(36);
    const newest = new Map(written.map((row) => [row.key, row]));
    expect(await rows(log)).toEqual([...newest.values()].sort((a, b) => a.offset - b.offset));
    await log.close();
    const reopened = await openCompacted(clock, dir);
    expect(await rows(reopened.log)).toEqual(
      [...newest.values()].sort((a, b) => a.offset - b.offset),
    );
    expect((await reopened.log.append(makeBatch({ keys: ['k9'] }))).baseOffset).toBe(40);
    await reopened.log.close();
  });

  it('leaves the active segment and unflushed segments alone', async () => {
    const clock = new ManualClock();
    const { log } = await openCompacted(clock);
    for (let index = 0; index < 6; index++) {
      await log.append(makeBatch({ keys: ['same'], values: [`v${index}`] }));
    }
    expect(log.segmentCount).toBe(1);
    expect((await log.compact()).cleanedSegmentCount).toBe(0);
    expect((await rows(log)).length).toBe(6);
    await log.close();
  });

  it('drops tombstones only after delete.retention.ms', async () => {
    const clock = new ManualClock();
    const { log } = await openCompacted(clock);
    await log.append(makeBatch({ keys: ['a', 'b'], values: ['1', '2'], timestamp: clock.now() }));
    await log.append(makeBatch({ keys: ['a'], values: [null], timestamp: clock.now() }));
    await log.roll();
    await log.flush();
    await log.compact();
    expect(await rows(log)).toEqual([
      { offset: 1, key: 'b', value: '2' },
      { offset: 2, key: 'a', value: null },
    ]);
    clock.advance(10_001);
    await log.compact();
    expect(await rows(log)).toEqual([{ offset: 1, key: 'b', value: '2' }]);
    await log.close();
  });

  it('re-encodes a compressed batch it keeps part of, still compressed', async () => {
    const clock = new ManualClock();
    const { log } = await openCompacted(clock);
    await log.append(makeBatch({ keys: ['a', 'b', 'c'], values: ['1', '2', '3'], compression: 1 }));
    await log.append(makeBatch({ keys: ['b'], values: ['4'] }));
    await log.roll();
    await log.flush();
    await log.compact();
    const { records } = await log.read(0, 1_000_000);
    expect(readCompression(records)).toBe(1);
    expect(await rows(log)).toEqual([
      { offset: 0, key: 'a', value: '1' },
      { offset: 2, key: 'c', value: '3' },
      { offset: 3, key: 'b', value: '4' },
    ]);
    await log.close();
  });

  it('does nothing under cleanup.policy=delete', async () => {
    const clock = new ManualClock();
    const dir = await makeTempDir();
    const log = await PartitionLog.open(
      dir,
      { ...config, cleanupPolicy: 'delete' },
      {
        clock,
        logger: silentLogLogger,
      },
    );
    await log.append(makeBatch({ keys: ['a'] }));
    await log.append(makeBatch({ keys: ['a'] }));
    await log.roll();
    await log.flush();
    expect(await log.compact()).toMatchObject({ cleanedSegmentCount: 0 });
    await log.close();
  });
});
