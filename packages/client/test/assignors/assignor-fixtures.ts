/** Members and assignments in the shapes the assignors take, for the assignor tests. */
import type { ConsumerProtocolTopicPartitions } from '@cairn/protocol';
import type { AssignorMember, GroupAssignment } from '../../src/assignors/index.js';

export function member(
  memberId: string,
  topics: string[],
  options: {
    owned?: Record<string, number[]>;
    generationId?: number;
    groupInstanceId?: string;
  } = {},
): AssignorMember {
  const ownedPartitions: ConsumerProtocolTopicPartitions[] = Object.entries(
    options.owned ?? {},
  ).map(([topic, partitions]) => ({ topic, partitions }));
  return {
    memberId,
    groupInstanceId: options.groupInstanceId ?? null,
    subscription: {
      version: 3,
      topics,
      userData: null,
      ownedPartitions,
      generationId: options.generationId ?? -1,
      rackId: null,
    },
  };
}

/** memberId -> { topic: partitions } for toEqual. */
export function plain(assignment: GroupAssignment): Record<string, Record<string, number[]>> {
  const result: Record<string, Record<string, number[]>> = {};
  for (const [memberId, topics] of assignment) {
    const entry: Record<string, number[]> = {};
    for (const { topic, partitions } of topics)
      entry[topic] = [...partitions].sort((a, b) => a - b);
    result[memberId] = entry;
  }
  return result;
}

export function counts(assignment: GroupAssignment): number[] {
  return [...assignment.values()].map((topics) =>
    topics.reduce((sum, { partitions }) => sum + partitions.length, 0),
  );
}

/** Every partition of `partitionsPerTopic` appears at most once (and exactly once if `all`). */
export function partitionOwners(assignment: GroupAssignment): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [memberId, topics] of assignment) {
    for (const { topic, partitions } of topics) {
      for (const partition of partitions) {
        const key = `${topic}-${partition}`;
        owners.set(key, [...(owners.get(key) ?? []), memberId]);
      }
    }
  }
  return owners;
}
