/**
 * A classic group (Kafka's GroupMetadata): its state, generation, chosen protocol, leader,
 * members (static ones also by groupInstanceId), the members still to confirm their id
 * (pending) or to send SyncGroup (pending sync), and its committed offsets.
 *
 * The group only keeps its own invariants; the coordinator decides when things happen. It is
 * used from one thread: every method runs to completion, so no change interleaves with another.
 */
import { randomUUID } from 'node:crypto';
import { assert, ErrorCode } from '@cairn/protocol';
import type { Clock, Timer } from './clock.js';
import type {
  DescribedMember,
  GroupDescription,
  GroupListing,
  GroupProtocol,
  JoinGroupMember,
  JoinGroupResult,
  SyncGroupResult,
} from './coordinator-api.js';
import { emptyBytes, type GroupMember, type JoinCallback } from './group-member.js';
import { GroupOffsets } from './group-offsets.js';
import { type GroupState, isValidTransition } from './group-state.js';

export class Group {
  private currentState: GroupState = 'Empty';
  /** When the group entered its current state (ms since the epoch). */
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Set when a member joins the first rebalance: the initial delay is extended once more. */
  newMemberAdded = false;
  /** The rebalance (or initial delay) timer while PreparingRebalance. */
  joinTimer: Timer | null = null;
  /** The initial delay never completes early, even when every member has joined. */
  joinTimerIsInitialDelay = false;
  /** Bounds the wait for every member's SyncGroup while CompletingRebalance or Stable. */
  syncTimer: Timer | null = null;
  readonly offsets = new GroupOffsets();

  /** In join order: the first is the leader when a leader must be chosen. */
  private readonly members = new Map<string, GroupMember>();
  /** groupInstanceId -> memberId. */
  private readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with its expiration. */
  private readonly pendingMembers = new Map<string, Timer>();
  private readonly pendingSyncMembers = new Set<string>();
  /** How many members support each protocol name. */
  private readonly supportedProtocols = new Map<string, number>();
  private awaitingJoinCount = 0;

  constructor(
    readonly groupId: string,
    private readonly clock: Clock,
  ) {
    this.stateTimestamp = clock.now();
  }

  get state(): GroupState {
    return this.currentState;
  }

  is(state: GroupState): boolean {
    return this.currentState === state;
  }

  get size(): number {
    return this.members.size;
  }

  get pendingMemberCount(): number {
    return this.pendingMembers.size;
  }

  get awaitingJoinMemberCount(): number {
    return this.awaitingJoinCount;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): GroupMember {
    const member = this.members.get(memberId);
    assert(member !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  allMembers(): GroupMember[] {
    return [...this.members.values()];
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  currentStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  transitionTo(state: GroupState): void {
    assert(
      isValidTransition(this.state, state),
      `group ${this.groupId}: no transition from ${this.state} to ${state}`,
    );
    this.currentState = state;
    this.stateTimestamp = this.clock.now();
  }

  /** PreparingRebalance may be entered from here. */
  get canRebalance(): boolean {
    return isValidTransition(this.state, 'PreparingRebalance');
  }

  /** `clientId-uuid` for a dynamic member, `groupInstanceId-uuid` for a static one. */
  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  /** Adds a member, parked in JoinGroup when `callback` is given. */
  add(member: GroupMember, callback: JoinCallback | null): void {
    if (member.groupInstanceId !== null) {
      assert(
        !this.staticMembers.has(member.groupInstanceId),
        `group ${this.groupId} already has static member ${member.groupInstanceId}`,
      );
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(this.protocolType === member.protocolType, 'a member of another protocol type');
    assert(
      this.supportsProtocols(member.protocolType, member.protocols),
      `member ${member.memberId} shares no protocol with group ${this.groupId}`,
    );
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = callback;
    if (callback !== null) this.awaitingJoinCount += 1;
    this.removePendingMember(member.memberId);
  }

  /**
   * Removes a member (or a pending member id); the leader passes to the next member. A
   * request the member still has parked is answered UNKNOWN_MEMBER_ID, so that no request is
   * left waiting for a member that no longer exists.
   */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.maybeInvokeJoinCallback(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
      this.maybeInvokeSyncCallback(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      this.members.delete(memberId);
      this.countProtocols(member, -1);
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
      member.heartbeatTimer?.cancel();
      member.heartbeatTimer = null;
    }
    if (this.isLeader(memberId)) {
      this.leaderId = this.members.keys().next().value ?? null;
    }
    this.removePendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /**
   * Keeps the leader if it rejoined, or makes the first member that rejoined the leader.
   * False when the group has no leader or nobody rejoined.
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.get(this.leaderId).isAwaitingJoin) return true;
    const joined = this.allMembers().find((member) => member.isAwaitingJoin);
    if (joined === undefined) return false;
    this.leaderId = joined.memberId;
    return true;
  }

  /**
   * A static member rejoined without its member id: it keeps everything but takes
   * `newMemberId`. A request still parked under the old id is answered FENCED_INSTANCE_ID.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string) {
    const member = this.get(oldMemberId);
    this.members.delete(oldMemberId);
    this.maybeInvokeJoinCallback(member, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.maybeInvokeSyncCallback(member, syncError(ErrorCode.FENCED_INSTANCE_ID));
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  addPendingMember(memberId: string, expiration: Timer): void {
    assert(!this.has(memberId), `pending member ${memberId} is already a member`);
    this.pendingMembers.set(memberId, expiration);
  }

  private removePendingMember(memberId: string): void {
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
  }

  /** Cancels every pending member's expiration and forgets the pending ids. */
  cancelPendingMembers(): void {
    for (const expiration of this.pendingMembers.values()) expiration.cancel();
    this.pendingMembers.clear();
  }

  addPendingSyncMember(memberId: string): void {
    assert(this.has(memberId), `pending sync for ${memberId}, not a member`);
    this.pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.delete(memberId);
  }

  get hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  allPendingSyncMembers(): string[] {
    return [...this.pendingSyncMembers];
  }

  clearPendingSyncMembers(): void {
    this.pendingSyncMembers.clear();
  }

  /** Members that have not rejoined the rebalance under way. */
  notYetRejoinedMembers(): GroupMember[] {
    return this.allMembers().filter((member) => !member.isAwaitingJoin);
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout of any member: how long a rebalance may wait. */
  get rebalanceTimeoutMs(): number {
    let timeoutMs = 0;
    for (const member of this.members.values()) {
      timeoutMs = Math.max(timeoutMs, member.rebalanceTimeoutMs);
    }
    return timeoutMs;
  }

  /**
   * Whether a member of `protocolType` with `protocols` may join: an empty group takes any
   * non-empty type and list; otherwise the type must match and one protocol must be supported
   * by every member.
   */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    return (
      this.protocolType === protocolType &&
      protocols.some((p) => this.supportedProtocols.get(p.name) === this.members.size)
    );
  }

  /**
   * The protocol for the next generation: among those every member supports, each member
   * votes for the one it lists first and the most votes win (ties go to the first voted).
   */
  selectProtocol(): string {
    assert(this.members.size > 0, `cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) {
      if (count === this.members.size) candidates.add(name);
    }
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const name = member.vote(candidates);
      votes.set(name, (votes.get(name) ?? 0) + 1);
    }
    let selected = '';
    let selectedVotes = 0;
    for (const [name, count] of votes) {
      if (count > selectedVotes) {
        selected = name;
        selectedVotes = count;
      }
    }
    return selected;
  }

  /**
   * New protocols and timeouts for a member, and its JoinGroup parked. A JoinGroup it had
   * parked already is superseded and answered REBALANCE_IN_PROGRESS (the client rejoins).
   */
  updateMember(
    member: GroupMember,
    protocols: readonly GroupProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: JoinCallback,
  ): void {
    this.maybeInvokeJoinCallback(
      member,
      joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS),
    );
    this.countProtocols(member, -1);
    member.protocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    member.awaitingJoin = callback;
    this.awaitingJoinCount += 1;
  }

  /** Answers the member's parked JoinGroup, if any. */
  maybeInvokeJoinCallback(member: GroupMember, result: JoinGroupResult): void {
    const callback = member.awaitingJoin;
    if (callback === null) return;
    member.awaitingJoin = null;
    this.awaitingJoinCount -= 1;
    callback(result);
  }

  /** Answers the member's parked SyncGroup, if any; true if there was one. */
  maybeInvokeSyncCallback(member: GroupMember, result: SyncGroupResult): boolean {
    const callback = member.awaitingSync;
    if (callback === null) return false;
    member.awaitingSync = null;
    callback(result);
    return true;
  }

  /** Moves to the next generation: CompletingRebalance with a protocol, or Empty. */
  initNextGeneration(): void {
    this.generationId += 1;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.transitionTo('Empty');
    }
    this.clearPendingSyncMembers();
  }

  /** Every member's metadata for the chosen protocol: what the leader assigns from. */
  currentMemberMetadata(): JoinGroupMember[] {
    const protocolName = this.protocolName;
    assert(
      protocolName !== null && (this.is('CompletingRebalance') || this.is('Stable')),
      `group ${this.groupId} has no member metadata in state ${this.state}`,
    );
    return this.allMembers().map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(protocolName),
    }));
  }

  /** DescribeGroups: metadata and assignments only once Stable, as Kafka's summary. */
  describe(): GroupDescription {
    const protocolName = this.is('Stable') ? this.protocolName : null;
    const members = this.allMembers().map(
      (member): DescribedMember => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        memberMetadata: protocolName === null ? emptyBytes : member.metadata(protocolName),
        memberAssignment: protocolName === null ? emptyBytes : member.assignment,
      }),
    );
    return {
      errorCode: ErrorCode.NONE,
      groupId: this.groupId,
      groupState: this.state,
      protocolType: this.protocolType ?? '',
      protocolData: protocolName ?? '',
      members,
    };
  }

  overview(): GroupListing {
    return { groupId: this.groupId, protocolType: this.protocolType ?? '', groupState: this.state };
  }

  /** Nothing would be lost by forgetting the group: Empty, no offsets, nothing pending. */
  get isDisposable(): boolean {
    return (
      this.is('Empty') &&
      this.offsets.isEmpty &&
      !this.offsets.hasWritesInFlight &&
      this.pendingMembers.size === 0
    );
  }

  /** Counts each protocol name once per member, even if the member lists it twice. */
  private countProtocols(member: GroupMember, delta: 1 | -1): void {
    for (const name of new Set(member.protocols.map((protocol) => protocol.name))) {
      const count = (this.supportedProtocols.get(name) ?? 0) + delta;
      if (count === 0) this.supportedProtocols.delete(name);
      else this.supportedProtocols.set(name, count);
    }
  }
}

/** A JoinGroup answer that carries only an error (and the member id to report). */
export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: emptyBytes };
}
