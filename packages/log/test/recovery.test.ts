// Proves recovery on open (Kafka's testRecoveryFixesCorruptIndex and friends): each derived
// file (.index, .timeindex, both checkpoints) is damaged in several ways, the log reopened on
// real files, and every offset read back byte for byte; torn or corrupt tails are truncated
// at the last whole batch; damage recovery cannot repair is an error naming the file.
import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBaseOffset } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../src/checkpoint-file.js';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { type LogLogger, silentLogLogger } from '../src/logger.js';
import { PartitionLog } from '../src/partition-log.js';
import { segmentFileName } from '../src/segment-files.js';
import { makeBatch } from './helpers/batches.js';
import { makeTempDir } from './helpers/temp-dir.js';

const config: LogConfig = { ...defaultLogConfig, segmentBytes: 1200, indexIntervalBytes: 100 };

function collectingLogger(): LogLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, warn: (message) => warnings.push(message) };
}

function open(dir: string, logger: LogLogger = silentLogLogger) {
  return PartitionLog.open(dir, config, { logger });
}

/** Writes `count` batches of 1-3 records with rising timestamps; returns them by baseOffset. */
async function writeLog(count: number) {
  const dir = await makeTempDir();
  const log = await open(dir);
  for (let index = 0; index < count; index++) {
    await log.append(
      makeBatch({ recordCount: 1 + (index % 3), valueBytes: 40, timestamp: 1000 + index }),
    );
  }
  const batches = await batchesOf(log);
  const segmentBaseOffsets = log.segmentInfos().map((info) => info.baseOffset);
  await log.close();
  return { dir, batches, segmentBaseOffsets };
}

/** Every batch of the log, by baseOffset, read one offset at a time. */
async function batchesOf(log: PartitionLog): Promise<Map<number, Buffer>> {
  const batches = new Map<number, Buffer>();
  for (let offset = log.logStartOffset; offset < log.highWatermark; offset++) {
    const { records } = await log.read(offset, 1);
    const baseOffset = readBaseOffset(records);
    expect(baseOffset).toBeLessThanOrEqual(offset);
    batches.set(baseOffset, Buffer.from(records));
  }
  return batches;
}

/** Reopens and checks every offset reads back as the same batch. */
async function expectIntact(dir: string, batches: Map<number, Buffer>, endOffset?: number) {
  const log = await open(dir);
  const expected = [...batches].filter(([base]) => endOffset === undefined || base < endOffset);
  expect(await batchesOf(log)).toEqual(new Map(expected));
  await log.close();
  return log;
}

const segmentPath = (dir: string, base: number, kind: 'log' | 'index' | 'timeindex') =>
  join(dir, segmentFileName(base, kind));

describe('recovery of derived files', () => {
  const indexDamage: Array<[string, (path: string) => Promise<void>]> = [
    ['deleted', (path) => rm(path)],
    ['emptied', (path) => writeFile(path, '')],
    ['zeroed', async (path) => writeFile(path, Buffer.alloc((await readFile(path)).length))],
    [
      'random bytes',
      async (path) => writeFile(path, Buffer.alloc((await readFile(path)).length, 0x7f)),
    ],
    ['cut mid-entry', async (path) => truncate(path, (await readFile(path)).length - 3)],
    [
      'reversed entries',
      async (path) => {
        const bytes = await readFile(path);
        await writeFile(path, Buffer.concat([bytes.subarray(8), bytes.subarray(0, 8)]));
      },
    ],
  ];

  for (const [damage, apply] of indexDamage) {
    it(`rebuilds an .index that was ${damage} and reads every offset back`, async () => {
      const { dir, batches, segmentBaseOffsets } = await writeLog(40);
      expect(segmentBaseOffsets.length).toBeGreaterThan(2);
      await apply(segmentPath(dir, segmentBaseOffsets[0]!, 'index'));
      await expectIntact(dir, batches);
    });

    it(`rebuilds a .timeindex that was ${damage} and still finds offsets by time`, async () => {
      const { dir, batches, segmentBaseOffsets } = await writeLog(40);
      await apply(segmentPath(dir, segmentBaseOffsets[0]!, 'timeindex'));
      await expectIntact(dir, batches);
      const log = await open(dir);
      expect(await log.offsetForTimestamp(1005)).toMatchObject({ timestamp: 1005 });
      expect(log.segmentInfos()[0]!.maxTimestamp).toBeGreaterThan(1000);
      await log.close();
    });
  }

  it('rebuilds an .index whose last entry names the wrong batch', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(40);
    const path = segmentPath(dir, segmentBaseOffsets[0]!, 'index');
    const bytes = await readFile(path);
    bytes.writeInt32BE(bytes.readInt32BE(bytes.length - 8) - 1, bytes.length - 8);
    await writeFile(path, bytes);
    const logger = collectingLogger();
    const log = await open(dir, logger);
    expect(logger.warnings.join('\n')).toMatch(/rebuilding its indexes/);
    await log.close();
    await expectIntact(dir, batches);
  });

  it('ignores a corrupt log-start-offset checkpoint and keeps every offset', async () => {
    const { dir, batches } = await writeLog(40);
    const log = await open(dir);
    await log.deleteRecordsBefore(3);
    await log.close();
    await writeFile(join(dir, 'log-start-offset-checkpoint'), '0\n1\n9\nbadbadbadbadbad0\n');
    const logger = collectingLogger();
    const reopened = await open(dir, logger);
    expect(logger.warnings.join('\n')).toMatch(/corrupt checkpoint/);
    expect(reopened.logStartOffset).toBe(0);
    await reopened.close();
    await expectIntact(dir, batches);
  });

  it('scans every segment when the recovery-point checkpoint is corrupt', async () => {
    const { dir, batches } = await writeLog(40);
    await writeFile(join(dir, 'recovery-point-offset-checkpoint'), 'garbage');
    await expectIntact(dir, batches);
  });
});

describe('recovery of the .log tail', () => {
  it('truncates a torn last batch', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(30);
    const path = segmentPath(dir, segmentBaseOffsets.at(-1)!, 'log');
    await truncate(path, (await readFile(path)).length - 5);
    const lastBase = Math.max(...batches.keys());
    const log = await open(dir);
    expect(log.logEndOffset).toBe(lastBase);
    await log.close();
    await expectIntact(dir, batches, lastBase);
  });

  it('truncates at a batch with a flipped byte, and at zeros after the end', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(30);
    const path = segmentPath(dir, segmentBaseOffsets.at(-1)!, 'log');
    const bytes = await readFile(path);
    const lastBase = Math.max(...batches.keys());
    const lastLength = batches.get(lastBase)!.length;
    bytes[bytes.length - lastLength + 30]! ^= 0x01;
    await writeFile(path, Buffer.concat([bytes, Buffer.alloc(4096)]));
    await expectIntact(dir, batches, lastBase);
  });

  it('truncates at a batch whose baseOffset (not covered by the CRC) is wrong', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(30);
    const path = segmentPath(dir, segmentBaseOffsets.at(-1)!, 'log');
    const bytes = await readFile(path);
    const lastBase = Math.max(...batches.keys());
    const at = bytes.length - batches.get(lastBase)!.length;
    bytes[at + 2]! ^= 0x10;
    await writeFile(path, bytes);
    await expectIntact(dir, batches, lastBase);
  });

  it('deletes the segments after an older segment it had to truncate', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(40);
    await rm(join(dir, 'recovery-point-offset-checkpoint'));
    const second = segmentBaseOffsets[1]!;
    const path = segmentPath(dir, segmentBaseOffsets[0]!, 'log');
    const bytes = await readFile(path);
    bytes[bytes.length - 10]! ^= 0xff;
    await writeFile(path, bytes);
    const logger = collectingLogger();
    const log = await open(dir, logger);
    const truncatedAt = log.logEndOffset;
    expect(truncatedAt).toBeLessThan(second);
    expect(log.segmentCount).toBe(1);
    expect(logger.warnings.join('\n')).toMatch(/deleting \d+ segment/);
    await log.close();
    await expectIntact(dir, batches, truncatedAt);
  });

  it('deletes segments after a gap left by lost unflushed data', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(40);
    const [first, second] = segmentBaseOffsets as [number, number];
    // The first segment lost its last two batches in a crash; the recovery point says it and
    // everything after must be scanned, so offsets there must be dense.
    await writeFile(join(dir, 'recovery-point-offset-checkpoint'), encodeCheckpoint(first));
    const firstBatches = [...batches.keys()].filter((base) => base < second);
    const keptEnd = firstBatches.at(-2)!;
    const keptBytes = firstBatches
      .slice(0, -2)
      .reduce((sum, base) => sum + batches.get(base)!.length, 0);
    await truncate(segmentPath(dir, first, 'log'), keptBytes);
    const logger = collectingLogger();
    const log = await open(dir, logger);
    expect(log.logEndOffset).toBe(keptEnd);
    expect(log.segmentCount).toBe(1);
    expect(logger.warnings.join('\n')).toMatch(/deleting \d+ segment/);
    await log.close();
    await expectIntact(dir, batches, keptEnd);
  });
});

describe('damage recovery refuses to guess about', () => {
  it('an orphan index file, naming it', async () => {
    const { dir } = await writeLog(5);
    await writeFile(segmentPath(dir, 500, 'index'), '');
    await expect(open(dir)).rejects.toThrow(segmentFileName(500, 'index'));
  });

  it('a segment file name that is not 20 digits, naming it', async () => {
    const { dir } = await writeLog(5);
    await writeFile(join(dir, '42.log'), '');
    await expect(open(dir)).rejects.toThrow('42.log');
  });

  it('overlapping segments, naming them', async () => {
    const { dir, segmentBaseOffsets } = await writeLog(40);
    const [first, second] = segmentBaseOffsets as [number, number];
    await copyFile(segmentPath(dir, second, 'log'), segmentPath(dir, first + 1, 'log'));
    await expect(open(dir)).rejects.toThrow(/overlapping the next segment/);
  });
});

describe('compaction leftovers', () => {
  it('deletes .cleaned files and unfinished .swap indexes', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(30);
    const base = segmentBaseOffsets[0]!;
    await writeFile(`${segmentPath(dir, base, 'log')}.cleaned`, 'partial');
    await writeFile(`${segmentPath(dir, base, 'index')}.swap`, 'partial');
    await expectIntact(dir, batches);
    expect(await readFile(`${segmentPath(dir, base, 'index')}.swap`).catch(() => null)).toBeNull();
  });

  it('finishes a committed swap', async () => {
    const { dir, batches, segmentBaseOffsets } = await writeLog(30);
    const base = segmentBaseOffsets[0]!;
    for (const kind of ['log', 'index', 'timeindex'] as const) {
      await copyFile(segmentPath(dir, base, kind), `${segmentPath(dir, base, kind)}.swap`);
    }
    await writeFile(segmentPath(dir, base, 'log'), 'to be replaced');
    await expectIntact(dir, batches);
  });
});
