/**
 * What a partition assignor is: the group leader's code that splits the partitions of the
 * subscribed topics among the members of a consumer group. The coordinator picks one assignor
 * name (JoinGroup's ProtocolName) that every member listed; the leader runs that assignor over
 * every member's subscription (consumer-protocol.ts) and sends the result with SyncGroup.
 *
 * Names are the wire contract: 'range', 'roundrobin' and 'cooperative-sticky' are the names
 * the Java client uses, so a group may mix Cairn members with Java, librdkafka and kafkajs
 * members (kafkajs needs an assigner registered under the same name).
 */
import type {
  ConsumerProtocolSubscription,
  ConsumerProtocolTopicPartitions,
} from '@cairn/protocol';

/**
 * eager: a member gives up all its partitions before it rejoins. cooperative (KIP-429): a
 * member keeps its partitions through the rebalance and gives up only those the new
 * assignment takes away; they reach their new owner in a follow-up rebalance.
 */
export type RebalanceProtocol = 'eager' | 'cooperative';

/** One member as the leader sees it in the JoinGroup response. */
export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  subscription: ConsumerProtocolSubscription;
}

/** What this member tells the leader's assignor, besides its topics. */
export interface AssignorSubscriptionContext {
  /** The generation of the member's current assignment; -1 before its first. */
  generationId: number;
  /** Partitions held now (kept across the rebalance when cooperative). */
  ownedPartitions: readonly ConsumerProtocolTopicPartitions[];
}

/** Member id -> its partitions. Every member of the input has an entry, maybe empty. */
export type GroupAssignment = Map<string, ConsumerProtocolTopicPartitions[]>;

export interface PartitionAssignor {
  /** The protocol name in JoinGroup; must match the other members' assignor of that name. */
  readonly name: string;
  readonly rebalanceProtocol: RebalanceProtocol;
  /** Assignor-specific bytes for the subscription's UserData; null when there are none. */
  subscriptionUserData(context: AssignorSubscriptionContext): Buffer | null;
  /**
   * Splits the partitions. `partitionsPerTopic` holds the partition count of every topic some
   * member subscribes to that exists; topics missing from it are assigned nothing. Pure and
   * deterministic: the same input gives the same output whichever member leads.
   */
  assign(
    members: readonly AssignorMember[],
    partitionsPerTopic: ReadonlyMap<string, number>,
  ): GroupAssignment;
}

/**
 * Kafka's member order (MemberInfo.compareTo): static members first by groupInstanceId, then
 * dynamic members by memberId. Range and round-robin hand out partitions in this order, so a
 * static member keeps the same partitions when it restarts with a new member id.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    return compareStrings(a.groupInstanceId, b.groupInstanceId);
  }
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's String.compareTo: UTF-16 code units, as JavaScript's < compares. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An empty entry for every member, in input order. */
export function emptyAssignment(members: readonly AssignorMember[]): GroupAssignment {
  const assignment: GroupAssignment = new Map();
  for (const member of members) assignment.set(member.memberId, []);
  return assignment;
}

/** Adds `partition` of `topic` to a member's list, keeping one entry per topic. */
export function addPartition(
  list: ConsumerProtocolTopicPartitions[],
  topic: string,
  partition: number,
): void {
  const last = list[list.length - 1];
  const entry = last?.topic === topic ? last : list.find((candidate) => candidate.topic === topic);
  if (entry === undefined) list.push({ topic, partitions: [partition] });
  else entry.partitions.push(partition);
}

/** The subscribed topics that exist, sorted: the order assignors walk them in. */
export function subscribedTopics(
  members: readonly AssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): string[] {
  const topics = new Set<string>();
  for (const member of members) {
    for (const topic of member.subscription.topics) {
      if (partitionsPerTopic.has(topic)) topics.add(topic);
    }
  }
  return [...topics].sort(compareStrings);
}
