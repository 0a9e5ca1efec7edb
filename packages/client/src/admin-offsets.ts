/**
 * Admin calls on partition offsets, each sent to the partitions' leaders: ListOffsets (the
 * earliest or latest offset, or the first offset at or after a timestamp) and DeleteRecords
 * (move the log start offset forward). A leader that moved is found again and asked again.
 */
import { deleteRecordsApi, listOffsetsApi } from '@cairn/protocol';
import { check, groupBy, withRetries } from './admin-support.js';
import type { Cluster } from './cluster.js';
import { adminOperationTimeoutMsDefault } from './constants.js';

/** Kafka's ListOffsets special timestamps. */
export const latestTimestamp = -1;
export const earliestTimestamp = -2;

/** Which offset: the earliest, the latest (the high watermark), or the first at a time (ms). */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** -1 when asked for a timestamp later than every record. */
  offset: number;
  /** The record's timestamp for a timestamp query, else -1. */
  timestamp: number;
}

export interface OffsetQuery {
  topic: string;
  partition: number;
  /** A time in ms, or latestTimestamp (-1) / earliestTimestamp (-2). */
  timestamp: number;
}

export function timestampOf(spec: OffsetSpec): number {
  if (spec === 'earliest') return earliestTimestamp;
  if (spec === 'latest') return latestTimestamp;
  return spec.timestamp;
}

/** Offsets of `partitions` of `topic` (every partition when not given), per `spec`. */
export async function listOffsets(
  cluster: Cluster,
  topic: string,
  spec: OffsetSpec = 'latest',
  partitions?: readonly number[],
): Promise<PartitionOffset[]> {
  const wanted = partitions ?? (await allPartitions(cluster, topic));
  const timestamp = timestampOf(spec);
  return queryOffsets(
    cluster,
    wanted.map((partition) => ({ topic, partition, timestamp })),
  );
}

/** Answers each query from its partition's leader; results in the order of the queries. */
export async function queryOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
): Promise<PartitionOffset[]> {
  return withRetries(cluster, async () => {
    const leaders = await Promise.all(
      queries.map((query) => cluster.leaderFor(query.topic, query.partition)),
    );
    const byLeader = groupBy(
      queries.map((query, index) => ({ query, leader: leaders[index]! })),
      (entry) => entry.leader,
    );
    const answers = new Map<string, PartitionOffset>();
    await Promise.all(
      [...byLeader].map(async ([leader, entries]) => {
        const byTopic = groupBy(entries, (entry) => entry.query.topic);
        const response = await cluster.request(leader, listOffsetsApi, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [...byTopic].map(([name, group]) => ({
            name,
            partitions: group.map(({ query }) => ({
              partitionIndex: query.partition,
              timestamp: query.timestamp,
            })),
          })),
        });
        for (const topic of response.topics) {
          for (const partition of topic.partitions) {
            check(partition.errorCode, { topic: topic.name, partition: partition.partitionIndex });
            answers.set(`${topic.name}\0${partition.partitionIndex}`, {
              topic: topic.name,
              partition: partition.partitionIndex,
              offset: partition.offset,
              timestamp: partition.timestamp,
            });
          }
        }
      }),
    );
    return queries.map((query) => {
      const answer = answers.get(`${query.topic}\0${query.partition}`);
      if (answer === undefined) {
        throw new Error(`no ListOffsets answer for ${query.topic}-${query.partition}`);
      }
      return answer;
    });
  });
}

export interface RecordsDeletion {
  topic: string;
  partition: number;
  /** Records before this offset are deleted; -1 deletes up to the high watermark. */
  offset: number;
}

/** Deletes records before the given offsets; returns each partition's new log start offset. */
export async function deleteRecords(
  cluster: Cluster,
  deletions: readonly RecordsDeletion[],
  options: { timeoutMs?: number } = {},
): Promise<{ topic: string; partition: number; lowWatermark: number }[]> {
  return withRetries(cluster, async () => {
    const leaders = await Promise.all(
      deletions.map((deletion) => cluster.leaderFor(deletion.topic, deletion.partition)),
    );
    const byLeader = groupBy(
      deletions.map((deletion, index) => ({ deletion, leader: leaders[index]! })),
      (entry) => entry.leader,
    );
    const results: { topic: string; partition: number; lowWatermark: number }[] = [];
    await Promise.all(
      [...byLeader].map(async ([leader, entries]) => {
        const byTopic = groupBy(entries, (entry) => entry.deletion.topic);
        const response = await cluster.request(leader, deleteRecordsApi, {
          topics: [...byTopic].map(([name, group]) => ({
            name,
            partitions: group.map(({ deletion }) => ({
              partitionIndex: deletion.partition,
              offset: deletion.offset,
            })),
          })),
          timeoutMs: options.timeoutMs ?? adminOperationTimeoutMsDefault,
        });
        for (const topic of response.topics) {
          for (const partition of topic.partitions) {
            check(partition.errorCode, { topic: topic.name, partition: partition.partitionIndex });
            results.push({
              topic: topic.name,
              partition: partition.partitionIndex,
              lowWatermark: partition.lowWatermark,
            });
          }
        }
      }),
    );
    return results.sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
  });
}

export async function allPartitions(cluster: Cluster, topic: string): Promise<number[]> {
  const count = await cluster.partitionsFor(topic);
  return Array.from({ length: count }, (_, partition) => partition);
}
