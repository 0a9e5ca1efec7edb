/**
 * OffsetCommit: the coordinator checks the group's generation and member, writes the offsets
 * to __consumer_offsets and answers once they are fsync'd. A partition this broker does not
 * have is answered UNKNOWN_TOPIC_OR_PARTITION and not committed, as Kafka does.
 */
import {
  ErrorCode,
  type OffsetCommitRequest,
  type OffsetCommitRequestPartition,
  type OffsetCommitResponse,
  offsetCommitApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { PartitionCommit } from '../groups/coordinator-api.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

/** Whether this broker has the partition; absent, every partition is taken as existing. */
export type PartitionExists = (topic: string, partition: number) => boolean;

export function createOffsetCommitHandler(
  coordinator: GroupCoordinator,
  partitionExists: PartitionExists = () => true,
): ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
  return {
    api: offsetCommitApi,
    async handle(request) {
      // Existence is decided once, before the await: a topic deleted meanwhile changes nothing.
      const commits: (PartitionCommit | null)[] = request.topics.flatMap((topic) =>
        topic.partitions.map((partition) =>
          partitionExists(topic.name, partition.partitionIndex)
            ? toCommit(topic.name, partition)
            : null,
        ),
      );
      const results = await coordinator.commitOffsets({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        partitions: commits.filter((commit) => commit !== null),
      });
      // Results come in the order of the commits: the existing partitions in request order.
      let resultIndex = 0;
      const errorCodes = commits.map((commit) =>
        commit === null
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : (results[resultIndex++]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR),
      );
      let codeIndex = 0;
      return respond(request, () => errorCodes[codeIndex++] ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    },
    errorResponse: (request, errorCode) => respond(request, () => errorCode),
  };
}

function toCommit(topic: string, partition: OffsetCommitRequestPartition): PartitionCommit {
  const commit: PartitionCommit = {
    topic,
    partition: partition.partitionIndex,
    offset: partition.committedOffset,
    leaderEpoch: partition.committedLeaderEpoch,
    metadata: partition.committedMetadata,
  };
  // Only v1 carries a commit timestamp; -1 means "now", the coordinator's clock.
  return partition.commitTimestamp === -1
    ? commit
    : { ...commit, commitTimestamp: partition.commitTimestamp };
}

/** The response in request order; `nextErrorCode` is called once per partition, in order. */
function respond(request: OffsetCommitRequest, nextErrorCode: () => number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex }) => ({
        partitionIndex,
        errorCode: nextErrorCode(),
      })),
    })),
  };
}
