/**
 * OffsetFetch: a group's committed offsets for the partitions asked, or for every partition it
 * committed when topics is null (v2+). Offsets are served whatever the group's state: a group
 * may use Kafka only to store its offsets. A group error is reported at the top (v2+) and on
 * every partition asked (v0-v1 have only those).
 */
import {
  ErrorCode,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type OffsetFetchResponseTopic,
  offsetFetchApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { PartitionOffset, TopicPartition } from '../groups/coordinator-api.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

export function createOffsetFetchHandler(
  coordinator: GroupCoordinator,
): ApiHandler<OffsetFetchRequest, OffsetFetchResponse> {
  return {
    api: offsetFetchApi,
    handle(request) {
      const partitions =
        request.topics === null
          ? null
          : request.topics.flatMap(({ name, partitionIndexes }) =>
              partitionIndexes.map((partition): TopicPartition => ({ topic: name, partition })),
            );
      const result = coordinator.fetchOffsets(request.groupId, partitions);
      if (result.errorCode !== ErrorCode.NONE) return errorResponse(request, result.errorCode);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: byTopic(result.partitions) };
    },
    errorResponse,
  };
}

function errorResponse(request: OffsetFetchRequest, errorCode: number): OffsetFetchResponse {
  const partitions = (request.topics ?? []).flatMap(({ name, partitionIndexes }) =>
    partitionIndexes.map(
      (partition): PartitionOffset => ({
        topic: name,
        partition,
        offset: -1,
        leaderEpoch: -1,
        metadata: '',
        errorCode,
      }),
    ),
  );
  return { throttleTimeMs: 0, errorCode, topics: byTopic(partitions) };
}

/** Groups partitions under their topic, topics in order of first appearance. */
function byTopic(partitions: readonly PartitionOffset[]): OffsetFetchResponseTopic[] {
  const topics = new Map<string, OffsetFetchResponseTopic>();
  for (const offset of partitions) {
    let topic = topics.get(offset.topic);
    if (topic === undefined) {
      topic = { name: offset.topic, partitions: [] };
      topics.set(offset.topic, topic);
    }
    topic.partitions.push({
      partitionIndex: offset.partition,
      committedOffset: offset.offset,
      committedLeaderEpoch: offset.leaderEpoch,
      metadata: offset.metadata,
      errorCode: offset.errorCode,
    });
  }
  return [...topics.values()];
}
