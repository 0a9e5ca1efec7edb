/**
 * ListOffsets for the consumer: the offset of the first record at or after a timestamp, or
 * the log start (earliest) or end (latest) offset, asked of each partition's leader. Used to
 * apply auto.offset.reset, seek to a time, and seek to the beginning or the end.
 *
 * Requests to different leaders go out together; a partition answered with an error that
 * calls for fresh metadata (NOT_LEADER_OR_FOLLOWER, ...) is asked again after a refresh,
 * through retry(); other errors reject with the partition named.
 */
import { ErrorCode, type ListOffsetsRequestTopic, listOffsetsApi } from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import { callsForMetadataRefresh, errorFromCode } from './errors.js';
import { retry } from './retry.js';

/** ListOffsets' special timestamps (ListOffsetsRequest.LATEST_TIMESTAMP / EARLIEST_TIMESTAMP). */
export const latestOffsetTimestamp = -1;
export const earliestOffsetTimestamp = -2;

export interface OffsetQuery {
  topic: string;
  partition: number;
  /** A time in ms, or latestOffsetTimestamp / earliestOffsetTimestamp. */
  timestamp: number;
}

/**
 * The offset for each query, in the order given: for a time, the first offset whose timestamp
 * is at or after it, or -1 when there is none (the caller usually seeks to the end then).
 */
export async function lookupOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
): Promise<number[]> {
  const offsets = new Array<number | undefined>(queries.length).fill(undefined);
  await retry(async () => {
    const byLeader = new Map<number, number[]>();
    for (let index = 0; index < queries.length; index++) {
      if (offsets[index] !== undefined) continue;
      const { topic, partition } = queries[index] as OffsetQuery;
      const leader = await cluster.leaderFor(topic, partition);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), index]);
    }
    const failures = await Promise.all(
      [...byLeader].map(([leader, indexes]) =>
        lookupAtLeader(cluster, leader, queries, indexes, offsets).then(
          () => undefined,
          (error: unknown) => error ?? new Error('ListOffsets failed'),
        ),
      ),
    );
    const failure = failures.find((error) => error !== undefined);
    if (failure !== undefined) throw failure;
    const missing = offsets.indexOf(undefined);
    if (missing >= 0) {
      const { topic, partition } = queries[missing] as OffsetQuery;
      throw errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, partition });
    }
  }, cluster.retryOptions());
  return offsets as number[];
}

/**
 * The first offset of the partition with a timestamp at or after `timestamp` (ms), or the log
 * end offset when there is none (seek to a time).
 */
export async function lookupTimestampOffset(
  cluster: Cluster,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<number> {
  let [offset] = await lookupOffsets(cluster, [{ topic, partition, timestamp }]);
  if (offset === undefined || offset < 0) {
    [offset] = await lookupOffsets(cluster, [
      { topic, partition, timestamp: latestOffsetTimestamp },
    ]);
  }
  return offset ?? 0;
}

/** Asks one leader; fills `offsets` for the partitions answered, then throws the first error. */
async function lookupAtLeader(
  cluster: Cluster,
  leader: number,
  queries: readonly OffsetQuery[],
  indexes: readonly number[],
  offsets: Array<number | undefined>,
): Promise<void> {
  const topics = new Map<string, ListOffsetsRequestTopic>();
  const indexByPartition = new Map<string, number>();
  for (const index of indexes) {
    const { topic, partition, timestamp } = queries[index] as OffsetQuery;
    let entry = topics.get(topic);
    if (entry === undefined) {
      entry = { name: topic, partitions: [] };
      topics.set(topic, entry);
    }
    entry.partitions.push({ partitionIndex: partition, timestamp });
    indexByPartition.set(`${partition}:${topic}`, index);
  }
  const response = await cluster.request(leader, listOffsetsApi, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [...topics.values()],
  });
  let firstError: Error | undefined;
  for (const topic of response.topics) {
    for (const partition of topic.partitions) {
      const index = indexByPartition.get(`${partition.partitionIndex}:${topic.name}`);
      if (index === undefined) continue;
      if (partition.errorCode === ErrorCode.NONE) {
        offsets[index] = partition.offset;
        continue;
      }
      if (callsForMetadataRefresh(partition.errorCode)) cluster.invalidateMetadata();
      firstError ??= errorFromCode(partition.errorCode, {
        topic: topic.name,
        partition: partition.partitionIndex,
      });
    }
  }
  if (firstError !== undefined) throw firstError;
}
