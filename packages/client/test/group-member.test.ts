// Proves the member state machine reads coordinator answers as Kafka's ConsumerCoordinator
// does: MEMBER_ID_REQUIRED rejoins with the given id, fencing resets the generation, a
// rebalance keeps the id, the coordinator moving is looked up again, and a fenced static
// instance is fatal.
import { ErrorCode, encodeConsumerProtocolAssignment } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { GroupMember } from '../src/group-member.js';

const joinResponse = (errorCode: number, fields = {}) => ({
  throttleTimeMs: 0,
  errorCode,
  generationId: -1,
  protocolName: '',
  leader: '',
  memberId: '',
  members: [],
  ...fields,
});

function joined(member: GroupMember, memberId = 'm-1', generationId = 4): void {
  member.joinRequest([], 6_000, 60_000);
  member.onJoinResponse(
    joinResponse(ErrorCode.NONE, {
      memberId,
      generationId,
      leader: 'other',
      protocolName: 'range',
    }),
  );
  member.onSyncResponse({
    throttleTimeMs: 0,
    errorCode: 0,
    assignment: encodeConsumerProtocolAssignment({
      version: 0,
      assignedPartitions: [{ topic: 't', partitions: [1] }],
      userData: null,
    }),
  });
}

describe('group member', () => {
  it('rejoins with the member id handed out by MEMBER_ID_REQUIRED', () => {
    const member = new GroupMember('g', null);
    expect(member.joinRequest([], 6_000, 60_000).memberId).toBe('');
    const outcome = member.onJoinResponse(
      joinResponse(ErrorCode.MEMBER_ID_REQUIRED, { memberId: 'given' }),
    );
    expect(outcome).toEqual({ kind: 'rejoin' });
    expect(member.joinRequest([], 6_000, 60_000).memberId).toBe('given');
  });

  it('joins, leads when the leader id is its own, and takes the assignment from SyncGroup', () => {
    const member = new GroupMember('g', 'instance-1');
    member.joinRequest([], 6_000, 60_000);
    const outcome = member.onJoinResponse(
      joinResponse(ErrorCode.NONE, {
        memberId: 'me',
        leader: 'me',
        generationId: 3,
        protocolName: 'range',
        members: [{ memberId: 'me', groupInstanceId: 'instance-1', metadata: Buffer.alloc(0) }],
      }),
    );
    expect(outcome).toMatchObject({ kind: 'joined', isLeader: true });
    expect(member.syncRequest([])).toMatchObject({
      generationId: 3,
      memberId: 'me',
      groupInstanceId: 'instance-1',
    });
    const sync = member.onSyncResponse({
      throttleTimeMs: 0,
      errorCode: 0,
      assignment: Buffer.alloc(0),
    });
    expect(sync).toEqual({
      kind: 'assigned',
      assignment: { version: 0, assignedPartitions: [], userData: null },
    });
    expect(member.isStable).toBe(true);
  });

  it('keeps its id on REBALANCE_IN_PROGRESS and resets it when fenced', () => {
    const member = new GroupMember('g', null);
    joined(member);
    expect(member.onHeartbeat(ErrorCode.REBALANCE_IN_PROGRESS, 4)).toEqual({ kind: 'rejoin' });
    expect(member.memberId).toBe('m-1');
    expect(member.onHeartbeat(ErrorCode.ILLEGAL_GENERATION, 4)).toMatchObject({ kind: 'fenced' });
    expect([member.memberId, member.generationId, member.phase]).toEqual(['', -1, 'unjoined']);
  });

  it('ignores a heartbeat answer from a past generation', () => {
    const member = new GroupMember('g', null);
    joined(member, 'm-1', 7);
    expect(member.onHeartbeat(ErrorCode.ILLEGAL_GENERATION, 6)).toEqual({ kind: 'ok' });
    expect(member.generationId).toBe(7);
  });

  it('looks the coordinator up again, retries loading, and stops on a fenced instance', () => {
    const member = new GroupMember('g', 'instance-1');
    member.joinRequest([], 6_000, 60_000);
    expect(member.onJoinResponse(joinResponse(ErrorCode.NOT_COORDINATOR)).kind).toBe(
      'find-coordinator',
    );
    expect(member.onJoinResponse(joinResponse(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).kind).toBe(
      'retry',
    );
    const fatal = member.onJoinResponse(joinResponse(ErrorCode.FENCED_INSTANCE_ID));
    expect(fatal.kind).toBe('fatal');
    expect(fatal.kind === 'fatal' && fatal.error.errorName).toBe('FENCED_INSTANCE_ID');
    expect(member.onCommitError(ErrorCode.UNKNOWN_MEMBER_ID).kind).toBe('fenced');
  });

  it('leaves with its member and instance ids', () => {
    const member = new GroupMember('g', 'instance-1');
    joined(member, 'm-9');
    expect(member.leaveRequest()).toEqual({
      groupId: 'g',
      members: [{ memberId: 'm-9', groupInstanceId: 'instance-1' }],
    });
  });
});
