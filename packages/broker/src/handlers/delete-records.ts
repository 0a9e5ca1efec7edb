/**
 * DeleteRecords (KIP-107): moves each partition's logStartOffset up to the requested offset
 * (-1: the high watermark) and answers with the new logStartOffset as lowWatermark. As in
 * Kafka: an offset below the current logStartOffset changes nothing, one above the high
 * watermark is OFFSET_OUT_OF_RANGE, a compact-only topic is POLICY_VIOLATION, and an internal
 * topic is INVALID_TOPIC_EXCEPTION. timeoutMs is ignored: the deletion is done when answered.
 */
import {
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DeleteRecordsResponsePartition,
  deleteRecordsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { isInternalTopic } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

/** The request's offset for "up to the high watermark". */
export const HIGH_WATERMARK = -1;

export function createDeleteRecordsHandler(
  registry: TopicRegistry,
): ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> {
  const deleteBefore = async (
    name: string,
    partitionIndex: number,
    offset: number,
  ): Promise<DeleteRecordsResponsePartition> => {
    try {
      if (isInternalTopic(name)) {
        throw kafkaError(
          'INVALID_TOPIC_EXCEPTION',
          `cannot delete records of internal topic ${name}`,
        );
      }
      const log = registry.partitionLog(name, partitionIndex);
      if (log === undefined) {
        throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${name}-${partitionIndex} does not exist`);
      }
      if (log.config.cleanupPolicy === 'compact') {
        throw kafkaError(
          'POLICY_VIOLATION',
          `records of ${name}-${partitionIndex} cannot be deleted: cleanup.policy is compact`,
        );
      }
      const target = offset === HIGH_WATERMARK ? log.highWatermark : offset;
      if (target < 0 || target > log.highWatermark) {
        throw kafkaError(
          'OFFSET_OUT_OF_RANGE',
          `${name}-${partitionIndex}: offset ${offset} is outside [0, ${log.highWatermark}]`,
        );
      }
      await log.deleteRecordsBefore(target);
      return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return { partitionIndex, lowWatermark: -1, errorCode: error.errorCode };
    }
  };

  return {
    api: deleteRecordsApi,
    handle: async (request) => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async ({ name, partitions }) => ({
          name,
          partitions: await Promise.all(
            partitions.map((p) => deleteBefore(name, p.partitionIndex, p.offset)),
          ),
        })),
      ),
    }),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map(({ name, partitions }) => ({
        name,
        partitions: partitions.map(({ partitionIndex }) => ({
          partitionIndex,
          lowWatermark: -1,
          errorCode,
        })),
      })),
    }),
  };
}
