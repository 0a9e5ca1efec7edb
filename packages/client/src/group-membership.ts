/**
 * Runs a consumer's group membership against the coordinator (Kafka's ConsumerCoordinator):
 * the rebalance (FindCoordinator, JoinGroup, the leader's assignment, SyncGroup), heartbeats
 * in the background, and LeaveGroup on close. The decisions on each answer are GroupMember's
 * (group-member.ts); the consumer's side of a rebalance (commit, revoke, assign) is behind
 * MembershipListener.
 *
 * Three tasks run while the member is started:
 * - the rebalance loop waits until a rejoin is needed (at start, after REBALANCE_IN_PROGRESS,
 *   after a cooperative revocation, after a fencing, after a partition count changed) and runs
 *   one rebalance;
 * - the heartbeat loop sends a Heartbeat every heartbeatIntervalMs while the member is stable,
 *   including while an eager member waits for the application before rejoining, so a slow
 *   handler does not cost the session (as Java's heartbeat thread);
 * - the metadata loop asks every metadataMaxAgeMs whether a topic's partition count differs
 *   from what the last assignment was made with (partition-count-watch.ts), and if so asks for
 *   a rejoin so the new partitions get an owner.
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
import { PartitionCountWatch, partitionCounts } from './partition-count-watch.js';
import { sleep } from './retry.js';

export interface MembershipOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryBackoffMs: number;
  /** metadata.max.age.ms: how often partition counts are checked against the assignment's. */
  metadataMaxAgeMs: number;
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
  /** Stops the heartbeat and metadata loops. */
  private readonly backgroundAbort = new AbortController();
  private rebalanceLoopDone: Promise<void> = Promise.resolve();
  private heartbeatLoopDone: Promise<void> = Promise.resolve();
  private readonly watch: PartitionCountWatch;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: MembershipOptions,
    private readonly listener: MembershipListener,
  ) {
    if (options.assignors.length === 0) throw new RangeError('a group consumer needs an assignor');
    this.member = new GroupMember(options.groupId, options.groupInstanceId);
    this.watch = new PartitionCountWatch(cluster);
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
    void this.metadataLoop();
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
    this.backgroundAbort.abort();
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
    // The metadata loop is not waited for: a Metadata request in flight may retry for long,
    // and closing the cluster ends it.
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
    this.backgroundAbort.abort();
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
    this.watch.clear();
    if (this.rebalanceProtocol === 'eager') await this.listener.revokeAll();
    const joined = await this.join();
    if (joined === null) return;
    const coordinator = await this.cluster.coordinatorFor(this.options.groupId);
    const leaderAssignment = joined.isLeader ? await this.assign(joined.members) : null;
    if (this.stopped) return;
    const response = await this.cluster.request(
      coordinator,
      syncGroupApi,
      this.member.syncRequest(leaderAssignment?.assignments ?? []),
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
    else await this.recordPartitionCounts(leaderAssignment);
  }

  /**
   * The snapshot the metadata loop compares with: the leader's are the counts it assigned
   * with; another member reads its own topics' counts now. Not needed when another rebalance
   * follows at once, and left unset when Metadata fails (the next rebalance sets it).
   */
  private async recordPartitionCounts(
    leaderAssignment: { topics: string[]; counts: Map<string, number> } | null,
  ): Promise<void> {
    if (this.rejoinNeeded || this.stopped) return;
    if (leaderAssignment !== null) {
      this.watch.record(leaderAssignment.topics, leaderAssignment.counts);
      return;
    }
    const topics = this.listener.subscribedTopics();
    try {
      const counts = await partitionCounts(this.cluster, topics);
      if (!this.rejoinNeeded && this.member.isStable) this.watch.record(topics, counts);
    } catch {
      // Without a snapshot this member does not watch; the leader still does.
    }
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

  /**
   * The leader's part: run the chosen assignor over every member's subscription. Also returns
   * the topics and partition counts it assigned with, for the watch.
   */
  private async assign(members: JoinGroupResponseMember[]): Promise<{
    assignments: SyncGroupRequestAssignment[];
    topics: string[];
    counts: Map<string, number>;
  }> {
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
    const counts = await partitionCounts(this.cluster, topics);
    const assignment = assignor.assign(assignorMembers, counts);
    const assignments = [...assignment].map(([memberId, assignedPartitions]) => ({
      memberId,
      assignment: encodeConsumerProtocolAssignment({
        version: 0,
        assignedPartitions,
        userData: null,
      }),
    }));
    return { assignments, topics, counts };
  }

  private async heartbeatLoop(): Promise<void> {
    const signal = this.backgroundAbort.signal;
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

  private async metadataLoop(): Promise<void> {
    const signal = this.backgroundAbort.signal;
    while (!signal.aborted) {
      try {
        await sleep(this.options.metadataMaxAgeMs, signal);
      } catch {
        return; // stopped
      }
      if (!this.member.isStable || this.rejoinNeeded) continue;
      try {
        if ((await this.watch.changed()) && !this.stopped) this.requestRejoin();
      } catch {
        // Metadata failed (its own retries spent): the next round asks again.
      }
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
