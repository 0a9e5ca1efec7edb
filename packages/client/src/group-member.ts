/**
 * One consumer's membership in a classic-protocol group, as pure state: the member id, the
 * generation, where it is in the rebalance, and what each coordinator answer means for it.
 * No I/O happens here (group-membership.ts sends the requests); every decision Kafka's
 * ConsumerCoordinator makes on an error code is made here, so it can be tested on its own.
 *
 *   unjoined --JoinGroup--> joining --ok--> syncing --ok--> stable
 *      ^                       |                |              | REBALANCE_IN_PROGRESS on a
 *      |  UNKNOWN_MEMBER_ID,   | MEMBER_ID_     |              | heartbeat or commit: rejoin
 *      +--ILLEGAL_GENERATION---+ REQUIRED:      +--------------+ (keeping the member id)
 *         (fenced: generation  | rejoin with
 *          and id reset)       | the given id
 *
 * A static member (groupInstanceId, KIP-345) keeps its instance id across restarts; its
 * member id is reset like any other, and the coordinator maps the instance id to its place.
 */
import {
  type ConsumerProtocolAssignment,
  consumerProtocolType,
  decodeConsumerProtocolAssignment,
  ErrorCode,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type JoinGroupRequestProtocol,
  type JoinGroupResponse,
  type JoinGroupResponseMember,
  type LeaveGroupRequest,
  type SyncGroupRequest,
  type SyncGroupRequestAssignment,
  type SyncGroupResponse,
} from '@cairn/protocol';
import { errorFromCode, type KafkaClientError } from './errors.js';

export type GroupMemberPhase = 'unjoined' | 'joining' | 'syncing' | 'stable';

/** What to do after a coordinator answer. */
export type MemberAction =
  /** Send JoinGroup again now (a new member id, a rebalance under way). */
  | { kind: 'rejoin' }
  /** Wait retry.backoff.ms, then rejoin (the coordinator is loading, a transient error). */
  | { kind: 'retry'; error: KafkaClientError }
  /** Forget the coordinator, look it up again, then rejoin. */
  | { kind: 'find-coordinator'; error: KafkaClientError }
  /** The member was fenced: its partitions are lost (not committed), then it rejoins. */
  | { kind: 'fenced'; error: KafkaClientError }
  /** Nothing can fix it by retrying (a fenced static instance, a bad configuration). */
  | { kind: 'fatal'; error: KafkaClientError };

export type JoinOutcome =
  | { kind: 'joined'; isLeader: boolean; members: JoinGroupResponseMember[] }
  | MemberAction;

export type SyncOutcome =
  | { kind: 'assigned'; assignment: ConsumerProtocolAssignment }
  | MemberAction;

export type HeartbeatOutcome = { kind: 'ok' } | MemberAction;

/** Kafka errors after which the group cannot go on: configuration or authorization. */
const fatalGroupCodes: ReadonlySet<number> = new Set([
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  ErrorCode.INVALID_SESSION_TIMEOUT,
  ErrorCode.INVALID_GROUP_ID,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.UNSUPPORTED_VERSION,
]);

export class GroupMember {
  memberId = '';
  generationId = -1;
  /** The assignor the coordinator chose for the current generation. */
  protocolName: string | null = null;
  phase: GroupMemberPhase = 'unjoined';

  constructor(
    readonly groupId: string,
    readonly groupInstanceId: string | null,
  ) {}

  /** Whether the member belongs to a generation it can heartbeat and commit in. */
  get isStable(): boolean {
    return this.phase === 'stable';
  }

  joinRequest(
    protocols: JoinGroupRequestProtocol[],
    sessionTimeoutMs: number,
    rebalanceTimeoutMs: number,
  ): JoinGroupRequest {
    this.phase = 'joining';
    return {
      groupId: this.groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      protocolType: consumerProtocolType,
      protocols,
    };
  }

  onJoinResponse(response: JoinGroupResponse): JoinOutcome {
    const code = response.errorCode;
    if (code === ErrorCode.NONE) {
      this.memberId = response.memberId;
      this.generationId = response.generationId;
      this.protocolName = response.protocolName;
      this.phase = 'syncing';
      const isLeader = response.leader === response.memberId;
      return { kind: 'joined', isLeader, members: isLeader ? response.members : [] };
    }
    this.phase = 'unjoined';
    switch (code) {
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator hands out the id first; rejoin with it.
        this.memberId = response.memberId;
        return { kind: 'rejoin' };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration();
        return { kind: 'rejoin' };
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return { kind: 'rejoin' };
      default:
        return this.actionFor(code);
    }
  }

  syncRequest(assignments: SyncGroupRequestAssignment[]): SyncGroupRequest {
    return {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      assignments,
    };
  }

  /** Throws CORRUPT_MESSAGE-like ProtocolError if the leader's assignment bytes are bad. */
  onSyncResponse(response: SyncGroupResponse): SyncOutcome {
    const code = response.errorCode;
    if (code === ErrorCode.NONE) {
      this.phase = 'stable';
      return {
        kind: 'assigned',
        assignment: decodeConsumerProtocolAssignment(response.assignment),
      };
    }
    this.phase = 'unjoined';
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return { kind: 'rejoin' };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration();
        return { kind: 'rejoin' };
      default:
        return this.actionFor(code);
    }
  }

  heartbeatRequest(): HeartbeatRequest {
    return {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
    };
  }

  /** Only meaningful while stable: an answer to a heartbeat of a past generation is ignored. */
  onHeartbeat(errorCode: number, generationId: number): HeartbeatOutcome {
    if (errorCode === ErrorCode.NONE || generationId !== this.generationId) return { kind: 'ok' };
    return this.onGenerationError(errorCode);
  }

  /** An OffsetCommit partition error, read the way a heartbeat error is. */
  onCommitError(errorCode: number): MemberAction {
    return this.onGenerationError(errorCode);
  }

  leaveRequest(): LeaveGroupRequest {
    return {
      groupId: this.groupId,
      members: [{ memberId: this.memberId, groupInstanceId: this.groupInstanceId }],
    };
  }

  /** Forget the generation and the member id: the next JoinGroup is a new member's. */
  resetGeneration(): void {
    this.memberId = '';
    this.generationId = -1;
    this.protocolName = null;
    this.phase = 'unjoined';
  }

  /** Heartbeat and commit errors: a rebalance, a fencing, a moved coordinator. */
  private onGenerationError(code: number): MemberAction {
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return { kind: 'rejoin' };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION: {
        const error = errorFromCode(code);
        this.resetGeneration();
        return { kind: 'fenced', error };
      }
      default:
        return this.actionFor(code);
    }
  }

  private actionFor(code: number): MemberAction {
    const error = errorFromCode(code, { message: `in group ${this.groupId}` });
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      return { kind: 'find-coordinator', error };
    }
    if (fatalGroupCodes.has(code) || !error.retriable) return { kind: 'fatal', error };
    return { kind: 'retry', error };
  }
}
