/**
 * Runs a consumer's group membership against the coordinator (Kafka's ConsumerCoordinator):
 * the rebalance (FindCoordinator, JoinGroup, the leader's assignment, SyncGroup), heartbeats
 * in the background, and LeaveGroup on close. The decisions on each answer are GroupMember's
 * (group-member.ts); the consumer's side of a rebalance (commit, revoke, assign) is behind
 * MembershipListener.
 *
 * Two tasks run while the member is started:
 * - the rebalance loop waits until a rejoin is needed (at start, after REBALANCE_IN_PROGRESS,
 *   after a cooperative revocation, after a fencing) and runs one rebalance;
 * - the heartbeat loop sends a Heartbeat every heartbeatIntervalMs while the member is stable,
 *   including while an eager member waits for the application before rejoining, so a slow
 *   handler does not cost the session (as Java's heartbeat thread).
 *
 * Eager protocols (range, roundrobin): every partition is revoked (after a commit) before
 * JoinGroup. Cooperative (cooperative-sticky): the member keeps consuming through the
 * rebalance, reports what it owns in its subscription, revokes only what the new assignment
 * leaves out, and then rejoins once more so the leader can hand those partitions over.
 */
import {
  type ConsumerProtocolTopicPartitions,
  consumerProtocolSubscriptionVersionMax,
  decodeConsumerProtocolSubscription,
  ErrorCode,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  heartbeatApi,
  type JoinGroupRequestProtocol,
  type JoinGroupResponseMember,
  joinGroupApi,
  leaveGroupApi,
  type SyncGroupRequestAssignment,
  syncGroupApi,
} from '@cairn/protocol';
import type {
  AssignorMember,
  PartitionAssignor,
  RebalanceProtocol,
} from './assignors/partition-assignor.js';
import type { Cluster } from './cluster.js';
import { requestTimeoutMsDefault } from './constants.js';
import { errorFromCode, isRetriable, type KafkaClientError } from './errors.js';
import { GroupMember, type MemberAction } from './group-member.js';
import { sleep } from './retry.js';

export interface MembershipOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryBackoffMs: number;
  /** In order of preference; the coordinator picks the first name every member lists. */
  assignors: readonly PartitionAssignor[];
}

/** The consumer's side of a rebalance. */
export interface MembershipListener {
  subscribedTopics(): string[];
  /** Partitions held now, for the cooperative subscription. */
  ownedPartitions(): ConsumerProtocolTopicPartitions[];
  /** Eager protocols, before JoinGroup: commit, then give up every partition. */
  revokeAll(): Promise<void>;
  /**
   * A generation's assignment arrived. Returns true when partitions were revoked (the
   * cooperative protocol then rejoins so the leader can hand them over).
   */
  assigned(partitions: ConsumerProtocolTopicPartitions[]): Promise<boolean>;
  /** The member was fenced: its partitions are gone, uncommitted. */
  lost(error: KafkaClientError): Promise<void>;
  /** The membership cannot go on (a fatal coordinator error). */
  failed(error: unknown): void;
}

/** A JoinGroup may be held by the coordinator for the whole rebalance timeout. */
const joinRequestSlackMs = 5_000;

export class GroupMembership {
  readonly member: GroupMember;
  readonly rebalanceProtocol: RebalanceProtocol;
  private rejoinNeeded = true;
  private stopped = false;
  private wakeRebalanceLoop: (() => void) | null = null;
  private readonly heartbeatAbort = new AbortController();
  private rebalanceLoopDone: Promise<void> = Promise.resolve();
  private heartbeatLoopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: Cluster,
    private readonly options: MembershipOptions,
    private readonly listener: MembershipListener,
  ) {
    if (options.assignors.length === 0) throw new RangeError('a group consumer needs an assignor');
    this.member = new GroupMember(options.groupId, options.groupInstanceId);
    // Java's rule: cooperative only when every assignor offered supports it.
    this.rebalanceProtocol = options.assignors.every(
      (assignor) => assignor.rebalanceProtocol === 'cooperative',
    )
      ? 'cooperative'
      : 'eager';
  }

  start(): void {
    this.rebalanceLoopDone = this.rebalanceLoop();
    this.heartbeatLoopDone = this.heartbeatLoop();
  }

  /** Asks for a rebalance; the loop runs it once the current one, if any, is done. */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.wakeRebalanceLoop?.();
  }

  /**
   * Stops both loops and, when `leave` (dynamic members; a static member lets its session
   * run out so that a restart within it keeps its partitions), sends LeaveGroup so the group
   * rebalances at once. A JoinGroup still parked at the coordinator is abandoned: closing the
   * cluster ends it.
   */
  async stop(leave: boolean): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeatAbort.abort();
    this.wakeRebalanceLoop?.();
    if (leave && this.member.memberId !== '') {
      try {
        const coordinator = await this.cluster.coordinatorFor(this.options.groupId);
        await this.cluster.request(coordinator, leaveGroupApi, this.member.leaveRequest());
      } catch {
        // Leaving is a courtesy: the session timeout removes the member anyway.
      }
    }
    this.member.resetGeneration();
    await this.heartbeatLoopDone;
  }

  /** Resolves when the rebalance loop has ended (after stop() and the cluster closed). */
  get done(): Promise<void> {
    return this.rebalanceLoopDone;
  }

  /** Applies a heartbeat's or a commit's verdict. */
  async handleAction(action: MemberAction | { kind: 'ok' }): Promise<void> {
    switch (action.kind) {
      case 'ok':
      case 'retry':
        return;
      case 'rejoin':
        this.requestRejoin();
        return;
      case 'find-coordinator':
        this.cluster.invalidateCoordinator(this.options.groupId);
        return;
      case 'fenced':
        await this.listener.lost(action.error);
        this.requestRejoin();
        return;
      case 'fatal':
        this.fail(action.error);
    }
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeatAbort.abort();
    this.listener.failed(error);
  }

  private async rebalanceLoop(): Promise<void> {
    while (!this.stopped) {
      if (!this.rejoinNeeded) {
        await new Promise<void>((resolve) => {
          this.wakeRebalanceLoop = resolve;
        });
        this.wakeRebalanceLoop = null;
        continue;
      }
      this.rejoinNeeded = false;
      try {
        await this.rebalance();
      } catch (error) {
        if (this.stopped) return;
        if (!isRetriable(error)) {
          this.fail(error);
          return;
        }
        // A lost connection or a timeout: find the coordinator again and retry.
        this.cluster.invalidateCoordinator(this.options.groupId);
        this.rejoinNeeded = true;
        await sleep(this.options.retryBackoffMs);
      }
    }
  }

  /** One rebalance: join (retrying as the answers say), assign if leader, sync, apply. */
  private async rebalance(): Promise<void> {
    if (this.rebalanceProtocol === 'eager') await this.listener.revokeAll();
    const joined = await this.join();
    if (joined === null) return;
    const coordinator = await this.cluster.coordinatorFor(this.options.groupId);
    const assignments = joined.isLeader ? await this.assign(joined.members) : [];
    if (this.stopped) return;
    const response = await this.cluster.request(
      coordinator,
      syncGroupApi,
      this.member.syncRequest(assignments),
      { timeoutMs: this.options.rebalanceTimeoutMs + joinRequestSlackMs },
    );
    if (this.stopped) return;
    const outcome = this.member.onSyncResponse(response);
    if (outcome.kind !== 'assigned') {
      await this.afterFailedStep(outcome);
      return;
    }
    const revoked = await this.listener.assigned(outcome.assignment.assignedPartitions);
    if (revoked) this.requestRejoin();
  }

  /** JoinGroup until joined; null when stopped or when the step failed (already handled). */
  private async join(): Promise<{ isLeader: boolean; members: JoinGroupResponseMember[] } | null> {
    for (;;) {
      if (this.stopped) return null;
      const coordinator = await this.cluster.coordinatorFor(this.options.groupId);
      const request = this.member.joinRequest(
        this.protocols(),
        this.options.sessionTimeoutMs,
        this.options.rebalanceTimeoutMs,
      );
      const response = await this.cluster.request(coordinator, joinGroupApi, request, {
        timeoutMs: Math.max(
          requestTimeoutMsDefault,
          this.options.rebalanceTimeoutMs + joinRequestSlackMs,
        ),
      });
      if (this.stopped) return null;
      const outcome = this.member.onJoinResponse(response);
      if (outcome.kind === 'joined') return outcome;
      if (outcome.kind === 'rejoin') continue;
      await this.afterFailedStep(outcome);
      return null;
    }
  }

  private async afterFailedStep(action: MemberAction): Promise<void> {
    if (action.kind === 'fatal') throw action.error;
    if (action.kind === 'fenced') await this.listener.lost(action.error);
    if (action.kind === 'find-coordinator') {
      this.cluster.invalidateCoordinator(this.options.groupId);
    }
    if (action.kind !== 'rejoin') await sleep(this.options.retryBackoffMs);
    this.rejoinNeeded = true;
  }

  /** One protocol per assignor, each carrying this member's subscription. */
  private protocols(): JoinGroupRequestProtocol[] {
    const topics = this.listener.subscribedTopics();
    // Eager members have revoked everything by now; cooperative ones keep theirs.
    const ownedPartitions =
      this.rebalanceProtocol === 'cooperative' ? this.listener.ownedPartitions() : [];
    const generationId = this.member.generationId;
    return this.options.assignors.map((assignor) => ({
      name: assignor.name,
      metadata: encodeConsumerProtocolSubscription({
        version: consumerProtocolSubscriptionVersionMax,
        topics,
        userData: assignor.subscriptionUserData({ generationId, ownedPartitions }),
        ownedPartitions,
        generationId,
        rackId: null,
      }),
    }));
  }

  /** The leader's part: run the chosen assignor over every member's subscription. */
  private async assign(members: JoinGroupResponseMember[]): Promise<SyncGroupRequestAssignment[]> {
    const name = this.member.protocolName;
    const assignor = this.options.assignors.find((candidate) => candidate.name === name);
    if (assignor === undefined) {
      throw errorFromCode(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, {
        message: `the coordinator chose assignor ${name}, which this member did not offer`,
      });
    }
    const assignorMembers: AssignorMember[] = members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      subscription: decodeConsumerProtocolSubscription(member.metadata),
    }));
    const topics = [...new Set(assignorMembers.flatMap((member) => member.subscription.topics))];
    const partitionsPerTopic = await this.partitionCounts(topics);
    const assignment = assignor.assign(assignorMembers, partitionsPerTopic);
    return [...assignment].map(([memberId, assignedPartitions]) => ({
      memberId,
      assignment: encodeConsumerProtocolAssignment({
        version: 0,
        assignedPartitions,
        userData: null,
      }),
    }));
  }

  private async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const metadata = await this.cluster.refreshMetadata(topics);
    for (const topic of topics) {
      const entry = metadata.topics.get(topic);
      if (entry !== undefined && entry.errorCode === 0 && entry.partitions.length > 0) {
        counts.set(topic, entry.partitions.length);
      }
    }
    return counts;
  }

  private async heartbeatLoop(): Promise<void> {
    const signal = this.heartbeatAbort.signal;
    while (!signal.aborted) {
      try {
        await sleep(this.options.heartbeatIntervalMs, signal);
      } catch {
        return; // stopped
      }
      if (!this.member.isStable) continue;
      await this.heartbeat();
    }
  }

  private async heartbeat(): Promise<void> {
    const generationId = this.member.generationId;
    try {
      const coordinator = await this.cluster.coordinatorFor(this.options.groupId);
      const response = await this.cluster.request(
        coordinator,
        heartbeatApi,
        this.member.heartbeatRequest(),
      );
      if (this.stopped || !this.member.isStable) return;
      await this.handleAction(this.member.onHeartbeat(response.errorCode, generationId));
    } catch (error) {
      if (this.stopped) return;
      if (isRetriable(error)) this.cluster.invalidateCoordinator(this.options.groupId);
      else this.fail(error);
    }
  }
}
