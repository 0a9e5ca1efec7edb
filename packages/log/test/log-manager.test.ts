// Proves the LogManager on a real data directory: one log per partition directory, reopened
// (recovered) by createLog, deleted through a `-delete` rename, refused to a second opener,
// and maintained by a scheduler that applies retention and can be stopped.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { nodeFileSystem } from '../src/file-system.js';
import { LogManager } from '../src/log-manager.js';
import { silentLogLogger } from '../src/logger.js';
import { makeBatch } from './helpers/batches.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeTempDir } from './helpers/temp-dir.js';

const config: LogConfig = { ...defaultLogConfig, segmentBytes: 500 };

describe('LogManager', () => {
  it('creates, finds, reopens and deletes partition logs', async () => {
    const dataDir = await makeTempDir();
    const manager = await LogManager.open(dataDir, { logger: silentLogLogger });
    const log = await manager.createLog('orders', 2, config);
    expect(await manager.createLog('orders', 2, config)).toBe(log);
    expect(manager.getLog('orders', 2)).toBe(log);
    expect(manager.getLog('orders', 1)).toBeUndefined();
    await log.append(makeBatch({ recordCount: 3 }));
    await manager.close();

    const reopened = await LogManager.open(dataDir, { logger: silentLogLogger });
    expect(await reopened.partitionsOnDisk()).toEqual([{ topic: 'orders', partition: 2 }]);
    const again = await reopened.createLog('orders', 2, config);
    expect(again.logEndOffset).toBe(3);
    expect([...reopened.logs()].map(({ topic, partition }) => `${topic}-${partition}`)).toEqual([
      'orders-2',
    ]);
    await reopened.deleteLog('orders', 2);
    expect(reopened.getLog('orders', 2)).toBeUndefined();
    expect(await nodeFileSystem.exists(join(dataDir, 'orders-2'))).toBe(false);
    await reopened.close();
  });

  it('refuses a second manager on the same directory', async () => {
    const dataDir = await makeTempDir();
    const manager = await LogManager.open(dataDir, { logger: silentLogLogger });
    await expect(LogManager.open(dataDir, { logger: silentLogLogger })).rejects.toThrow(dataDir);
    await manager.close();
  });

  it('finishes deletions a crash interrupted', async () => {
    const dataDir = await makeTempDir();
    await mkdir(join(dataDir, 'orders-0.abc123-delete'));
    const manager = await LogManager.open(dataDir, { logger: silentLogLogger });
    expect(await nodeFileSystem.exists(join(dataDir, 'orders-0.abc123-delete'))).toBe(false);
    await manager.close();
  });

  it('refuses topic names that are not Kafka topic names', async () => {
    const manager = await LogManager.open(await makeTempDir(), { logger: silentLogLogger });
    await expect(manager.createLog('../escape', 0, config)).rejects.toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
    });
    await expect(manager.createLog('ok', -1, config)).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    await manager.close();
  });

  it('runs retention from its scheduler until stopped', async () => {
    const clock = new ManualClock();
    const manager = await LogManager.open(await makeTempDir(), {
      logger: silentLogLogger,
      clock,
    });
    const log = await manager.createLog('events', 0, { ...config, retentionMs: 1000 });
    for (let index = 0; index < 20; index++) {
      await log.append(makeBatch({ valueBytes: 100, timestamp: clock.now() }));
    }
    const segmentsBefore = log.segmentCount;
    expect(segmentsBefore).toBeGreaterThan(2);
    clock.advance(5000);
    manager.startScheduler(5);
    for (let attempt = 0; attempt < 200 && log.segmentCount > 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await manager.stopScheduler();
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(log.segmentInfos()[0]!.baseOffset);
    await manager.close();
  });
});
