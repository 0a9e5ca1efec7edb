/**
 * The group coordinator of this broker (Kafka's GroupCoordinator and GroupMetadataManager):
 * it holds every group, runs the membership protocol on them (membership.ts), and keeps the
 * committed offsets, written to __consumer_offsets before they are acknowledged and replayed
 * from it by load().
 *
 * Lifecycle: construct, `await load()`, serve, `await close()`. Until load() completes every
 * request is answered COORDINATOR_LOAD_IN_PROGRESS (SyncGroup: REBALANCE_IN_PROGRESS, and a
 * Heartbeat: NONE, as Kafka does); after close(), COORDINATOR_NOT_AVAILABLE.
 *
 * Offsets expire (offsets.retention.minutes): every offsetsRetentionCheckIntervalMs the
 * coordinator tombstones the offsets of empty groups that have been empty for
 * offsetsRetentionMs (expireOffsets), so compaction drops them, and forgets such a group.
 *
 * Concurrency: methods run on the event loop. Every check and the change it guards happen in
 * one synchronous step; the only awaits are the writes to __consumer_offsets, after which
 * committed offsets are applied in log order (a later record never loses to an earlier one).
 */
import { assert, ErrorCode, isAssertionError, isKafkaError } from '@cairn/protocol';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock, type Timer } from './clock.js';
import type {
  DeleteGroupResult,
  GroupDescription,
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  ListGroupsResult,
  MemberIdentity,
  OffsetCommitParams,
  OffsetFetchResult,
  PartitionCommit,
  PartitionOffset,
  PartitionResult,
  SyncGroupParams,
  SyncGroupResult,
  TopicPartition,
} from './coordinator-api.js';
import { Group, joinError, syncError } from './group.js';
import { type GroupConfig, groupConfig } from './group-config.js';
import { GroupMembership, validateCurrentMember } from './membership.js';
import { type OffsetLog, type OffsetRecord, OffsetsTopic } from './offsets-topic.js';

export interface GroupCoordinatorOptions {
  /** Partition 0 of __consumer_offsets. */
  readonly log: OffsetLog;
  readonly config?: Partial<GroupConfig>;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

type CoordinatorState = 'loading' | 'active' | 'closed';

/** APIs for which Kafka accepts the empty group id (offsets of '' and admin views). */
type GroupIdUse = 'membership' | 'offsets-or-admin';

export class GroupCoordinator {
  readonly config: GroupConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly offsetsTopic: OffsetsTopic;
  private readonly membership: GroupMembership;
  private readonly groups = new Map<string, Group>();
  private readonly inflightWrites = new Set<Promise<unknown>>();
  private state: CoordinatorState = 'loading';
  private expiryTimer: Timer | null = null;
  /** Set while expireOffsets runs, so a slow one is not overlapped by the next. */
  private expiring = false;

  constructor(options: GroupCoordinatorOptions) {
    this.config = groupConfig(options.config);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'groups' });
    this.offsetsTopic = new OffsetsTopic(options.log, () => this.clock.now());
    this.membership = new GroupMembership(this.config, this.clock, this.logger);
  }

  /**
   * Replays __consumer_offsets to rebuild the committed offsets, then starts serving. Each
   * group with offsets comes back Empty (members rejoin); all are loaded, even past
   * groupsMax (which bounds the creation of groups). Records that do not decode are logged
   * and passed over. Called once; rejects if the log cannot be read, and the coordinator
   * stays loading.
   */
  async load(): Promise<void> {
    assert(this.state === 'loading', `load() on a group coordinator that is ${this.state}`);
    const startedAt = performance.now();
    let recordCount = 0;
    let skippedCount = 0;
    await this.offsetsTopic.replay({
      record: (key, value, recordOffset) => {
        recordCount += 1;
        let group = this.groups.get(key.group);
        if (group === undefined) {
          group = new Group(key.group, this.clock);
          this.groups.set(key.group, group);
        }
        if (value === null) group.offsets.remove(key.topic, key.partition);
        else group.offsets.apply(key.topic, key.partition, { ...value, recordOffset });
      },
      skipped: (offset, error) => {
        skippedCount += 1;
        this.logger.warn(
          { offset, err: error },
          'skipped an undecodable __consumer_offsets record',
        );
      },
    });
    for (const [groupId, group] of this.groups) {
      if (group.offsets.isEmpty) this.groups.delete(groupId);
    }
    if (this.state !== 'loading') return;
    this.state = 'active';
    this.scheduleOffsetsExpiry();
    this.logger.info(
      {
        groups: this.groups.size,
        records: recordCount,
        skipped: skippedCount,
        ms: performance.now() - startedAt,
      },
      'group coordinator loaded __consumer_offsets',
    );
  }

  /**
   * Stops serving: parked JoinGroup and SyncGroup requests are answered NOT_COORDINATOR,
   * timers are cancelled, and the returned promise waits for writes already under way, so
   * the log may be closed after it.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.expiryTimer?.cancel();
    for (const group of this.groups.values()) this.membership.shutdown(group);
    this.groups.clear();
    await Promise.allSettled([...this.inflightWrites]);
  }

  joinGroup(params: JoinGroupParams): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      const errorCode = this.joinGroupError(params);
      if (errorCode !== ErrorCode.NONE) {
        resolve(joinError(params.memberId, errorCode));
        return;
      }
      const group = this.groups.get(params.groupId) ?? this.createGroup(params.groupId);
      if (group === null) {
        resolve(joinError(params.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        return;
      }
      this.membership.join(group, params, resolve);
    });
  }

  private joinGroupError(params: JoinGroupParams): number {
    const errorCode = this.groupStatusError(params.groupId, 'membership');
    if (errorCode !== ErrorCode.NONE) return errorCode;
    const { sessionTimeoutMsMin, sessionTimeoutMsMax } = this.config;
    if (params.sessionTimeoutMs < sessionTimeoutMsMin) return ErrorCode.INVALID_SESSION_TIMEOUT;
    if (params.sessionTimeoutMs > sessionTimeoutMsMax) return ErrorCode.INVALID_SESSION_TIMEOUT;
    // A member id the coordinator never gave (or a group it does not know) is unknown.
    if (params.memberId !== '' && !this.groups.has(params.groupId)) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    return ErrorCode.NONE;
  }

  syncGroup(params: SyncGroupParams): Promise<SyncGroupResult> {
    return new Promise((resolve) => {
      const errorCode = this.groupStatusError(params.groupId, 'membership');
      // A loading coordinator lost the rebalance under way: the member must rejoin.
      if (errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
        resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      }
      if (errorCode !== ErrorCode.NONE) {
        resolve(syncError(errorCode));
        return;
      }
      const group = this.groups.get(params.groupId);
      if (group === undefined) resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      else this.membership.sync(group, params, resolve);
    });
  }

  /** The error code to answer a Heartbeat with. */
  heartbeat(params: HeartbeatParams): number {
    const errorCode = this.groupStatusError(params.groupId, 'membership');
    if (errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (errorCode !== ErrorCode.NONE) return errorCode;
    const group = this.groups.get(params.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return this.membership.heartbeat(group, params);
  }

  leaveGroup(groupId: string, members: readonly MemberIdentity[]): LeaveGroupResult {
    const errorCode = this.groupStatusError(groupId, 'membership');
    if (errorCode !== ErrorCode.NONE) return { errorCode, members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) {
      const unknown = members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
      return { errorCode: ErrorCode.NONE, members: unknown };
    }
    return { errorCode: ErrorCode.NONE, members: this.membership.leave(group, members) };
  }

  /**
   * Commits offsets: checked against the group's generation and members, written to
   * __consumer_offsets, and acknowledged once fsync'd. Returns one result per partition, in
   * order. A metadata string over offsetMetadataBytesMax fails its partition only.
   */
  async commitOffsets(params: OffsetCommitParams): Promise<PartitionResult[]> {
    const errorCode = this.commitError(params);
    if (errorCode !== ErrorCode.NONE) return results(params.partitions, errorCode);
    // A group that does not exist: a commit from outside group management creates it.
    const group = this.groups.get(params.groupId) ?? this.createGroup(params.groupId);
    if (group === null) return results(params.partitions, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (params.generationId >= 0 && !group.is('Empty')) {
      this.membership.touchMember(group, params.memberId);
    }
    const commitTimestamp = this.clock.now();
    const accepted: PartitionCommit[] = [];
    const codes = params.partitions.map((commit) => {
      const metadata = commit.metadata ?? '';
      if (Buffer.byteLength(metadata) > this.config.offsetMetadataBytesMax) {
        return ErrorCode.OFFSET_METADATA_TOO_LARGE;
      }
      accepted.push(commit);
      return ErrorCode.NONE;
    });
    const records: OffsetRecord[] = accepted.map((commit) => ({
      key: { group: params.groupId, topic: commit.topic, partition: commit.partition },
      value: {
        offset: commit.offset,
        leaderEpoch: commit.leaderEpoch,
        metadata: commit.metadata ?? '',
        commitTimestamp: commit.commitTimestamp ?? commitTimestamp,
      },
    }));
    const writeError = await this.writeOffsets(group, records);
    return params.partitions.map(({ topic, partition }, index) => {
      const errorCode = codes[index] ?? ErrorCode.NONE;
      return { topic, partition, errorCode: errorCode === ErrorCode.NONE ? writeError : errorCode };
    });
  }

  /** Kafka's validateOffsetCommit, against the group as it is now (or as it would be). */
  private commitError(params: OffsetCommitParams): number {
    const errorCode = this.groupStatusError(params.groupId, 'offsets-or-admin');
    if (errorCode !== ErrorCode.NONE) return errorCode;
    const group = this.groups.get(params.groupId);
    if (group === undefined) {
      // An unknown group with a generation: a member of a group that no longer exists.
      return params.generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    // Generation -1 into an Empty group: a simple consumer or an admin resetting offsets.
    if (params.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (params.generationId >= 0 || params.memberId !== '' || params.groupInstanceId !== null) {
      const memberError = validateCurrentMember(group, params.memberId, params.groupInstanceId);
      if (memberError !== ErrorCode.NONE) return memberError;
      if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      // The member has its generation but not yet its assignment: it must finish the sync.
      if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
      return ErrorCode.NONE;
    }
    // Outside group management while the group has members: only members may commit.
    return group.is('Empty') ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * Writes offset records and, once fsync'd, applies them to `group` unless it was deleted
   * meanwhile. Returns NONE or the error code for every record.
   */
  private async writeOffsets(group: Group, records: readonly OffsetRecord[]): Promise<number> {
    if (records.length === 0) return ErrorCode.NONE;
    const partitions = records.map(({ key }) => key);
    group.offsets.beginWrite(partitions);
    const write = this.offsetsTopic.write(records);
    this.inflightWrites.add(write);
    try {
      const recordOffsets = await write;
      if (this.groups.get(group.groupId) !== group) return ErrorCode.NONE;
      records.forEach(({ key, value }, index) => {
        const recordOffset = recordOffsets[index] ?? -1;
        if (value === null) group.offsets.remove(key.topic, key.partition);
        else group.offsets.apply(key.topic, key.partition, { ...value, recordOffset });
      });
      return ErrorCode.NONE;
    } catch (error) {
      if (isAssertionError(error)) throw error;
      this.logger.error({ err: error, groupId: group.groupId }, 'offset write failed');
      return offsetWriteErrorCode(error);
    } finally {
      this.inflightWrites.delete(write);
      group.offsets.endWrite(partitions);
    }
  }

  /**
   * Committed offsets of `partitions`, or of every partition the group committed when null.
   * A partition with no commit gets offset -1, as do all of a group the coordinator does
   * not know.
   */
  fetchOffsets(groupId: string, partitions: readonly TopicPartition[] | null): OffsetFetchResult {
    const errorCode = this.groupStatusError(groupId, 'offsets-or-admin');
    if (errorCode !== ErrorCode.NONE) return { errorCode, partitions: [] };
    const group = this.groups.get(groupId);
    const wanted = partitions ?? group?.offsets.partitions() ?? [];
    return {
      errorCode: ErrorCode.NONE,
      partitions: wanted.map(({ topic, partition }): PartitionOffset => {
        const committed = group?.offsets.get(topic, partition);
        return {
          topic,
          partition,
          offset: committed?.offset ?? -1,
          leaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed?.metadata ?? '',
          errorCode: ErrorCode.NONE,
        };
      }),
    };
  }

  /** Every group, or those in one of `states` (case-insensitive) when it is not empty. */
  listGroups(states: readonly string[] = []): ListGroupsResult {
    if (this.state === 'closed')
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const errorCode =
      this.state === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const wanted = new Set(states.map((state) => state.toLowerCase()));
    const groups = [...this.groups.values()]
      .filter((group) => wanted.size === 0 || wanted.has(group.state.toLowerCase()))
      .map((group) => group.overview());
    return { errorCode, groups };
  }

  /** One description per group id; an unknown group is described as Dead with no members. */
  describeGroups(groupIds: readonly string[]): GroupDescription[] {
    return groupIds.map((groupId) => {
      const errorCode = this.groupStatusError(groupId, 'offsets-or-admin');
      if (errorCode !== ErrorCode.NONE) return describedAs(groupId, errorCode, '');
      const group = this.groups.get(groupId);
      return group === undefined ? describedAs(groupId, ErrorCode.NONE, 'Dead') : group.describe();
    });
  }

  /**
   * Deletes Empty groups and their committed offsets (tombstones in __consumer_offsets).
   * A group with members gets NON_EMPTY_GROUP; an unknown one GROUP_ID_NOT_FOUND.
   */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const codes = new Map<string, number>();
    const deleted: Group[] = [];
    for (const groupId of groupIds) {
      if (codes.has(groupId)) continue;
      const errorCode = this.groupStatusError(groupId, 'offsets-or-admin');
      const group = this.groups.get(groupId);
      if (errorCode !== ErrorCode.NONE) codes.set(groupId, errorCode);
      else if (group === undefined) codes.set(groupId, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!group.is('Empty')) codes.set(groupId, ErrorCode.NON_EMPTY_GROUP);
      else {
        this.removeGroup(group);
        deleted.push(group);
      }
    }
    const writes = deleted.map(async (group) => {
      const tombstones = group.offsets.partitionsToDelete().map(({ topic, partition }) => ({
        key: { group: group.groupId, topic, partition },
        value: null,
      }));
      codes.set(group.groupId, await this.writeOffsets(group, tombstones));
    });
    await Promise.all(writes);
    return groupIds.map((groupId) => ({
      groupId,
      errorCode: codes.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
    }));
  }

  /**
   * Tombstones the committed offsets that have expired (GroupOffsets.expired): of Empty groups
   * only, all at once for a group that had members (offsetsRetentionMs after it became Empty),
   * each on its own for a group that never had any (offsetsRetentionMs after its commit), as
   * Kafka does. A group left with no offsets is forgotten. Runs on a timer once loaded; returns
   * how many offsets it removed. A failed write keeps the offsets for the next run.
   */
  async expireOffsets(): Promise<number> {
    if (this.state !== 'active' || this.expiring) return 0;
    this.expiring = true;
    try {
      const now = this.clock.now();
      const writes = [...this.groups.values()].map((group) => this.expireGroupOffsets(group, now));
      const expiredCount = (await Promise.all(writes)).reduce((sum, count) => sum + count, 0);
      if (expiredCount > 0) this.logger.info({ offsets: expiredCount }, 'expired group offsets');
      return expiredCount;
    } finally {
      this.expiring = false;
    }
  }

  private async expireGroupOffsets(group: Group, now: number): Promise<number> {
    if (!group.is('Empty')) return 0;
    const emptySince = group.protocolType === null ? null : group.stateTimestamp;
    const expired = group.offsets.expired(now, this.config.offsetsRetentionMs, emptySince);
    if (expired.length === 0) return 0;
    const tombstones = expired.map(({ topic, partition }) => ({
      key: { group: group.groupId, topic, partition },
      value: null,
    }));
    if ((await this.writeOffsets(group, tombstones)) !== ErrorCode.NONE) return 0;
    // Kafka's Empty -> Dead once the last offset is gone.
    if (group.isDisposable && this.groups.get(group.groupId) === group) this.removeGroup(group);
    return tombstones.length;
  }

  /** The next expiry run; each run schedules the one after it, until close(). */
  private scheduleOffsetsExpiry(): void {
    this.expiryTimer = this.clock.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      if (this.state !== 'active') return;
      this.scheduleOffsetsExpiry();
      this.expireOffsets().catch((error: unknown) => {
        if (isAssertionError(error)) throw error; // our own mistake: crash, as everywhere
        this.logger.error({ err: error }, 'offset expiry failed');
      });
    });
  }

  /** The group, for tests and the HTTP API's views; undefined when unknown. */
  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** Kafka's validateGroupStatus: the group id's form, then the coordinator's state. */
  private groupStatusError(groupId: string, use: GroupIdUse): number {
    if (use === 'membership' && groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (this.state === 'closed') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * A new Empty group, or null when groupsMax groups exist and none can be let go (an Empty
   * group with no offsets, no pending member ids and no write under way can).
   */
  private createGroup(groupId: string): Group | null {
    if (this.groups.size >= this.config.groupsMax) {
      for (const group of this.groups.values()) {
        if (group.isDisposable) this.removeGroup(group);
      }
      if (this.groups.size >= this.config.groupsMax) {
        this.logger.warn({ groupId, groupsMax: this.config.groupsMax }, 'too many groups');
        return null;
      }
    }
    const group = new Group(groupId, this.clock);
    this.groups.set(groupId, group);
    return group;
  }

  private removeGroup(group: Group): void {
    this.membership.shutdown(group);
    this.groups.delete(group.groupId);
  }
}

function results(partitions: readonly TopicPartition[], errorCode: number): PartitionResult[] {
  return partitions.map(({ topic, partition }) => ({ topic, partition, errorCode }));
}

function describedAs(groupId: string, errorCode: number, groupState: string): GroupDescription {
  return { errorCode, groupId, groupState, protocolType: '', protocolData: '', members: [] };
}

/**
 * The code a client gets when __consumer_offsets could not take a write (Kafka's
 * maybeConvertOffsetCommitError): too large is INVALID_COMMIT_OFFSET_SIZE; anything else
 * is COORDINATOR_NOT_AVAILABLE, which clients retry.
 */
function offsetWriteErrorCode(error: unknown): number {
  if (!isKafkaError(error)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  switch (error.errorCode) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}
