/**
 * The cooperative-sticky assignor (Java's CooperativeStickyAssignor, protocol name
 * 'cooperative-sticky'; KIP-429 incremental rebalancing). Members keep their partitions
 * through a rebalance; only the partitions needed to balance the group move, and they move in
 * two phases so that no partition is ever held by two members at once:
 *
 *   1. Each member's subscription lists the partitions it owns (OwnedPartitions, v1+) and the
 *      generation they are from (GenerationId, v2+, or this assignor's UserData). Where two
 *      members claim one partition the higher generation wins; a tie gives it to neither.
 *   2. The sticky assignment: every member keeps what it owns and still subscribes to; new
 *      and orphaned partitions go to the least loaded member subscribed to their topic; then
 *      partitions move one at a time, from the end of a member's list, from the most loaded
 *      member to a subscribed member with at least two fewer, until no such move is left.
 *      With identical subscriptions the counts then differ by at most one.
 *   3. A partition whose new member differs from its live previous owner is withheld: the
 *      previous owner finds it missing from its assignment, revokes it, and rejoins; in that
 *      follow-up rebalance the partition is unowned and goes where step 2 puts it.
 *
 * UserData is Java's CooperativeStickyAssignor user data v0:
 *   offset  width  field
 *   0       4      generation   int32, the generation of the owned partitions (-1 if none)
 */
import type { ConsumerProtocolTopicPartitions } from '@cairn/protocol';
import {
  type AssignorMember,
  addPartition,
  compareMembers,
  compareStrings,
  emptyAssignment,
  type GroupAssignment,
  type PartitionAssignor,
  subscribedTopics,
} from './partition-assignor.js';

export const cooperativeStickyAssignorName = 'cooperative-sticky';

const GENERATION_OFFSET = 0;
const USER_DATA_BYTES = GENERATION_OFFSET + 4;
const noGeneration = -1;

interface TopicPartition {
  topic: string;
  partition: number;
}

/** The previous owner of a partition, as the subscriptions claim it. */
interface Claim {
  memberId: string;
  generationId: number;
  /** Two members claimed it in the same generation: it belongs to neither. */
  conflicted: boolean;
}

export const cooperativeStickyAssignor: PartitionAssignor = {
  name: cooperativeStickyAssignorName,
  rebalanceProtocol: 'cooperative',

  subscriptionUserData({ generationId }) {
    const userData = Buffer.alloc(USER_DATA_BYTES);
    userData.writeInt32BE(generationId, GENERATION_OFFSET);
    return userData;
  },

  assign(members, partitionsPerTopic) {
    const sorted = [...members].sort(compareMembers);
    const claims = claimedPartitions(sorted, partitionsPerTopic);
    const current = keptPartitions(sorted, claims);
    const eligible = eligibleMembers(sorted, partitionsPerTopic);
    assignUnowned(current, eligible, partitionsPerTopic);
    balance(current, sorted, eligible);
    return withholdMoving(members, current, claims);
  },
};

/** The generation a member's owned partitions are from: the subscription's, else UserData's. */
export function memberGenerationId(member: AssignorMember): number {
  const { generationId, userData } = member.subscription;
  if (generationId !== noGeneration) return generationId;
  if (userData !== null && userData.length >= USER_DATA_BYTES) {
    return userData.readInt32BE(GENERATION_OFFSET);
  }
  return noGeneration;
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/** Who owned each existing partition before this rebalance (step 1). */
function claimedPartitions(
  members: readonly AssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, Claim> {
  const claims = new Map<string, Claim>();
  for (const member of members) {
    const generationId = memberGenerationId(member);
    for (const { topic, partitions } of member.subscription.ownedPartitions) {
      const partitionCount = partitionsPerTopic.get(topic) ?? 0;
      for (const partition of partitions) {
        if (partition < 0 || partition >= partitionCount) continue;
        const key = partitionKey(topic, partition);
        const claim = claims.get(key);
        if (claim === undefined || generationId > claim.generationId) {
          claims.set(key, { memberId: member.memberId, generationId, conflicted: false });
        } else if (generationId === claim.generationId && claim.memberId !== member.memberId) {
          claim.conflicted = true;
        }
      }
    }
  }
  return claims;
}

/** Each member starts with the partitions it owns, of the topics it still subscribes to. */
function keptPartitions(
  members: readonly AssignorMember[],
  claims: ReadonlyMap<string, Claim>,
): Map<string, TopicPartition[]> {
  const current = new Map<string, TopicPartition[]>();
  for (const member of members) current.set(member.memberId, []);
  const subscribes = new Map(members.map((member) => [member.memberId, member]));
  for (const [key, claim] of claims) {
    if (claim.conflicted) continue;
    const separator = key.indexOf(':');
    const topic = key.slice(separator + 1);
    if (!subscribes.get(claim.memberId)?.subscription.topics.includes(topic)) continue;
    current.get(claim.memberId)?.push({ topic, partition: Number(key.slice(0, separator)) });
  }
  for (const list of current.values()) list.sort(compareTopicPartitions);
  return current;
}

function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/** Topic -> the members subscribed to it, in member order. */
function eligibleMembers(
  members: readonly AssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, string[]> {
  const eligible = new Map<string, string[]>();
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    eligible.set(
      topic,
      members
        .filter((member) => member.subscription.topics.includes(topic))
        .map((member) => member.memberId),
    );
  }
  return eligible;
}

/** The member among `candidates` holding the fewest partitions; the first on a tie. */
function leastLoaded(
  candidates: readonly string[],
  current: ReadonlyMap<string, TopicPartition[]>,
): string | undefined {
  let best: string | undefined;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const memberId of candidates) {
    const count = current.get(memberId)?.length ?? 0;
    if (count < bestCount) {
      best = memberId;
      bestCount = count;
    }
  }
  return best;
}

/** New partitions, and those of departed or unsubscribed owners, go to the least loaded. */
function assignUnowned(
  current: Map<string, TopicPartition[]>,
  eligible: ReadonlyMap<string, string[]>,
  partitionsPerTopic: ReadonlyMap<string, number>,
): void {
  const held = new Set<string>();
  for (const list of current.values()) {
    for (const { topic, partition } of list) held.add(partitionKey(topic, partition));
  }
  for (const [topic, candidates] of eligible) {
    const partitionCount = partitionsPerTopic.get(topic) ?? 0;
    for (let partition = 0; partition < partitionCount; partition++) {
      if (held.has(partitionKey(topic, partition))) continue;
      const memberId = leastLoaded(candidates, current);
      if (memberId !== undefined) current.get(memberId)?.push({ topic, partition });
    }
  }
}

/**
 * Moves partitions from the most loaded members to subscribed members with at least two
 * fewer, one at a time, until none can move. Each move lowers the sum of squared counts, so
 * the loop ends; moving from the end of a sorted list keeps a member's lowest partitions.
 */
function balance(
  current: Map<string, TopicPartition[]>,
  members: readonly AssignorMember[],
  eligible: ReadonlyMap<string, string[]>,
): void {
  const count = (memberId: string) => current.get(memberId)?.length ?? 0;
  for (;;) {
    const byLoad = [...members].sort(
      (a, b) => count(b.memberId) - count(a.memberId) || compareMembers(a, b),
    );
    if (!moveOne(current, byLoad, eligible)) return;
  }
}

function moveOne(
  current: Map<string, TopicPartition[]>,
  byLoad: readonly AssignorMember[],
  eligible: ReadonlyMap<string, string[]>,
): boolean {
  for (const from of byLoad) {
    const list = current.get(from.memberId) ?? [];
    for (let index = list.length - 1; index >= 0; index--) {
      const moving = list[index];
      if (moving === undefined) continue;
      const to = leastLoaded(eligible.get(moving.topic) ?? [], current);
      const target = to === undefined ? undefined : current.get(to);
      if (target !== undefined && target.length + 1 < list.length) {
        list.splice(index, 1);
        target.push(moving);
        target.sort(compareTopicPartitions);
        return true;
      }
    }
  }
  return false;
}

/** Step 3: a partition moving away from a live owner is assigned to nobody this round. */
function withholdMoving(
  members: readonly AssignorMember[],
  current: ReadonlyMap<string, TopicPartition[]>,
  claims: ReadonlyMap<string, Claim>,
): GroupAssignment {
  const assignment = emptyAssignment(members);
  for (const [memberId, list] of current) {
    const result: ConsumerProtocolTopicPartitions[] = assignment.get(memberId) ?? [];
    for (const { topic, partition } of list) {
      const claim = claims.get(partitionKey(topic, partition));
      const ownedByOther = claim !== undefined && !claim.conflicted && claim.memberId !== memberId;
      if (!ownedByOther) addPartition(result, topic, partition);
    }
  }
  return assignment;
}
