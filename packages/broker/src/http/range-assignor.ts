/**
 * Kafka's RangeAssignor (protocol name 'range'), run by the broker when an HTTP group member
 * is the group's leader. Per topic, the members subscribed to it are sorted by member id and
 * the partitions are cut into contiguous ranges: with P partitions and C members, each gets
 * floor(P / C) and the first P % C get one more. Members' subscriptions are the consumer
 * protocol bytes they sent with JoinGroup, so Kafka clients that offer 'range' (the Java
 * client, librdkafka) are assigned by it as by one of their own.
 */
import {
  type ConsumerProtocolTopicPartitions,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  isProtocolError,
} from '@cairn/protocol';
import type { JoinGroupMember, SyncGroupAssignment } from '../groups/index.js';

export const rangeAssignorName = 'range';

/**
 * The assignment of every member, encoded for SyncGroup. A member whose subscription does not
 * decode is assigned nothing; topics `partitionCount` does not know (undefined) are skipped.
 */
export function assignRange(
  members: readonly JoinGroupMember[],
  partitionCount: (topic: string) => number | undefined,
): SyncGroupAssignment[] {
  const subscribers = new Map<string, string[]>();
  for (const member of members) {
    for (const topic of subscribedTopics(member.metadata)) {
      const list = subscribers.get(topic) ?? [];
      list.push(member.memberId);
      subscribers.set(topic, list);
    }
  }
  const assigned = new Map<string, ConsumerProtocolTopicPartitions[]>(
    members.map((member) => [member.memberId, []]),
  );
  for (const [topic, memberIds] of [...subscribers].sort(([a], [b]) => compare(a, b))) {
    const count = partitionCount(topic);
    if (count === undefined) continue;
    const sorted = [...new Set(memberIds)].sort(compare);
    const perMember = Math.floor(count / sorted.length);
    const extra = count % sorted.length;
    sorted.forEach((memberId, index) => {
      const start = perMember * index + Math.min(index, extra);
      const length = perMember + (index < extra ? 1 : 0);
      if (length === 0) return;
      const partitions = Array.from({ length }, (_, offset) => start + offset);
      assigned.get(memberId)?.push({ topic, partitions });
    });
  }
  return [...assigned].map(([memberId, assignedPartitions]) => ({
    memberId,
    assignment: encodeConsumerProtocolAssignment({
      version: 0,
      assignedPartitions,
      userData: null,
    }),
  }));
}

function subscribedTopics(metadata: Buffer): string[] {
  try {
    return decodeConsumerProtocolSubscription(metadata).topics;
  } catch (error) {
    if (isProtocolError(error)) return [];
    throw error;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
