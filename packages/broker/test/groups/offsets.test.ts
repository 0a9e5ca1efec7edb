// Proves OffsetCommit's checks (generation, member, state, metadata size), OffsetFetch, and
// the group views (ListGroups, DescribeGroups, DeleteGroups) on an in-memory offsets log.
import { ErrorCode, encodeRecordBatch } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import type { OffsetCommitParams } from '../../src/groups/coordinator-api.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import { encodeOffsetCommitKey } from '../../src/groups/offset-record.js';
import {
  type Harness,
  joinAlone,
  joinParams,
  stableGroupOfOne,
  startCoordinator,
} from './group-fixtures.js';
import { MemoryOffsetLog } from './memory-offset-log.js';

function commit(harness: Harness, overrides: Partial<OffsetCommitParams> = {}) {
  return harness.coordinator.commitOffsets({
    groupId: 'group',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    partitions: [{ topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'm' }],
    ...overrides,
  });
}

const partitionAt = (partition: number) => ({
  topic: 't',
  partition,
  offset: 1,
  leaderEpoch: -1,
  metadata: null,
});

const codes = (results: readonly { errorCode: number }[]) => results.map((r) => r.errorCode);

describe('OffsetCommit', () => {
  it('takes a commit outside group management and creates an Empty group for it', async () => {
    const harness = await startCoordinator();
    expect(codes(await commit(harness))).toEqual([ErrorCode.NONE]);
    expect(harness.coordinator.group('group')?.state).toBe('Empty');
    const fetched = harness.coordinator.fetchOffsets('group', [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    expect(fetched).toEqual({
      errorCode: 0,
      partitions: [
        { topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'm', errorCode: 0 },
        { topic: 't', partition: 1, offset: -1, leaderEpoch: -1, metadata: '', errorCode: 0 },
      ],
    });
  });

  it('checks generation and member against a group with members', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    const member = { generationId: join.generationId, memberId: join.memberId };
    expect(codes(await commit(harness, member))).toEqual([ErrorCode.NONE]);
    expect(codes(await commit(harness))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(codes(await commit(harness, { ...member, generationId: 0 }))).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(codes(await commit(harness, { ...member, memberId: 'ghost' }))).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(codes(await commit(harness, { ...member, groupId: 'gone' }))).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
  });

  it('answers REBALANCE_IN_PROGRESS before the assignment, accepts in a rejoin', async () => {
    const harness = await startCoordinator();
    const join = await joinAlone(harness);
    const member = { generationId: join.generationId, memberId: join.memberId };
    expect(harness.coordinator.group('group')?.state).toBe('CompletingRebalance');
    expect(codes(await commit(harness, member))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    await harness.coordinator.syncGroup({ ...member, ...syncRest });
    void harness.coordinator.joinGroup(joinParams({ clientId: 'b' }));
    expect(harness.coordinator.group('group')?.state).toBe('PreparingRebalance');
    // The member still owns its partitions until it rejoins: its commit is taken.
    expect(codes(await commit(harness, member))).toEqual([ErrorCode.NONE]);
  });

  it('fails only the partitions whose metadata is over offset.metadata.max.bytes', async () => {
    const harness = await startCoordinator({ offsetMetadataBytesMax: 4 });
    const results = await commit(harness, {
      partitions: [
        { topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: 'four' },
        { topic: 't', partition: 1, offset: 1, leaderEpoch: -1, metadata: 'fives' },
        { topic: 't', partition: 2, offset: 1, leaderEpoch: -1, metadata: null },
      ],
    });
    expect(codes(results)).toEqual([0, ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    const fetched = harness.coordinator.fetchOffsets('group', null);
    expect(fetched.partitions.map((p) => [p.partition, p.metadata])).toEqual([
      [0, 'four'],
      [2, ''],
    ]);
  });

  it('answers COORDINATOR_NOT_AVAILABLE when the log refuses the write', async () => {
    const log = new MemoryOffsetLog();
    const harness = await startCoordinator({}, log);
    log.failNextAppend = new Error('disk full');
    expect(codes(await commit(harness))).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    expect(harness.coordinator.fetchOffsets('group', null).partitions).toEqual([]);
    expect(codes(await commit(harness))).toEqual([ErrorCode.NONE]);
  });

  it('tombstones a commit still being written when its group is deleted', async () => {
    const log = new MemoryOffsetLog();
    const harness = await startCoordinator({}, log);
    let releaseFlush = () => {};
    log.flushGate = new Promise((resolve) => {
      releaseFlush = resolve;
    });
    const pending = commit(harness);
    const deleting = harness.coordinator.deleteGroups(['group']);
    releaseFlush();
    expect(codes(await pending)).toEqual([ErrorCode.NONE]);
    expect(await deleting).toEqual([{ groupId: 'group', errorCode: ErrorCode.NONE }]);
    expect(harness.coordinator.group('group')).toBeUndefined();
    // Replayed, the commit is followed by its tombstone: the group stays deleted.
    const reloaded = await startCoordinator({}, log);
    expect(reloaded.coordinator.group('group')).toBeUndefined();
  });

  it('loads past records it cannot decode (produced into the topic by a client)', async () => {
    const log = new MemoryOffsetLog();
    const harness = await startCoordinator({}, log);
    await commit(harness);
    const key = encodeOffsetCommitKey({ group: 'group', topic: 't', partition: 1 });
    await log.append(
      encodeRecordBatch({
        records: [
          { key, value: Buffer.from('not an offset value') },
          { key: Buffer.from('junk'), value: Buffer.from('x') },
          { key: null, value: Buffer.from('no key') },
        ],
      }),
    );
    await commit(harness, { partitions: [{ ...partitionAt(2), offset: 7 }] });
    const reloaded = await startCoordinator({}, log);
    const offsets = reloaded.coordinator.fetchOffsets('group', null).partitions;
    expect(offsets.map((p) => [p.partition, p.offset])).toEqual([
      [0, 42],
      [2, 7],
    ]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS until load() completes', async () => {
    const coordinator = new GroupCoordinator({ log: new MemoryOffsetLog() });
    const early = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      partitions: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
    });
    expect(codes(early)).toEqual([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    expect(coordinator.fetchOffsets('g', null).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    await coordinator.load();
    expect(coordinator.fetchOffsets('g', null).errorCode).toBe(ErrorCode.NONE);
    await coordinator.close();
  });

  it('refuses a new group past the groups limit, after letting go of disposable ones', async () => {
    const harness = await startCoordinator({ groupsMax: 2 });
    expect(codes(await commit(harness, { groupId: 'g1' }))).toEqual([0]);
    // g2 is created by a join, then emptied: it holds nothing and may be let go.
    const join = await joinAlone(harness, { groupId: 'g2' });
    harness.coordinator.leaveGroup('g2', [{ memberId: join.memberId, groupInstanceId: null }]);
    expect(codes(await commit(harness, { groupId: 'g3' }))).toEqual([0]);
    expect(harness.coordinator.group('g2')).toBeUndefined();
    expect(codes(await commit(harness, { groupId: 'g4' }))).toEqual([
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ]);
  });
});

const syncRest = {
  groupId: 'group',
  groupInstanceId: null,
  protocolType: null,
  protocolName: null,
  assignments: [],
};

describe('group views', () => {
  it('lists groups, filtered by state case-insensitively', async () => {
    const harness = await startCoordinator();
    await stableGroupOfOne(harness, { groupId: 'stable' });
    await commit(harness, { groupId: 'empty' });
    const all = harness.coordinator.listGroups();
    expect(all.groups).toEqual([
      { groupId: 'stable', protocolType: 'consumer', groupState: 'Stable' },
      { groupId: 'empty', protocolType: '', groupState: 'Empty' },
    ]);
    const stable = harness.coordinator.listGroups(['stable']);
    expect(stable.groups.map((g) => g.groupId)).toEqual(['stable']);
  });

  it('describes members (metadata once Stable), and unknown groups as Dead', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    const [described, unknown] = harness.coordinator.describeGroups(['group', 'nope']);
    expect(described).toEqual({
      errorCode: 0,
      groupId: 'group',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      members: [
        {
          memberId: join.memberId,
          groupInstanceId: null,
          clientId: 'client',
          clientHost: '/127.0.0.1',
          memberMetadata: Buffer.from('range'),
          memberAssignment: Buffer.from('all'),
        },
      ],
    });
    expect(unknown).toMatchObject({ errorCode: 0, groupId: 'nope', groupState: 'Dead' });
    expect(unknown?.members).toEqual([]);
  });

  it('deletes only Empty groups, with their offsets', async () => {
    const harness = await startCoordinator();
    await stableGroupOfOne(harness, { groupId: 'busy' });
    await commit(harness, { groupId: 'idle' });
    const results = await harness.coordinator.deleteGroups(['busy', 'idle', 'missing']);
    expect(results).toEqual([
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'idle', errorCode: ErrorCode.NONE },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(harness.coordinator.group('idle')).toBeUndefined();
    const fetched = harness.coordinator.fetchOffsets('idle', [{ topic: 't', partition: 0 }]);
    expect(fetched.partitions[0]?.offset).toBe(-1);
  });
});
