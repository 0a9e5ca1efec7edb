// Proves committed offsets expire as Kafka's offsets.retention.minutes says, on the manual
// clock: a group that never had members loses each offset offsetsRetentionMs after its commit;
// a consumer group loses all of them offsetsRetentionMs after it became empty, never while it
// has members; expiry writes tombstones to __consumer_offsets (so compaction drops the records
// and a reload does not bring them back) and forgets the group once its last offset is gone.
import { decodeRecordBatches, ErrorCode } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { groupConfig } from '../../src/groups/group-config.js';
import { decodeOffsetCommitKey } from '../../src/groups/offset-record.js';
import {
  flushMicrotasks,
  type Harness,
  stableGroupOfOne,
  startCoordinator,
} from './group-fixtures.js';
import { MemoryOffsetLog } from './memory-offset-log.js';

const offsetsRetentionMs = 60_000;
const offsetsRetentionCheckIntervalMs = 1_000;
const expiry = { offsetsRetentionMs, offsetsRetentionCheckIntervalMs };

async function commit(
  harness: Harness,
  partition: number,
  member = { generationId: -1, memberId: '' },
): Promise<void> {
  const results = await harness.coordinator.commitOffsets({
    groupId: 'group',
    groupInstanceId: null,
    ...member,
    partitions: [{ topic: 't', partition, offset: 10 + partition, leaderEpoch: -1, metadata: '' }],
  });
  expect(results.map(({ errorCode }) => errorCode)).toEqual([ErrorCode.NONE]);
}

/** The committed offset of t-`partition`, -1 when there is none. */
function committed(harness: Harness, partition: number): number {
  const fetched = harness.coordinator.fetchOffsets('group', [{ topic: 't', partition }]);
  return fetched.partitions[0]?.offset ?? Number.NaN;
}

/** Moves the clock, letting the expiry runs it triggers write and apply their tombstones. */
async function advance(harness: Harness, ms: number): Promise<void> {
  for (let step = 0; step < ms; step += offsetsRetentionCheckIntervalMs) {
    harness.clock.advance(Math.min(offsetsRetentionCheckIntervalMs, ms - step));
    await flushMicrotasks();
  }
}

/** (partition, tombstone?) of every record in the log, in log order. */
function offsetRecords(log: MemoryOffsetLog): Array<[number, boolean]> {
  return log.batches.flatMap(({ bytes }) =>
    decodeRecordBatches(bytes).flatMap((batch) =>
      batch.records.map((record): [number, boolean] => [
        decodeOffsetCommitKey(record.key ?? Buffer.alloc(0))?.partition ?? -1,
        record.value === null,
      ]),
    ),
  );
}

describe('offset expiry (offsets.retention.minutes)', () => {
  it('expires each offset of a group without members retention after its commit', async () => {
    const log = new MemoryOffsetLog();
    const harness = await startCoordinator(expiry, log);
    await commit(harness, 0);
    await advance(harness, 30_000);
    await commit(harness, 1);
    await advance(harness, offsetsRetentionMs - 30_000 - offsetsRetentionCheckIntervalMs);
    expect([committed(harness, 0), committed(harness, 1)]).toEqual([10, 11]);
    await advance(harness, offsetsRetentionCheckIntervalMs);
    expect([committed(harness, 0), committed(harness, 1)]).toEqual([-1, 11]);
    expect(harness.coordinator.group('group')).toBeDefined();
    await advance(harness, 30_000);
    expect(committed(harness, 1)).toBe(-1);
    expect(harness.coordinator.group('group')).toBeUndefined(); // Empty -> Dead
    expect(offsetRecords(log)).toEqual([
      [0, false],
      [1, false],
      [0, true],
      [1, true],
    ]);
    await harness.coordinator.close();
    const reloaded = await startCoordinator(expiry, log);
    expect(committed(reloaded, 0)).toBe(-1);
    expect(reloaded.coordinator.groupCount).toBe(0);
  });

  it("expires a consumer group's offsets retention after it became empty", async () => {
    const harness = await startCoordinator(expiry);
    const { join } = await stableGroupOfOne(harness);
    await commit(harness, 0, { generationId: join.generationId, memberId: join.memberId });
    // The member stays for half the retention, heartbeating, then leaves.
    const heartbeat = { groupId: 'group', groupInstanceId: null, ...join };
    for (let elapsed = 0; elapsed < offsetsRetentionMs / 2; elapsed += 500) {
      expect(harness.coordinator.heartbeat(heartbeat)).toBe(ErrorCode.NONE);
      await advance(harness, 500);
    }
    harness.coordinator.leaveGroup('group', [{ memberId: join.memberId, groupInstanceId: null }]);
    expect(harness.coordinator.group('group')?.state).toBe('Empty');
    await advance(harness, offsetsRetentionMs - offsetsRetentionCheckIntervalMs);
    expect(committed(harness, 0)).toBe(10); // past its commit + retention, but not its emptiness
    await advance(harness, 2 * offsetsRetentionCheckIntervalMs); // the next run after it is due
    expect(committed(harness, 0)).toBe(-1);
  });

  it('keeps the offsets of a group with members, however old', async () => {
    const harness = await startCoordinator(expiry);
    const { join } = await stableGroupOfOne(harness);
    await commit(harness, 0, { generationId: join.generationId, memberId: join.memberId });
    const heartbeat = { groupId: 'group', groupInstanceId: null, ...join };
    for (let elapsed = 0; elapsed < 2 * offsetsRetentionMs; elapsed += 500) {
      expect(harness.coordinator.heartbeat(heartbeat)).toBe(ErrorCode.NONE);
      await advance(harness, 500);
    }
    expect(harness.coordinator.group('group')?.state).toBe('Stable');
    expect(committed(harness, 0)).toBe(10);
    expect(await harness.coordinator.expireOffsets()).toBe(0);
  });

  it('keeps the offsets when the tombstones cannot be written, and retries', async () => {
    const log = new MemoryOffsetLog();
    // Runs driven by hand here: the timer's first run would come long after.
    const byHand = { offsetsRetentionMs, offsetsRetentionCheckIntervalMs: 10 * offsetsRetentionMs };
    const harness = await startCoordinator(byHand, log);
    await commit(harness, 0);
    harness.clock.advance(offsetsRetentionMs - 1);
    expect(await harness.coordinator.expireOffsets()).toBe(0);
    harness.clock.advance(1);
    log.failNextAppend = new Error('disk full');
    expect(await harness.coordinator.expireOffsets()).toBe(0);
    expect(committed(harness, 0)).toBe(10);
    expect(await harness.coordinator.expireOffsets()).toBe(1);
    expect(committed(harness, 0)).toBe(-1);
  });

  it('stops with the coordinator, and has Kafka-like defaults', async () => {
    const harness = await startCoordinator(expiry);
    await commit(harness, 0);
    await harness.coordinator.close();
    await advance(harness, 2 * offsetsRetentionMs);
    expect(harness.clock.pendingTimerCount).toBe(0);
    expect(groupConfig()).toMatchObject({
      offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
      offsetsRetentionCheckIntervalMs: 600_000,
    });
    expect(() => groupConfig({ offsetsRetentionMs: 0 })).toThrow(
      expect.objectContaining({ errorName: 'INVALID_CONFIG' }),
    );
  });
});
