/**
 * ListOffsets: the earliest offset (timestamp -2), the latest (-1), or the first offset whose
 * timestamp is at or after a given time, found through the time index. Without transactions
 * the last stable offset is the high watermark, so isolation levels answer alike.
 */
import {
  ErrorCode,
  isKafkaError,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponsePartition,
  listOffsetsApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export function createListOffsetsHandler(
  registry: TopicRegistry,
): ApiHandler<ListOffsetsRequest, ListOffsetsResponse> {
  const lookUp = async (
    topic: string,
    partitionIndex: number,
    timestamp: number,
  ): Promise<ListOffsetsResponsePartition> => {
    const answer = (errorCode: number, offset = -1, at = -1) => ({
      partitionIndex,
      errorCode,
      timestamp: at,
      offset,
    });
    const log = registry.partitionLog(topic, partitionIndex);
    if (log === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (timestamp === EARLIEST_TIMESTAMP) return answer(ErrorCode.NONE, log.logStartOffset);
    if (timestamp === LATEST_TIMESTAMP) return answer(ErrorCode.NONE, log.highWatermark);
    if (timestamp < 0) return answer(ErrorCode.INVALID_REQUEST);
    try {
      const found = await log.offsetForTimestamp(timestamp);
      return found === null
        ? answer(ErrorCode.NONE)
        : answer(ErrorCode.NONE, found.offset, found.timestamp);
    } catch (error) {
      if (isKafkaError(error)) return answer(error.errorCode);
      throw error;
    }
  };

  return {
    api: listOffsetsApi,
    async handle(request) {
      const topics = [];
      for (const topic of request.topics) {
        const partitions = [];
        for (const partition of topic.partitions) {
          partitions.push(await lookUp(topic.name, partition.partitionIndex, partition.timestamp));
        }
        topics.push({ name: topic.name, partitions });
      }
      return { throttleTimeMs: 0, topics };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partitionIndex }) => ({
          partitionIndex,
          errorCode,
          timestamp: -1,
          offset: -1,
        })),
      })),
    }),
  };
}
