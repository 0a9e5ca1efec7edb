/**
 * Admin calls on consumer groups, each sent to the group's coordinator (FindCoordinator, found
 * again after NOT_COORDINATOR): list, describe and delete groups, fetch committed offsets,
 * reset them, and compute lag.
 *
 * resetOffsets commits as Kafka's kafka-consumer-groups tool does: outside any generation
 * (generationId -1, no member id), which the coordinator accepts only while the group has no
 * members. It checks that first (DescribeGroups) for a clear error; a member that joins in
 * between makes the coordinator refuse the commit, so a live group is never moved under it.
 */
import {
  consumerProtocolType,
  decodeConsumerProtocolAssignment,
  deleteGroupsApi,
  describeGroupsApi,
  ErrorCode,
  listGroupsApi,
  offsetCommitApi,
  offsetFetchApi,
} from '@cairn/protocol';
import {
  allPartitions,
  type OffsetSpec,
  type PartitionOffset,
  queryOffsets,
  timestampOf,
} from './admin-offsets.js';
import { check, groupBy, withRetries } from './admin-support.js';
import type { Cluster } from './cluster.js';
import { errorFromCode } from './errors.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** 'Stable', 'Empty', 'PreparingRebalance'...; '' from brokers before ListGroups v4. */
  state: string;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's partitions, decoded for consumer groups ([] otherwise or when undecodable). */
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor the group chose ('range', 'cooperative-sticky'...), '' unless Stable. */
  protocol: string;
  members: GroupMemberDescription[];
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** -1 when the group has committed nothing for the partition. */
  offset: number;
  metadata: string | null;
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  highWatermark: number;
  /** highWatermark - committedOffset; null when nothing is committed. */
  lag: number | null;
}

/** Where to move a group's offsets: an OffsetSpec, or explicit offsets by partition. */
export type OffsetReset = OffsetSpec | { offsets: Record<number, number> };

/** Every group of every broker. */
export async function listGroups(
  cluster: Cluster,
  options: { states?: string[] } = {},
): Promise<GroupListing[]> {
  const metadata = await cluster.refreshMetadata([]);
  const answers = await Promise.all(
    [...metadata.brokers.keys()].map((nodeId) =>
      withRetries(cluster, async () => {
        const response = await cluster.request(nodeId, listGroupsApi, {
          statesFilter: options.states ?? [],
        });
        check(response.errorCode);
        return response.groups;
      }),
    ),
  );
  const groups = new Map<string, GroupListing>();
  for (const listed of answers.flat()) {
    groups.set(listed.groupId, {
      groupId: listed.groupId,
      protocolType: listed.protocolType,
      state: listed.groupState,
    });
  }
  return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}

/** Describes groups; a group the coordinator does not know is reported in state 'Dead'. */
export async function describeGroups(
  cluster: Cluster,
  groupIds: readonly string[],
): Promise<GroupDescription[]> {
  return Promise.all(groupIds.map((groupId) => describeGroup(cluster, groupId)));
}

async function describeGroup(cluster: Cluster, groupId: string): Promise<GroupDescription> {
  const group = await withRetries(
    cluster,
    async () => {
      const coordinator = await cluster.coordinatorFor(groupId);
      const response = await cluster.request(coordinator, describeGroupsApi, {
        groups: [groupId],
        includeAuthorizedOperations: false,
      });
      const described = response.groups[0];
      if (described === undefined) throw new Error(`no DescribeGroups answer for ${groupId}`);
      check(described.errorCode, { message: `DescribeGroups ${groupId}` });
      return described;
    },
    groupId,
  );
  const isConsumerGroup = group.protocolType === consumerProtocolType;
  return {
    groupId: group.groupId,
    state: group.groupState,
    protocolType: group.protocolType,
    protocol: group.protocolData,
    members: group.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: isConsumerGroup ? decodeAssignment(member.memberAssignment) : [],
    })),
  };
}

function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (bytes.length === 0) return [];
  try {
    return decodeConsumerProtocolAssignment(bytes).assignedPartitions.map((entry) => ({
      topic: entry.topic,
      partitions: [...entry.partitions].sort((a, b) => a - b),
    }));
  } catch {
    return [];
  }
}

/** Deletes empty groups and their committed offsets. */
export async function deleteGroups(cluster: Cluster, groupIds: readonly string[]): Promise<void> {
  await Promise.all(
    groupIds.map((groupId) =>
      withRetries(
        cluster,
        async () => {
          const coordinator = await cluster.coordinatorFor(groupId);
          const response = await cluster.request(coordinator, deleteGroupsApi, {
            groupsNames: [groupId],
          });
          for (const result of response.results) {
            check(result.errorCode, { message: `DeleteGroups ${result.groupId}` });
          }
        },
        groupId,
      ),
    ),
  );
}

/** The group's committed offsets, for `topics` (every topic it committed for when not given). */
export async function fetchOffsets(
  cluster: Cluster,
  groupId: string,
  topics?: readonly string[],
): Promise<GroupOffset[]> {
  const requestTopics =
    topics === undefined
      ? null
      : await Promise.all(
          topics.map(async (name) => ({
            name,
            partitionIndexes: await allPartitions(cluster, name),
          })),
        );
  const response = await withRetries(
    cluster,
    async () => {
      const coordinator = await cluster.coordinatorFor(groupId);
      const answer = await cluster.request(coordinator, offsetFetchApi, {
        groupId,
        topics: requestTopics,
        requireStable: false,
      });
      check(answer.errorCode, { message: `OffsetFetch for group ${groupId}` });
      return answer;
    },
    groupId,
  );
  const offsets: GroupOffset[] = [];
  for (const topic of response.topics) {
    for (const partition of topic.partitions) {
      check(partition.errorCode, { topic: topic.name, partition: partition.partitionIndex });
      offsets.push({
        topic: topic.name,
        partition: partition.partitionIndex,
        offset: partition.committedOffset,
        metadata: partition.metadata,
      });
    }
  }
  return offsets.sort(byTopicPartition);
}

/**
 * Moves the group's committed offsets for `topic` (all its partitions, or `partitions`) to the
 * earliest or latest offset, the first offset at a timestamp (the latest when none is that
 * late), or explicit offsets. The group must have no members. Returns the offsets committed.
 */
export async function resetOffsets(
  cluster: Cluster,
  groupId: string,
  topic: string,
  to: OffsetReset,
  partitions?: readonly number[],
): Promise<GroupOffset[]> {
  const [group] = await describeGroups(cluster, [groupId]);
  if (group !== undefined && group.members.length > 0) {
    throw errorFromCode(ErrorCode.NON_EMPTY_GROUP, {
      message:
        `group ${groupId} is ${group.state} with ${group.members.length} members: stop them ` +
        'before resetting its offsets',
    });
  }
  const targets = await resetTargets(cluster, topic, to, partitions);
  await withRetries(
    cluster,
    async () => {
      const coordinator = await cluster.coordinatorFor(groupId);
      const response = await cluster.request(coordinator, offsetCommitApi, {
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: topic,
            partitions: targets.map(({ partition, offset }) => ({
              partitionIndex: partition,
              committedOffset: offset,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            })),
          },
        ],
      });
      for (const answer of response.topics) {
        for (const partition of answer.partitions) {
          check(partition.errorCode, {
            topic: answer.name,
            partition: partition.partitionIndex,
            message: `OffsetCommit for group ${groupId}`,
          });
        }
      }
    },
    groupId,
  );
  return targets.map(({ partition, offset }) => ({ topic, partition, offset, metadata: null }));
}

async function resetTargets(
  cluster: Cluster,
  topic: string,
  to: OffsetReset,
  partitions: readonly number[] | undefined,
): Promise<{ partition: number; offset: number }[]> {
  if (typeof to === 'object' && 'offsets' in to) {
    return Object.entries(to.offsets)
      .map(([partition, offset]) => ({ partition: Number(partition), offset }))
      .filter(({ partition }) => partitions === undefined || partitions.includes(partition))
      .sort((a, b) => a.partition - b.partition);
  }
  const wanted = partitions ?? (await allPartitions(cluster, topic));
  const timestamp = timestampOf(to);
  const found = await queryOffsets(
    cluster,
    wanted.map((partition) => ({ topic, partition, timestamp })),
  );
  const missing = found.filter((answer) => answer.offset < 0);
  const latest: PartitionOffset[] =
    missing.length === 0
      ? []
      : await queryOffsets(
          cluster,
          missing.map(({ partition }) => ({ topic, partition, timestamp: -1 })),
        );
  return found.map((answer) => ({
    partition: answer.partition,
    offset:
      answer.offset >= 0
        ? answer.offset
        : latest.find((entry) => entry.partition === answer.partition)!.offset,
  }));
}

/**
 * Committed offset against the high watermark for every partition of the group's topics
 * (`topics`, or those it committed for).
 */
export async function groupLag(
  cluster: Cluster,
  groupId: string,
  topics?: readonly string[],
): Promise<GroupPartitionLag[]> {
  const committed = await fetchOffsets(cluster, groupId, topics);
  const topicNames = topics ?? [...new Set(committed.map((entry) => entry.topic))];
  const queries = (
    await Promise.all(
      topicNames.map(async (topic) =>
        (
          await allPartitions(cluster, topic)
        ).map((partition) => ({
          topic,
          partition,
          timestamp: -1,
        })),
      ),
    )
  ).flat();
  const highWatermarks = await queryOffsets(cluster, queries);
  const committedByPartition = groupBy(committed, (entry) => `${entry.topic}\0${entry.partition}`);
  return highWatermarks
    .map(({ topic, partition, offset: highWatermark }) => {
      const entry = committedByPartition.get(`${topic}\0${partition}`)?.[0];
      const committedOffset = entry?.offset ?? -1;
      return {
        topic,
        partition,
        committedOffset,
        highWatermark,
        lag: committedOffset < 0 ? null : Math.max(0, highWatermark - committedOffset),
      };
    })
    .sort(byTopicPartition);
}

function byTopicPartition(
  a: { topic: string; partition: number },
  b: { topic: string; partition: number },
): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}
