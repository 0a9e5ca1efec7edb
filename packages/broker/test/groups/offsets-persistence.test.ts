// Proves committed offsets survive a coordinator restart: commits and group deletions are
// written to a real PartitionLog of __consumer_offsets in a temp dir, the log is closed and
// reopened (also after compaction), and a new coordinator's load() rebuilds the same offsets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig, type LogConfig, PartitionLog, silentLogLogger } from '@cairn/log';
import { decodeRecordBatches, ErrorCode } from '@cairn/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { OffsetCommitParams } from '../../src/groups/coordinator-api.js';
import { type Harness, stableGroupOfOne, startCoordinator } from './group-fixtures.js';

const offsetsLogConfig: LogConfig = {
  ...defaultLogConfig,
  cleanupPolicy: 'compact',
  segmentBytes: 100 * 1024 * 1024,
};

const dirs: string[] = [];
const openLogs: PartitionLog[] = [];

afterEach(async () => {
  for (const log of openLogs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function offsetsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-offsets-'));
  dirs.push(dir);
  return join(dir, '__consumer_offsets-0');
}

async function openLog(dir: string): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, offsetsLogConfig, { logger: silentLogLogger });
  openLogs.push(log);
  return log;
}

/** Closes the coordinator and its log, reopens the log and loads a new coordinator on it. */
async function restart(harness: Harness, dir: string): Promise<Harness> {
  await harness.coordinator.close();
  const log = openLogs.pop();
  await log?.close();
  return startCoordinator({}, await openLog(dir));
}

function commit(harness: Harness, overrides: Partial<OffsetCommitParams> = {}) {
  return harness.coordinator.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    partitions: [],
    ...overrides,
  });
}

const at = (topic: string, partition: number, offset: number, metadata: string | null = null) => ({
  topic,
  partition,
  offset,
  leaderEpoch: 4,
  metadata,
});

describe('committed offsets in __consumer_offsets', () => {
  it('are fsync-ed before they are acknowledged and reloaded after a restart', async () => {
    const dir = await offsetsDir();
    const log = await openLog(dir);
    let harness = await startCoordinator({}, log);
    await commit(harness, { partitions: [at('orders', 0, 10, 'first'), at('orders', 1, 20)] });
    expect(log.recoveryPoint).toBe(log.logEndOffset);
    await commit(harness, { partitions: [at('orders', 0, 15, 'second')] });
    const { join } = await stableGroupOfOne(harness, { groupId: 'members' });
    const member = { generationId: join.generationId, memberId: join.memberId };
    await commit(harness, { groupId: 'members', ...member, partitions: [at('audit', 3, 7)] });
    const committedAt = harness.coordinator.group('g')?.offsets.get('orders', 0)?.commitTimestamp;

    harness = await restart(harness, dir);
    expect(harness.coordinator.fetchOffsets('g', null).partitions).toEqual([
      {
        topic: 'orders',
        partition: 0,
        offset: 15,
        leaderEpoch: 4,
        metadata: 'second',
        errorCode: 0,
      },
      { topic: 'orders', partition: 1, offset: 20, leaderEpoch: 4, metadata: '', errorCode: 0 },
    ]);
    expect(harness.coordinator.group('g')?.offsets.get('orders', 0)?.commitTimestamp).toBe(
      committedAt,
    );
    expect(harness.coordinator.fetchOffsets('members', null).partitions[0]?.offset).toBe(7);
    // Members are not persisted: the groups come back Empty and their members rejoin.
    expect(harness.coordinator.listGroups().groups.map((g) => [g.groupId, g.groupState])).toEqual([
      ['g', 'Empty'],
      ['members', 'Empty'],
    ]);
    const stale = await commit(harness, {
      groupId: 'members',
      ...member,
      partitions: [at('a', 0, 1)],
    });
    expect(stale[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await harness.coordinator.close();
  });

  it('stay deleted after a restart; a group re-created later keeps new ones', async () => {
    const dir = await offsetsDir();
    let harness = await startCoordinator({}, await openLog(dir));
    await commit(harness, { groupId: 'old', partitions: [at('t', 0, 1), at('t', 1, 2)] });
    await commit(harness, { groupId: 'kept', partitions: [at('t', 0, 3)] });
    const deleted = await harness.coordinator.deleteGroups(['old']);
    expect(deleted).toEqual([{ groupId: 'old', errorCode: ErrorCode.NONE }]);
    harness = await restart(harness, dir);
    expect(harness.coordinator.group('old')).toBeUndefined();
    expect(harness.coordinator.fetchOffsets('kept', null).partitions[0]?.offset).toBe(3);

    await commit(harness, { groupId: 'old', partitions: [at('t', 1, 9)] });
    harness = await restart(harness, dir);
    expect(harness.coordinator.fetchOffsets('old', null).partitions).toEqual([
      { topic: 't', partition: 1, offset: 9, leaderEpoch: 4, metadata: '', errorCode: 0 },
    ]);
    await harness.coordinator.close();
  });

  it('reload the same after the log compacts', async () => {
    const dir = await offsetsDir();
    const log = await openLog(dir);
    let harness = await startCoordinator({}, log);
    for (let offset = 0; offset < 20; offset++) {
      await commit(harness, { partitions: [at('t', offset % 3, offset)] });
    }
    await commit(harness, { groupId: 'gone', partitions: [at('t', 0, 1)] });
    await harness.coordinator.deleteGroups(['gone']);
    await log.roll();
    await log.compact();
    expect(log.logEndOffset).toBe(22);
    // The newest record of each of g's 3 partitions. gone's commit lost to its tombstone, and
    // the tombstone itself went too: it is stamped by the test clock, long past
    // delete.retention.ms by the log's clock.
    expect(await recordCount(log)).toBe(3);
    harness = await restart(harness, dir);
    expect(harness.coordinator.fetchOffsets('g', null).partitions.map((p) => p.offset)).toEqual([
      18, 19, 17,
    ]);
    expect(harness.coordinator.group('gone')).toBeUndefined();
    await harness.coordinator.close();
  });

  it('split a commit too large for one batch into several, all reloaded', async () => {
    const dir = await offsetsDir();
    const log = await openLog(dir);
    let harness = await startCoordinator({}, log);
    const metadata = 'm'.repeat(1_000);
    const partitions = Array.from({ length: 1_500 }, (_, index) =>
      at('wide', index, index, metadata),
    );
    const results = await commit(harness, { partitions });
    expect(results.every((r) => r.errorCode === ErrorCode.NONE)).toBe(true);
    expect(log.segmentInfos().length).toBeGreaterThan(0);
    harness = await restart(harness, dir);
    const fetched = harness.coordinator.fetchOffsets('g', null).partitions;
    expect(fetched).toHaveLength(1_500);
    expect(fetched.every((p) => p.offset === p.partition && p.metadata === metadata)).toBe(true);
    await harness.coordinator.close();
  });
});

async function recordCount(log: PartitionLog): Promise<number> {
  const { records } = await log.read(log.logStartOffset, 1024 * 1024);
  return decodeRecordBatches(records).reduce((count, batch) => count + batch.records.length, 0);
}
