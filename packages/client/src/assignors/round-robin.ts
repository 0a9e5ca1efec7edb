/**
 * The round-robin assignor (Java's RoundRobinAssignor, protocol name 'roundrobin'): every
 * partition of the subscribed topics, sorted by topic then partition, goes to the next member
 * in Kafka's member order that subscribes to its topic, cycling. With identical subscriptions
 * the members' counts differ by at most one.
 *
 * kafkajs ships the same algorithm as 'RoundRobinAssigner'; registering it in kafkajs under
 * the name 'roundrobin' lets kafkajs and Cairn members share a group.
 */
import {
  addPartition,
  compareMembers,
  emptyAssignment,
  type PartitionAssignor,
  subscribedTopics,
} from './partition-assignor.js';

export const roundRobinAssignorName = 'roundrobin';

export const roundRobinAssignor: PartitionAssignor = {
  name: roundRobinAssignorName,
  rebalanceProtocol: 'eager',

  subscriptionUserData() {
    return null;
  },

  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    let next = 0; // the member the circular iterator points at
    for (const topic of subscribedTopics(members, partitionsPerTopic)) {
      const partitionCount = partitionsPerTopic.get(topic) ?? 0;
      for (let partition = 0; partition < partitionCount; partition++) {
        // Some member subscribes to `topic` (subscribedTopics), so this stops within a cycle.
        while (!sorted[next % sorted.length]?.subscription.topics.includes(topic)) next++;
        const member = sorted[next % sorted.length];
        next++;
        if (member !== undefined) {
          addPartition(assignment.get(member.memberId) ?? [], topic, partition);
        }
      }
    }
    return assignment;
  },
};
