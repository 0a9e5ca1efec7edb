/**
 * The range assignor (Java's RangeAssignor, protocol name 'range'): topic by topic, the
 * members subscribed to it, in Kafka's member order, take consecutive ranges of its
 * partitions; the first `partitionCount % memberCount` members take one extra. With several
 * topics of equal size the same members get the extras each time, as in Java.
 */
import {
  type AssignorMember,
  addPartition,
  compareMembers,
  emptyAssignment,
  type GroupAssignment,
  type PartitionAssignor,
  subscribedTopics,
} from './partition-assignor.js';

export const rangeAssignorName = 'range';

export const rangeAssignor: PartitionAssignor = {
  name: rangeAssignorName,
  rebalanceProtocol: 'eager',

  subscriptionUserData() {
    return null;
  },

  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    for (const topic of subscribedTopics(members, partitionsPerTopic)) {
      const partitionCount = partitionsPerTopic.get(topic) ?? 0;
      const consumers = sorted.filter((member) => member.subscription.topics.includes(topic));
      assignTopicRanges(assignment, topic, partitionCount, consumers);
    }
    return assignment;
  },
};

function assignTopicRanges(
  assignment: GroupAssignment,
  topic: string,
  partitionCount: number,
  consumers: readonly AssignorMember[],
): void {
  const perConsumer = Math.floor(partitionCount / consumers.length);
  const withExtra = partitionCount % consumers.length;
  consumers.forEach((member, index) => {
    const start = perConsumer * index + Math.min(index, withExtra);
    const length = perConsumer + (index < withExtra ? 1 : 0);
    const list = assignment.get(member.memberId) ?? [];
    for (let partition = start; partition < start + length; partition++) {
      addPartition(list, topic, partition);
    }
  });
}
