// Proves the classic group state machine (join, sync, heartbeat, leave, rebalances, timeouts)
// by driving a GroupCoordinator on a manual clock and an in-memory __consumer_offsets.
import { ErrorCode } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import type { JoinGroupResult, SyncGroupParams } from '../../src/groups/coordinator-api.js';
import {
  type Harness,
  isSettled,
  joinAlone,
  joinParams,
  protocol,
  stableGroupOfOne,
  startCoordinator,
} from './group-fixtures.js';

function syncParams(join: JoinGroupResult, overrides: Partial<SyncGroupParams> = {}) {
  return {
    groupId: 'group',
    generationId: join.generationId,
    memberId: join.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
    ...overrides,
  };
}

function heartbeat(harness: Harness, join: JoinGroupResult, generationId = join.generationId) {
  return harness.coordinator.heartbeat({
    groupId: 'group',
    generationId,
    memberId: join.memberId,
    groupInstanceId: null,
  });
}

/**
 * Members joining an Empty group together wait the initial delay twice: the second member
 * extends it once more (Kafka's InitialDelayedJoin); the test config's delay is 50 ms.
 */
const initialDelaysMs = 100;

/** A stable group of two dynamic members, A the leader. */
async function stableGroupOfTwo(harness: Harness) {
  const { coordinator, clock } = harness;
  const joinA = coordinator.joinGroup(joinParams({ clientId: 'a' }));
  const joinB = coordinator.joinGroup(joinParams({ clientId: 'b' }));
  clock.advance(initialDelaysMs);
  const [a, b] = await Promise.all([joinA, joinB]);
  const syncB = coordinator.syncGroup(syncParams(b));
  const syncA = coordinator.syncGroup(
    syncParams(a, {
      assignments: [
        { memberId: a.memberId, assignment: Buffer.from('pa') },
        { memberId: b.memberId, assignment: Buffer.from('pb') },
      ],
    }),
  );
  await Promise.all([syncA, syncB]);
  return { a, b };
}

describe('JoinGroup', () => {
  it('asks a new member to rejoin with the id it is given (MEMBER_ID_REQUIRED, v4+)', async () => {
    const harness = await startCoordinator();
    const first = await harness.coordinator.joinGroup(
      joinParams({ clientId: 'app', requireKnownMemberId: true }),
    );
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^app-[0-9a-f-]{36}$/);
    expect(first.generationId).toBe(-1);

    const second = await joinAlone(
      harness,
      joinParams({ memberId: first.memberId, requireKnownMemberId: true }),
    );
    expect(second).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      memberId: first.memberId,
      leader: first.memberId,
      protocolType: 'consumer',
      protocolName: 'range',
    });
    expect(second.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('range') },
    ]);
    expect(harness.coordinator.group('group')?.state).toBe('CompletingRebalance');
  });

  it('forgets a pending member id after the session timeout', async () => {
    const harness = await startCoordinator();
    const first = await harness.coordinator.joinGroup(joinParams({ requireKnownMemberId: true }));
    harness.clock.advance(1_000);
    const rejoin = await harness.coordinator.joinGroup(
      joinParams({ memberId: first.memberId, requireKnownMemberId: true }),
    );
    expect(rejoin.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('waits the initial rebalance delay for more members, then elects the first', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joinA = coordinator.joinGroup(joinParams({ clientId: 'a' }));
    clock.advance(30);
    const joinB = coordinator.joinGroup(joinParams({ clientId: 'b' }));
    // B extended the delay: 50 ms after A's join nobody is answered yet.
    clock.advance(20);
    expect(await isSettled(joinA)).toBe(false);
    clock.advance(initialDelaysMs);
    const [a, b] = await Promise.all([joinA, joinB]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    expect(a.leader).toBe(a.memberId);
    expect(b.leader).toBe(a.memberId);
    expect(a.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId]);
    expect(b.members).toEqual([]);
  });

  it('rejects a session timeout outside the configured bounds', async () => {
    const harness = await startCoordinator();
    for (const sessionTimeoutMs of [99, 60_001]) {
      const result = await harness.coordinator.joinGroup(joinParams({ sessionTimeoutMs }));
      expect(result.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
  });

  it('rejects an empty group id, and a member id for a group it does not know', async () => {
    const harness = await startCoordinator();
    const empty = await harness.coordinator.joinGroup(joinParams({ groupId: '' }));
    expect(empty.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    const unknown = await harness.coordinator.joinGroup(joinParams({ memberId: 'ghost' }));
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('refuses members of another protocol type or with no protocol in common', async () => {
    const harness = await startCoordinator();
    const pending = harness.coordinator.joinGroup(joinParams());
    const otherType = await harness.coordinator.joinGroup(joinParams({ protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await harness.coordinator.joinGroup(
      joinParams({ protocols: [protocol('roundrobin')] }),
    );
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noProtocols = await harness.coordinator.joinGroup(
      joinParams({ groupId: 'other', protocols: [] }),
    );
    expect(noProtocols.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    harness.clock.advance(50);
    expect((await pending).errorCode).toBe(ErrorCode.NONE);
  });

  it('selects the protocol all members support with the most first choices', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joins = [
      [protocol('range'), protocol('roundrobin'), protocol('sticky')],
      [protocol('roundrobin'), protocol('range')],
      [protocol('sticky'), protocol('roundrobin'), protocol('range')],
      [protocol('roundrobin'), protocol('range'), protocol('sticky')],
    ].map((protocols) => coordinator.joinGroup(joinParams({ protocols })));
    clock.advance(initialDelaysMs);
    const results = await Promise.all(joins);
    // sticky is not supported by all; roundrobin has 2 first choices once sticky is out.
    expect(results.map((r) => r.protocolName)).toEqual([
      'roundrobin',
      'roundrobin',
      'roundrobin',
      'roundrobin',
    ]);
    expect(results[0]?.members.map((m) => m.metadata.toString())).toEqual([
      'roundrobin',
      'roundrobin',
      'roundrobin',
      'roundrobin',
    ]);
  });

  it('answers GROUP_MAX_SIZE_REACHED past group.max.size', async () => {
    const harness = await startCoordinator({ membersMax: 2 });
    const joins = [1, 2].map(() => harness.coordinator.joinGroup(joinParams()));
    const third = await harness.coordinator.joinGroup(joinParams());
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    harness.clock.advance(initialDelaysMs);
    expect((await Promise.all(joins)).map((r) => r.errorCode)).toEqual([0, 0]);
    const fourth = await harness.coordinator.joinGroup(joinParams());
    expect(fourth.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  it('answers a follower rejoining a stable group with unchanged metadata at once', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    const rejoin = await harness.coordinator.joinGroup(joinParams({ memberId: b.memberId }));
    expect(rejoin).toMatchObject({ errorCode: 0, generationId: 1, leader: a.memberId });
    expect(harness.coordinator.group('group')?.state).toBe('Stable');
  });

  it('rebalances when the leader rejoins a stable group', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    const rejoinA = harness.coordinator.joinGroup(joinParams({ memberId: a.memberId }));
    expect(harness.coordinator.group('group')?.state).toBe('PreparingRebalance');
    expect(heartbeat(harness, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinB = harness.coordinator.joinGroup(joinParams({ memberId: b.memberId }));
    const [newA, newB] = await Promise.all([rejoinA, rejoinB]);
    expect(newA.generationId).toBe(2);
    expect(newB.generationId).toBe(2);
  });
});

describe('SyncGroup', () => {
  it('parks followers until the leader sends the assignment, then answers all', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joinA = coordinator.joinGroup(joinParams({ clientId: 'a' }));
    const joinB = coordinator.joinGroup(joinParams({ clientId: 'b' }));
    clock.advance(initialDelaysMs);
    const [a, b] = await Promise.all([joinA, joinB]);
    const syncB = coordinator.syncGroup(syncParams(b));
    expect(await isSettled(syncB)).toBe(false);
    expect(heartbeat(harness, b)).toBe(ErrorCode.NONE);
    const syncA = await coordinator.syncGroup(
      syncParams(a, { assignments: [{ memberId: a.memberId, assignment: Buffer.from('pa') }] }),
    );
    expect(syncA).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(syncA.assignment.toString()).toBe('pa');
    // B was left out of the leader's assignment: it gets an empty one.
    expect((await syncB).assignment.length).toBe(0);
    expect(coordinator.group('group')?.state).toBe('Stable');
    const again = await coordinator.syncGroup(syncParams(a));
    expect(again.assignment.toString()).toBe('pa');
  });

  it('checks the member, the generation and the protocol', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    const sync = (overrides: Partial<SyncGroupParams>) =>
      harness.coordinator.syncGroup(syncParams(join, overrides));
    expect((await sync({ memberId: 'ghost' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync({ generationId: 7 })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync({ protocolName: 'roundrobin' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await sync({ groupId: 'nope' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('tells a member syncing during a rebalance to rejoin', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    void harness.coordinator.joinGroup(joinParams({ memberId: a.memberId }));
    const sync = await harness.coordinator.syncGroup(syncParams(b));
    expect(sync.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('answers parked followers REBALANCE_IN_PROGRESS when a rebalance starts', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joinA = coordinator.joinGroup(joinParams({ clientId: 'a' }));
    const joinB = coordinator.joinGroup(joinParams({ clientId: 'b' }));
    clock.advance(initialDelaysMs);
    const [, b] = await Promise.all([joinA, joinB]);
    const syncB = coordinator.syncGroup(syncParams(b));
    void coordinator.joinGroup(joinParams({ clientId: 'c' }));
    expect((await syncB).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('removes members that send no SyncGroup within the rebalance timeout', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joinA = coordinator.joinGroup(joinParams({ clientId: 'a', rebalanceTimeoutMs: 500 }));
    const joinB = coordinator.joinGroup(joinParams({ clientId: 'b', rebalanceTimeoutMs: 500 }));
    clock.advance(initialDelaysMs);
    const [a, b] = await Promise.all([joinA, joinB]);
    await coordinator.syncGroup(syncParams(a));
    for (let elapsed = 0; elapsed < 500; elapsed += 250) {
      clock.advance(250);
      heartbeat(harness, a);
    }
    const group = coordinator.group('group');
    expect(group?.has(b.memberId)).toBe(false);
    expect(group?.state).toBe('PreparingRebalance');
    expect(heartbeat(harness, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

describe('Heartbeat', () => {
  it('answers NONE when stable, and names unknown members and old generations', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    expect(heartbeat(harness, join)).toBe(ErrorCode.NONE);
    expect(heartbeat(harness, join, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(heartbeat(harness, { ...join, memberId: 'ghost' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const other = harness.coordinator.heartbeat({
      groupId: 'unknown',
      generationId: 1,
      memberId: join.memberId,
      groupInstanceId: null,
    });
    expect(other).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('keeps a heartbeating member and removes a silent one after its session', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    for (let elapsed = 0; elapsed < 2_000; elapsed += 500) {
      harness.clock.advance(500);
      expect(heartbeat(harness, a)).toBe(ErrorCode.NONE);
      expect(heartbeat(harness, b)).toBe(ErrorCode.NONE);
    }
    harness.clock.advance(500);
    expect(heartbeat(harness, a)).toBe(ErrorCode.NONE);
    harness.clock.advance(600);
    // B missed its session timeout (1000 ms): removed, and the group rebalances.
    expect(heartbeat(harness, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(heartbeat(harness, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoin = await harness.coordinator.joinGroup(joinParams({ memberId: a.memberId }));
    expect(rejoin).toMatchObject({ generationId: 2, leader: a.memberId });
    expect(rejoin.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });
});

describe('rebalance', () => {
  it('admits a new member into a stable group with a new generation', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    const joinB = harness.coordinator.joinGroup(joinParams({ clientId: 'b' }));
    expect(heartbeat(harness, join)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinA = harness.coordinator.joinGroup(joinParams({ memberId: join.memberId }));
    const [a, b] = await Promise.all([rejoinA, joinB]);
    expect(a).toMatchObject({ generationId: 2, leader: join.memberId });
    expect(b).toMatchObject({ generationId: 2, leader: join.memberId });
    expect(a.members).toHaveLength(2);
  });

  it('removes members that do not rejoin within the rebalance timeout', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    const rejoinA = harness.coordinator.joinGroup(joinParams({ memberId: a.memberId }));
    // The leader's rejoin rebalances the group; B keeps heartbeating but never rejoins.
    for (let elapsed = 0; elapsed < 10_000; elapsed += 500) {
      expect(await isSettled(rejoinA)).toBe(false);
      expect(heartbeat(harness, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      harness.clock.advance(500);
    }
    const result = await rejoinA;
    expect(result).toMatchObject({ generationId: 2, leader: a.memberId });
    expect(result.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(heartbeat(harness, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('rebalances when a member leaves, and empties when the last one does', async () => {
    const harness = await startCoordinator();
    const { a, b } = await stableGroupOfTwo(harness);
    const left = harness.coordinator.leaveGroup('group', [
      { memberId: b.memberId, groupInstanceId: null },
    ]);
    expect(left).toEqual({
      errorCode: 0,
      members: [{ memberId: b.memberId, groupInstanceId: null, errorCode: 0 }],
    });
    expect(heartbeat(harness, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await harness.coordinator.joinGroup(joinParams({ memberId: a.memberId }));
    expect(rejoin.generationId).toBe(2);
    harness.coordinator.leaveGroup('group', [{ memberId: a.memberId, groupInstanceId: null }]);
    const group = harness.coordinator.group('group');
    expect(group?.state).toBe('Empty');
    expect(group?.generationId).toBe(3);
  });

  it('answers unknown members in a LeaveGroup batch member by member', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness);
    const left = harness.coordinator.leaveGroup('group', [
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: join.memberId, groupInstanceId: null },
    ]);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, 0]);
    const unknownGroup = harness.coordinator.leaveGroup('nope', [
      { memberId: 'x', groupInstanceId: null },
    ]);
    expect(unknownGroup.members[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers a new member that waits too long in a rebalance UNKNOWN_MEMBER_ID', async () => {
    const harness = await startCoordinator({ newMemberJoinTimeoutMs: 2_000 });
    const { join } = await stableGroupOfOne(harness, { rebalanceTimeoutMs: 60_000 });
    const joinB = harness.coordinator.joinGroup(joinParams({ clientId: 'b' }));
    // A keeps heartbeating but never rejoins; B's parked join lapses after 2 s.
    for (let elapsed = 0; elapsed < 2_000; elapsed += 500) {
      heartbeat(harness, join);
      harness.clock.advance(500);
    }
    expect(await joinB).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' });
  });
});

describe('static membership', () => {
  const staticJoin = (instance: string, overrides = {}) =>
    joinParams({ groupInstanceId: instance, clientId: instance, ...overrides });

  it('gives a rejoining static member a new id without a rebalance', async () => {
    const harness = await startCoordinator();
    const { coordinator } = harness;
    const { join: old } = await stableGroupOfOne(harness, staticJoin('i-1'));
    expect(old.memberId).toMatch(/^i-1-/);

    const rejoined = await coordinator.joinGroup(staticJoin('i-1'));
    expect(rejoined.errorCode).toBe(ErrorCode.NONE);
    expect(rejoined.memberId).not.toBe(old.memberId);
    expect(rejoined.generationId).toBe(1);
    // The old leader id is returned, so the new process does not compute an assignment.
    expect(rejoined.leader).toBe(old.memberId);
    expect(rejoined.members).toEqual([]);
    expect(coordinator.group('group')?.state).toBe('Stable');

    const sync = await coordinator.syncGroup(
      syncParams(rejoined, { groupInstanceId: 'i-1', assignments: [] }),
    );
    expect(sync.assignment.toString()).toBe('all');

    const fenced = coordinator.heartbeat({
      groupId: 'group',
      generationId: 1,
      memberId: old.memberId,
      groupInstanceId: 'i-1',
    });
    expect(fenced).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const oldJoin = await coordinator.joinGroup(staticJoin('i-1', { memberId: old.memberId }));
    expect(oldJoin.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('rebalances when a rejoining static member changes the selected protocol', async () => {
    const harness = await startCoordinator();
    await stableGroupOfOne(harness, staticJoin('i-1'));
    // The only member now prefers roundrobin: the group's protocol changes, so it rebalances
    // (at once: every member has joined).
    const result = await harness.coordinator.joinGroup(
      staticJoin('i-1', { protocols: [protocol('roundrobin'), protocol('range')] }),
    );
    expect(result).toMatchObject({ generationId: 2, protocolName: 'roundrobin' });
    expect(result.leader).toBe(result.memberId);
  });

  it('keeps a static member that misses a rebalance until its session times out', async () => {
    const harness = await startCoordinator();
    const { coordinator, clock } = harness;
    const joinA = coordinator.joinGroup(staticJoin('i-a', { rebalanceTimeoutMs: 500 }));
    const joinB = coordinator.joinGroup(joinParams({ clientId: 'b', rebalanceTimeoutMs: 500 }));
    clock.advance(initialDelaysMs);
    const [a, b] = await Promise.all([joinA, joinB]);
    await Promise.all([
      coordinator.syncGroup(syncParams(b)),
      coordinator.syncGroup(syncParams(a, { groupInstanceId: 'i-a' })),
    ]);
    // B rejoins with new metadata, which rebalances the group; A does not rejoin.
    const rejoinB = coordinator.joinGroup(
      joinParams({
        memberId: b.memberId,
        rebalanceTimeoutMs: 500,
        protocols: [protocol('range', 'v2')],
      }),
    );
    clock.advance(500);
    const result = await rejoinB;
    // A did not rejoin but stays (static); B leads generation 2 with both members.
    expect(result.generationId).toBe(2);
    expect(result.leader).toBe(b.memberId);
    expect(result.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    // A never heartbeats: its session times out and the group rebalances without it.
    clock.advance(1_000);
    expect(coordinator.group('group')?.has(a.memberId)).toBe(false);
  });

  it('removes a static member by groupInstanceId alone', async () => {
    const harness = await startCoordinator();
    const { join } = await stableGroupOfOne(harness, staticJoin('i-1'));
    const left = harness.coordinator.leaveGroup('group', [
      { memberId: '', groupInstanceId: 'i-1' },
      { memberId: '', groupInstanceId: 'i-2' },
    ]);
    expect(left.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(harness.coordinator.group('group')?.has(join.memberId)).toBe(false);
  });

  it('fences a LeaveGroup naming a static member with another member id', async () => {
    const harness = await startCoordinator();
    await stableGroupOfOne(harness, staticJoin('i-1'));
    const left = harness.coordinator.leaveGroup('group', [
      { memberId: 'i-1-old', groupInstanceId: 'i-1' },
    ]);
    expect(left.members[0]?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});

describe('coordinator lifecycle', () => {
  it('answers COORDINATOR_LOAD_IN_PROGRESS before load and NOT_COORDINATOR on close', async () => {
    const harness = await startCoordinator();
    const pending = harness.coordinator.joinGroup(joinParams());
    await harness.coordinator.close();
    expect((await pending).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const after = await harness.coordinator.joinGroup(joinParams());
    expect(after.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(harness.clock.pendingTimerCount).toBe(0);
  });
});
