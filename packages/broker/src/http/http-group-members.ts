/**
 * Group members for HTTP clients. An HTTP client cannot hold a Kafka connection open to
 * heartbeat, so the broker acts as the member's Kafka client: it joins the real group
 * coordinator (JoinGroup + SyncGroup, protocol type 'consumer', assignor 'range'), computes
 * the assignment when the member is the leader (range-assignor.ts), heartbeats the
 * coordinator, and rejoins when a heartbeat says the group is rebalancing, exactly as a
 * Kafka consumer would. The HTTP client only polls records and commits.
 *
 * Sessions. The HTTP client's session is the member's: every request on the member restarts
 * a timer of sessionTimeoutMs (never while one of its requests is in flight); when it fires
 * the broker leaves the group for the member, which the coordinator rebalances like any
 * member whose session expired. The broker's heartbeats only carry that session to the
 * coordinator; they stop with it.
 *
 * Mixed groups. An HTTP member offers only the 'range' assignor of the 'consumer' protocol
 * type. It can join a group of Kafka consumers that all offer 'range' (Java, librdkafka);
 * a group whose members lack it (kafkajs offers only RoundRobinAssigner) refuses it with
 * INCONSISTENT_GROUP_PROTOCOL (409), and the other way round.
 *
 * Positions. As in a Kafka consumer, each assigned partition is read from a position held in
 * memory, which starts at the committed offset (or at autoOffsetReset when there is none or
 * it is out of range) and moves as records are returned. A rebalance drops the positions: a
 * member reads again from the committed offsets, so records not committed before a rebalance
 * are delivered again (at-least-once).
 */
import type { PartitionLog } from '@cairn/log';
import {
  decodeConsumerProtocolAssignment,
  ErrorCode,
  encodeConsumerProtocolSubscription,
  errorName,
} from '@cairn/protocol';
import type { Logger } from 'pino';
import { httpGroupMembersMax, httpMemberHeartbeatIntervalMs } from '../constants.js';
import type { GroupCoordinator, TopicPartition } from '../groups/index.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { httpError, kafkaCodeError } from './http-errors.js';
import { assignRange, rangeAssignorName } from './range-assignor.js';

export const httpMemberClientId = 'cairn-http';

/** Rejoins after REBALANCE_IN_PROGRESS from SyncGroup before the join is given up. */
const rejoinAttemptsMax = 10;

export type AutoOffsetReset = 'earliest' | 'latest';

export interface HttpMemberOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly autoOffsetReset: AutoOffsetReset;
  readonly clientHost: string;
}

export class HttpGroupMember {
  memberId = '';
  generationId = -1;
  assignment: TopicPartition[] = [];
  /** Next offset to read, per `topic:partition`; cleared when the assignment changes. */
  readonly positions = new Map<string, number>();
  /** The join and sync under way, if any. */
  rejoining: Promise<void> | null = null;
  inflightRequestCount = 0;
  removed = false;
  heartbeatTimer: NodeJS.Timeout | null = null;
  sessionTimer: NodeJS.Timeout | null = null;
  /** Where a read across the assigned partitions starts, so none is starved. */
  nextPartitionIndex = 0;

  constructor(readonly options: HttpMemberOptions) {}

  get groupId(): string {
    return this.options.groupId;
  }
}

export function positionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export interface HttpGroupMembersDeps {
  readonly coordinator: GroupCoordinator;
  readonly registry: TopicRegistry;
  readonly logger: Logger;
}

export class HttpGroupMembers {
  private readonly members = new Map<string, HttpGroupMember>();
  private closed = false;

  constructor(private readonly deps: HttpGroupMembersDeps) {}

  get size(): number {
    return this.members.size;
  }

  /** Joins the group and waits for the first assignment. Throws HttpError. */
  async join(options: HttpMemberOptions): Promise<HttpGroupMember> {
    if (this.members.size >= httpGroupMembersMax) {
      throw httpError(
        503,
        'HTTP_MEMBERS_LIMIT',
        `the broker holds ${httpGroupMembersMax} HTTP group members, its limit`,
      );
    }
    const member = new HttpGroupMember(options);
    try {
      await this.joinAndSync(member);
    } catch (error) {
      if (member.memberId !== '') this.leaveCoordinator(member);
      throw error;
    }
    if (this.closed || member.removed) {
      throw httpError(503, 'COORDINATOR_NOT_AVAILABLE', 'the broker is shutting down');
    }
    this.members.set(memberKey(member.groupId, member.memberId), member);
    this.scheduleHeartbeat(member);
    this.restartSession(member);
    return member;
  }

  /**
   * The member, for one request: its session is held until `release`. 404 UNKNOWN_MEMBER_ID
   * for a member that left, expired or never was.
   */
  acquire(groupId: string, memberId: string): HttpGroupMember {
    const member = this.members.get(memberKey(groupId, memberId));
    if (member === undefined) {
      throw httpError(
        404,
        'UNKNOWN_MEMBER_ID',
        `group '${groupId}' has no HTTP member '${memberId}' (it left, or its session expired)`,
      );
    }
    member.inflightRequestCount += 1;
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    return member;
  }

  release(member: HttpGroupMember): void {
    member.inflightRequestCount -= 1;
    if (member.inflightRequestCount === 0 && !member.removed) this.restartSession(member);
  }

  /** Waits up to `timeoutMs` for a rejoin under way; true when the member is assigned. */
  async settled(member: HttpGroupMember, timeoutMs: number): Promise<boolean> {
    const rejoining = member.rejoining;
    if (rejoining === null) return !member.removed;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([rejoining, timeout]);
    clearTimeout(timer);
    return member.rejoining === null && !member.removed;
  }

  /** The member leaves the group (LeaveGroup), as a consumer's close() does. */
  leave(member: HttpGroupMember): void {
    this.forget(member);
    this.leaveCoordinator(member);
  }

  /** Stops every member's timers; the coordinator's close answers what is parked. */
  close(): void {
    this.closed = true;
    for (const member of [...this.members.values()]) this.forget(member);
  }

  /**
   * The first committed position of an assigned partition: the committed offset when it is
   * within the log, otherwise autoOffsetReset, as Kafka's consumer resets.
   */
  initialPosition(member: HttpGroupMember, log: PartitionLog, topic: string, partition: number) {
    const fetched = this.deps.coordinator.fetchOffsets(member.groupId, [{ topic, partition }]);
    const committed = fetched.partitions[0]?.offset ?? -1;
    if (committed >= log.logStartOffset && committed <= log.logEndOffset) return committed;
    return member.options.autoOffsetReset === 'earliest' ? log.logStartOffset : log.highWatermark;
  }

  private async joinAndSync(member: HttpGroupMember): Promise<void> {
    const { coordinator } = this.deps;
    const { groupId } = member;
    for (let attempt = 1; ; attempt++) {
      member.assignment = [];
      member.positions.clear();
      const joined = await coordinator.joinGroup({
        groupId,
        memberId: member.memberId,
        groupInstanceId: null,
        requireKnownMemberId: false,
        clientId: httpMemberClientId,
        clientHost: member.options.clientHost,
        rebalanceTimeoutMs: member.options.sessionTimeoutMs,
        sessionTimeoutMs: member.options.sessionTimeoutMs,
        protocolType: 'consumer',
        protocols: [{ name: rangeAssignorName, metadata: subscription(member.options.topics) }],
      });
      if (joined.errorCode !== ErrorCode.NONE) throw this.joinError(member, joined.errorCode);
      member.memberId = joined.memberId;
      member.generationId = joined.generationId;
      const isLeader = joined.leader === joined.memberId;
      const synced = await coordinator.syncGroup({
        groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: rangeAssignorName,
        assignments: isLeader ? assignRange(joined.members, (t) => this.partitionCount(t)) : [],
      });
      if (synced.errorCode === ErrorCode.NONE) {
        member.assignment = assignedPartitions(synced.assignment);
        return;
      }
      const retry = synced.errorCode === ErrorCode.REBALANCE_IN_PROGRESS;
      if (!retry || attempt >= rejoinAttemptsMax) throw this.joinError(member, synced.errorCode);
    }
  }

  private joinError(member: HttpGroupMember, errorCode: number) {
    const { groupId } = member;
    switch (errorCode) {
      case ErrorCode.INCONSISTENT_GROUP_PROTOCOL:
        return kafkaCodeError(
          errorCode,
          `group '${groupId}' has members that do not offer the '${rangeAssignorName}' assignor ` +
            "of protocol type 'consumer'; HTTP members join only groups whose members all do",
        );
      case ErrorCode.INVALID_SESSION_TIMEOUT: {
        const { sessionTimeoutMsMin, sessionTimeoutMsMax } = this.deps.coordinator.config;
        return kafkaCodeError(
          errorCode,
          `sessionTimeoutMs ${member.options.sessionTimeoutMs} is outside ` +
            `[${sessionTimeoutMsMin}, ${sessionTimeoutMsMax}]`,
        );
      }
      default:
        return kafkaCodeError(
          errorCode,
          `joining group '${groupId}' failed: ${errorName(errorCode)}`,
        );
    }
  }

  private partitionCount(topic: string): number | undefined {
    return this.deps.registry.topic(topic)?.partitions.length;
  }

  private scheduleHeartbeat(member: HttpGroupMember): void {
    const intervalMs = Math.min(
      httpMemberHeartbeatIntervalMs,
      Math.floor(member.options.sessionTimeoutMs / 3),
    );
    member.heartbeatTimer = setTimeout(() => this.heartbeat(member), intervalMs);
    member.heartbeatTimer.unref();
  }

  private heartbeat(member: HttpGroupMember): void {
    member.heartbeatTimer = null;
    if (member.removed) return;
    if (member.rejoining !== null) {
      this.scheduleHeartbeat(member);
      return;
    }
    const errorCode = this.deps.coordinator.heartbeat({
      groupId: member.groupId,
      generationId: member.generationId,
      memberId: member.memberId,
      groupInstanceId: null,
    });
    if (errorCode === ErrorCode.NONE) {
      this.scheduleHeartbeat(member);
    } else if (
      errorCode === ErrorCode.REBALANCE_IN_PROGRESS ||
      errorCode === ErrorCode.ILLEGAL_GENERATION
    ) {
      this.rejoin(member);
      this.scheduleHeartbeat(member);
    } else {
      // UNKNOWN_MEMBER_ID (removed by the coordinator or an admin), or the coordinator closed.
      this.deps.logger.info(
        { groupId: member.groupId, memberId: member.memberId, error: errorName(errorCode) },
        'HTTP group member is no longer in its group',
      );
      this.forget(member);
    }
  }

  private rejoin(member: HttpGroupMember): void {
    member.rejoining = this.joinAndSync(member).then(
      () => {
        member.rejoining = null;
      },
      (error: unknown) => {
        member.rejoining = null;
        this.deps.logger.info(
          { groupId: member.groupId, memberId: member.memberId, err: error },
          'HTTP group member could not rejoin its group',
        );
        this.leave(member);
      },
    );
  }

  private restartSession(member: HttpGroupMember): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null;
      if (member.inflightRequestCount > 0 || member.removed) return;
      this.deps.logger.info(
        { groupId: member.groupId, memberId: member.memberId },
        'HTTP group member session expired, leaving its group',
      );
      this.leave(member);
    }, member.options.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private forget(member: HttpGroupMember): void {
    member.removed = true;
    if (member.heartbeatTimer !== null) clearTimeout(member.heartbeatTimer);
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.heartbeatTimer = null;
    member.sessionTimer = null;
    this.members.delete(memberKey(member.groupId, member.memberId));
  }

  private leaveCoordinator(member: HttpGroupMember): void {
    if (this.closed) return;
    this.deps.coordinator.leaveGroup(member.groupId, [
      { memberId: member.memberId, groupInstanceId: null },
    ]);
  }
}

function memberKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}

function subscription(topics: readonly string[]): Buffer {
  return encodeConsumerProtocolSubscription({
    version: 0,
    topics: [...topics],
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
}

function assignedPartitions(assignment: Buffer): TopicPartition[] {
  if (assignment.length === 0) return [];
  const decoded = decodeConsumerProtocolAssignment(assignment);
  return decoded.assignedPartitions.flatMap(({ topic, partitions }) =>
    partitions.map((partition) => ({ topic, partition })),
  );
}
