/**
 * What the group coordinator takes and answers, in its own terms: no wire codec types, no
 * versions. The handlers in src/handlers map each API's request and response onto these.
 * Every result carries Kafka error codes (ErrorCode from '@cairn/protocol'), per group, member
 * or partition, as Kafka's coordinator answers through its callbacks.
 */

/** One protocol a member supports: an assignor name and the member's metadata for it. */
export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinGroupParams {
  readonly groupId: string;
  /** '' on a member's first join. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** JoinGroup v4+: a new dynamic member gets MEMBER_ID_REQUIRED and rejoins with its id. */
  readonly requireKnownMemberId: boolean;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
}

export interface JoinGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinGroupResult {
  readonly errorCode: number;
  /** -1 with an error. */
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** The leader's member id; '' with an error. */
  readonly leader: string;
  /** This member's id: the new one on a first join (also with MEMBER_ID_REQUIRED). */
  readonly memberId: string;
  /** Every member's metadata for the chosen protocol, for the leader only. */
  readonly members: readonly JoinGroupMember[];
}

export interface SyncGroupAssignment {
  readonly memberId: string;
  readonly assignment: Buffer;
}

export interface SyncGroupParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** SyncGroup v5+ names the protocol it was given; null when the version predates it. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** The leader's assignment for each member; empty from followers. */
  readonly assignments: readonly SyncGroupAssignment[];
}

export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export interface HeartbeatParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

/** A leaving member; memberId '' with a groupInstanceId removes that static member. */
export interface MemberIdentity {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveGroupMemberResult extends MemberIdentity {
  readonly errorCode: number;
}

export interface LeaveGroupResult {
  readonly errorCode: number;
  readonly members: readonly LeaveGroupMemberResult[];
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionCommit extends TopicPartition {
  readonly offset: number;
  /** -1 when unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  /** Given by OffsetCommit v1 only; otherwise the coordinator's clock sets it. */
  readonly commitTimestamp?: number;
}

export interface OffsetCommitParams {
  readonly groupId: string;
  /** -1 (with memberId '') for a commit from outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly partitions: readonly PartitionCommit[];
}

export interface PartitionResult extends TopicPartition {
  readonly errorCode: number;
}

export interface PartitionOffset extends TopicPartition {
  /** -1 when nothing was committed for the partition. */
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface OffsetFetchResult {
  readonly errorCode: number;
  readonly partitions: readonly PartitionOffset[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly groupState: string;
}

export interface ListGroupsResult {
  readonly errorCode: number;
  readonly groups: readonly GroupListing[];
}

export interface DescribedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** The member's metadata for the chosen protocol; empty unless the group is Stable. */
  readonly memberMetadata: Buffer;
  /** Empty unless the group is Stable. */
  readonly memberAssignment: Buffer;
}

export interface GroupDescription {
  readonly errorCode: number;
  readonly groupId: string;
  /** '' with an error; 'Dead' for a group the coordinator does not know. */
  readonly groupState: string;
  readonly protocolType: string;
  /** The chosen protocol's name; '' unless the group is Stable. */
  readonly protocolData: string;
  readonly members: readonly DescribedMember[];
}

export interface DeleteGroupResult {
  readonly groupId: string;
  readonly errorCode: number;
}
