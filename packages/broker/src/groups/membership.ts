/**
 * The classic group membership protocol, as Kafka's GroupCoordinator runs it: JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup on a group the coordinator has looked up, the rebalance
 * that moves a group to its next generation, and the timers that bound it:
 *
 *   initial delay     an Empty group's first rebalance waits initialRebalanceDelayMs for more
 *                     members, again for each new one, up to the rebalance timeout.
 *   rebalance timeout PreparingRebalance ends when every member has rejoined or after the
 *                     longest member rebalanceTimeoutMs; dynamic members that did not rejoin
 *                     are removed.
 *   pending sync      after the join, members that send no SyncGroup within the rebalance
 *                     timeout are removed and the group rebalances again.
 *   session timeout   a member that neither heartbeats nor waits in a JoinGroup or SyncGroup
 *                     for sessionTimeoutMs is removed and the group rebalances.
 *   pending member    an id handed out with MEMBER_ID_REQUIRED lapses after the session
 *                     timeout if the member does not rejoin with it.
 *
 * Everything here runs synchronously to completion: a parked JoinGroup or SyncGroup is a
 * callback that resolves the request's promise, so no state changes between a check and the
 * change it guards. Group metadata (members, generation, assignment) is kept in memory only;
 * after a restart members find themselves unknown and rejoin.
 */
import { assert, ErrorCode } from '@cairn/protocol';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type {
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupMemberResult,
  MemberIdentity,
  SyncGroupParams,
} from './coordinator-api.js';
import { type Group, joinError, syncError } from './group.js';
import type { GroupConfig } from './group-config.js';
import { emptyBytes, GroupMember, type JoinCallback, type SyncCallback } from './group-member.js';

export class GroupMembership {
  constructor(
    private readonly config: GroupConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * JoinGroup on a live group, after the coordinator checked its status and the session
   * timeout. `respond` is called once: at once, or when the rebalance completes.
   */
  join(group: Group, params: JoinGroupParams, respond: JoinCallback): void {
    if (!this.acceptJoiningMember(group, params.memberId)) {
      if (params.memberId !== '') this.removeMember(group, params.memberId);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (params.memberId === '') {
      this.joinNewMember(group, params, respond);
    } else {
      this.joinCurrentMember(group, params, respond);
    }
    this.maybeCompleteJoin(group);
  }

  /**
   * Whether the group has room for the joining member: while preparing a rebalance, members
   * already waiting plus new ones up to membersMax (so an over-full group sheds the last
   * members to rejoin); otherwise existing members plus new ones up to membersMax.
   */
  private acceptJoiningMember(group: Group, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (
          (group.has(memberId) && group.get(memberId).isAwaitingJoin) ||
          group.awaitingJoinMemberCount < this.config.membersMax
        );
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < this.config.membersMax;
    }
  }

  private joinNewMember(group: Group, params: JoinGroupParams, respond: JoinCallback): void {
    if (!group.supportsProtocols(params.protocolType, params.protocols)) {
      respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = group.generateMemberId(params.clientId, params.groupInstanceId);
    if (params.groupInstanceId !== null) {
      const oldMemberId = group.currentStaticMemberId(params.groupInstanceId);
      if (oldMemberId === undefined) {
        this.addMemberAndRebalance(group, newMemberId, params, respond);
      } else {
        this.replaceStaticMember(group, oldMemberId, newMemberId, params, respond);
      }
    } else if (params.requireKnownMemberId) {
      // The member must prove it got its id: it rejoins with it, or the id lapses.
      if (group.pendingMemberCount >= this.config.membersMax) {
        respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      const expiration = this.clock.schedule(params.sessionTimeoutMs, () =>
        this.onExpirePendingMember(group, newMemberId),
      );
      group.addPendingMember(newMemberId, expiration);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, params, respond);
    }
  }

  private joinCurrentMember(group: Group, params: JoinGroupParams, respond: JoinCallback): void {
    const { memberId } = params;
    if (!group.supportsProtocols(params.protocolType, params.protocols)) {
      respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.isPendingMember(memberId)) {
      // Pending ids are handed to dynamic members only; a static one cannot hold one.
      if (params.groupInstanceId !== null) {
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      } else {
        this.addMemberAndRebalance(group, memberId, params, respond);
      }
      return;
    }
    const errorCode = validateCurrentMember(group, memberId, params.groupInstanceId);
    if (errorCode !== ErrorCode.NONE) {
      respond(joinError(memberId, errorCode));
      return;
    }
    const member = group.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, params, respond);
        return;
      case 'CompletingRebalance':
        // The same metadata again: the member missed the JoinGroup answer; send it again.
        if (member.matches(params.protocols)) respond(currentGeneration(group, member));
        else this.updateMemberAndRebalance(group, member, params, respond);
        return;
      case 'Stable':
        // A leader's rejoin rebalances: it may have seen a change the metadata does not show
        // (new partitions of a subscribed topic).
        if (group.isLeader(memberId) || !member.matches(params.protocols)) {
          this.updateMemberAndRebalance(group, member, params, respond);
        } else {
          respond(currentGeneration(group, member));
        }
        return;
      case 'Empty':
      case 'Dead':
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  private addMemberAndRebalance(
    group: Group,
    memberId: string,
    params: JoinGroupParams,
    respond: JoinCallback,
  ): void {
    const member = new GroupMember({ ...params, memberId });
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    // A new member has no id to heartbeat with until it is answered; this bounds its wait.
    this.scheduleHeartbeatExpiration(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  /**
   * A static member rejoined without its member id (a restarted process): it takes a new id
   * and keeps its place. A Stable group whose protocol would not change does not rebalance;
   * the member is told the current generation with the old leader id, so a rejoining leader
   * does not compute an assignment nobody would receive.
   */
  private replaceStaticMember(
    group: Group,
    oldMemberId: string,
    newMemberId: string,
    params: JoinGroupParams,
    respond: JoinCallback,
  ): void {
    assert(params.groupInstanceId !== null, 'a static member has a groupInstanceId');
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(params.groupInstanceId, oldMemberId, newMemberId);
    group.updateMember(
      member,
      params.protocols,
      params.rebalanceTimeoutMs,
      params.sessionTimeoutMs,
      respond,
    );
    this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    switch (group.state) {
      case 'Stable':
        if (group.selectProtocol() === group.protocolName) {
          group.maybeInvokeJoinCallback(member, {
            ...currentGeneration(group, member),
            leader: currentLeader,
            members: [],
          });
        } else {
          this.maybePrepareRebalance(group, `static member ${newMemberId} changed protocols`);
        }
        return;
      case 'CompletingRebalance':
        // The leader may be assigning to the old id; the new one must get an assignment.
        this.prepareRebalance(group, `static member ${newMemberId} rejoined`);
        return;
      case 'PreparingRebalance':
        return;
      case 'Empty':
      case 'Dead':
        assert(false, `group ${group.groupId} has a static member in state ${group.state}`);
    }
  }

  private updateMemberAndRebalance(
    group: Group,
    member: GroupMember,
    params: JoinGroupParams,
    respond: JoinCallback,
  ): void {
    group.updateMember(
      member,
      params.protocols,
      params.rebalanceTimeoutMs,
      params.sessionTimeoutMs,
      respond,
    );
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  /** SyncGroup on a live group: the leader's assignment completes the rebalance. */
  sync(group: Group, params: SyncGroupParams, respond: SyncCallback): void {
    const errorCode = validateSyncGroup(group, params);
    if (errorCode !== ErrorCode.NONE) {
      respond(syncError(errorCode));
      return;
    }
    const member = group.get(params.memberId);
    switch (group.state) {
      case 'Empty':
        respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      case 'PreparingRebalance':
        respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      case 'CompletingRebalance':
        // A second SyncGroup from the member supersedes the first, which is answered now.
        group.maybeInvokeSyncCallback(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.removePendingSyncMember(group, member.memberId);
        if (group.isLeader(member.memberId)) this.completeRebalance(group, params);
        return;
      case 'Stable':
        this.removePendingSyncMember(group, member.memberId);
        respond({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
        this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
        return;
      case 'Dead':
        assert(false, `SyncGroup reached dead group ${group.groupId}`);
    }
  }

  /** The leader's assignment: every member gets its own (empty if the leader gave none). */
  private completeRebalance(group: Group, params: SyncGroupParams): void {
    const assignments = new Map<string, Buffer>();
    for (const { memberId, assignment } of params.assignments) {
      assignments.set(memberId, assignment);
    }
    for (const member of group.allMembers()) {
      member.assignment = assignments.get(member.memberId) ?? emptyBytes;
    }
    this.logger.info(
      { groupId: group.groupId, generationId: group.generationId, members: group.size },
      'group assignment received from the leader',
    );
    this.propagateAssignment(group, ErrorCode.NONE);
    group.transitionTo('Stable');
  }

  /** Heartbeat on a live group; returns the error code to answer with. */
  heartbeat(group: Group, params: HeartbeatParams): number {
    const errorCode = validateCurrentMember(group, params.memberId, params.groupInstanceId);
    if (errorCode !== ErrorCode.NONE) return errorCode;
    if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.touchMember(group, params.memberId);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.touchMember(group, params.memberId);
        return ErrorCode.NONE;
    }
  }

  /** Restarts a member's session timeout (a heartbeat, or an offset commit of a member). */
  touchMember(group: Group, memberId: string): void {
    const member = group.get(memberId);
    this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
  }

  /**
   * LeaveGroup for each of `members`. A memberId of '' with a groupInstanceId removes that
   * static member whatever its id (an administrator's removal).
   */
  leave(group: Group, members: readonly MemberIdentity[]): LeaveGroupMemberResult[] {
    return members.map((identity) => ({ ...identity, errorCode: this.leaveOne(group, identity) }));
  }

  private leaveOne(group: Group, { memberId, groupInstanceId }: MemberIdentity): number {
    if (memberId === '') {
      const currentMemberId =
        groupInstanceId === null ? undefined : group.currentStaticMemberId(groupInstanceId);
      if (currentMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMember(group, currentMemberId);
      return ErrorCode.NONE;
    }
    if (group.isPendingMember(memberId)) {
      group.remove(memberId);
      this.maybeCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const errorCode = validateCurrentMember(group, memberId, groupInstanceId);
    if (errorCode !== ErrorCode.NONE) return errorCode;
    this.removeMember(group, memberId);
    return ErrorCode.NONE;
  }

  /**
   * Ends a group's life (the coordinator closes): every parked request is answered
   * NOT_COORDINATOR, so clients look for the coordinator again, and every timer is cancelled.
   */
  shutdown(group: Group): void {
    group.joinTimer?.cancel();
    group.syncTimer?.cancel();
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.NOT_COORDINATOR));
      member.heartbeatTimer?.cancel();
    }
    group.cancelPendingMembers();
    group.transitionTo('Dead');
  }

  /** Removes a member (its parked requests are answered) and rebalances what remains. */
  private removeMember(group: Group, memberId: string): void {
    group.remove(memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, `member ${memberId} left`);
        return;
      case 'PreparingRebalance':
        this.maybeCompleteJoin(group);
        return;
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  /**
   * Starts a rebalance: members parked in SyncGroup are told to rejoin, and the join waits
   * for the initial delay (an Empty group) or until all members rejoin or the timeout passes.
   */
  private prepareRebalance(group: Group, reason: string): void {
    if (group.is('CompletingRebalance')) {
      for (const member of group.allMembers()) member.assignment = emptyBytes;
      this.propagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS);
    }
    this.cancelPendingSync(group);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    this.logger.info(
      { groupId: group.groupId, generationId: group.generationId, reason },
      'preparing to rebalance group',
    );
    if (wasEmpty) {
      const delayMs = this.config.initialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0));
    } else {
      this.scheduleJoin(group, group.rebalanceTimeoutMs);
    }
  }

  /** Kafka's InitialDelayedJoin: it never completes early, only when its delay passes. */
  private scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer?.cancel();
    group.joinTimerIsInitialDelay = true;
    group.joinTimer = this.clock.schedule(delayMs, () => {
      group.joinTimer = null;
      if (!group.is('PreparingRebalance')) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, nextDelayMs, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group);
      }
    });
  }

  /** Kafka's DelayedJoin: completes when every member has rejoined, or after `timeoutMs`. */
  private scheduleJoin(group: Group, timeoutMs: number): void {
    group.joinTimer?.cancel();
    group.joinTimerIsInitialDelay = false;
    group.joinTimer = this.clock.schedule(timeoutMs, () => {
      group.joinTimer = null;
      if (group.is('PreparingRebalance')) this.completeJoin(group);
    });
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: Group): void {
    if (!group.is('PreparingRebalance') || group.joinTimerIsInitialDelay) return;
    if (!group.hasAllMembersJoined) return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    this.completeJoin(group);
  }

  /**
   * Ends PreparingRebalance: dynamic members that did not rejoin are removed (static ones
   * keep their place until their session times out), the next generation begins, and every
   * parked JoinGroup is answered, the leader's with all members' metadata.
   */
  private completeJoin(group: Group): void {
    for (const member of group.notYetRejoinedMembers()) {
      if (!member.isStatic) group.remove(member.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members remain and none rejoined: wait for them once more.
      this.logger.warn({ groupId: group.groupId }, 'no member rejoined the group in time');
      this.scheduleJoin(group, group.rebalanceTimeoutMs);
      return;
    }
    group.initNextGeneration();
    this.logger.info(
      { groupId: group.groupId, generationId: group.generationId, members: group.size },
      group.is('Empty') ? 'group is now empty' : 'group completed its join',
    );
    if (group.is('Empty')) return;
    const leaderMembers = group.currentMemberMetadata();
    for (const member of group.allMembers()) {
      const isLeader = group.isLeader(member.memberId);
      group.maybeInvokeJoinCallback(member, {
        ...currentGeneration(group, member),
        members: isLeader ? leaderMembers : [],
      });
      this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Answers every parked SyncGroup with the member's assignment (or the error). */
  private propagateAssignment(group: Group, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.allMembers()) {
      const answered = group.maybeInvokeSyncCallback(member, {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // Its session restarts now: it could not heartbeat while its SyncGroup was parked.
      if (answered) this.scheduleHeartbeatExpiration(group, member, member.sessionTimeoutMs);
    }
  }

  private schedulePendingSync(group: Group): void {
    group.syncTimer?.cancel();
    const generationId = group.generationId;
    group.syncTimer = this.clock.schedule(group.rebalanceTimeoutMs, () => {
      group.syncTimer = null;
      this.onExpirePendingSync(group, generationId);
    });
  }

  private removePendingSyncMember(group: Group, memberId: string): void {
    group.removePendingSyncMember(memberId);
    if (group.hasReceivedSyncFromAllMembers) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  private cancelPendingSync(group: Group): void {
    group.clearPendingSyncMembers();
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  private onExpirePendingSync(group: Group, generationId: number): void {
    if (generationId !== group.generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.hasReceivedSyncFromAllMembers) return;
    const missing = group.allPendingSyncMembers();
    for (const memberId of missing) group.remove(memberId);
    this.prepareRebalance(group, `members ${missing.join(', ')} sent no SyncGroup in time`);
  }

  /** Restarts a member's session timer: when it fires the member is removed, unless parked. */
  private scheduleHeartbeatExpiration(group: Group, member: GroupMember, timeoutMs: number) {
    member.heartbeatTimer?.cancel();
    member.heartbeatTimer = this.clock.schedule(timeoutMs, () => {
      member.heartbeatTimer = null;
      if (group.is('Dead') || !group.has(member.memberId)) return;
      if (group.get(member.memberId) !== member || member.survivesHeartbeatExpiration) return;
      this.logger.info(
        { groupId: group.groupId, memberId: member.memberId },
        'member session expired, removing it from the group',
      );
      this.removeMember(group, member.memberId);
    });
  }

  private onExpirePendingMember(group: Group, memberId: string): void {
    if (group.is('Dead') || !group.isPendingMember(memberId)) return;
    group.remove(memberId);
    this.maybeCompleteJoin(group);
  }
}

/**
 * Checks that the member is known, and that a static member uses its current id: another id
 * for the same groupInstanceId is an old process, fenced off.
 */
export function validateCurrentMember(
  group: Group,
  memberId: string,
  groupInstanceId: string | null,
): number {
  if (groupInstanceId !== null) {
    const currentMemberId = group.currentStaticMemberId(groupInstanceId);
    if (currentMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (currentMemberId !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

function validateSyncGroup(group: Group, params: SyncGroupParams): number {
  const errorCode = validateCurrentMember(group, params.memberId, params.groupInstanceId);
  if (errorCode !== ErrorCode.NONE) return errorCode;
  if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (params.protocolType !== null && params.protocolType !== group.protocolType) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  if (params.protocolName !== null && params.protocolName !== group.protocolName) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  return ErrorCode.NONE;
}

/** The JoinGroup answer for the current generation; the leader also gets the members. */
function currentGeneration(group: Group, member: GroupMember): JoinGroupResult {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    memberId: member.memberId,
    members: group.isLeader(member.memberId) ? group.currentMemberMetadata() : [],
  };
}
