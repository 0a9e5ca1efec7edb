/**
 * CreatePartitions: grows each topic to `count` partitions in all (Kafka never shrinks them),
 * answered per topic with its error code and message. Manual assignments, when given, must
 * list one entry per new partition, each placing it on this broker alone. validateOnly checks
 * everything and adds nothing; timeoutMs is ignored. Internal topics are refused with
 * TOPIC_AUTHORIZATION_FAILED.
 */
import {
  type CreatePartitionsRequest,
  type CreatePartitionsRequestTopic,
  type CreatePartitionsResponse,
  type CreatePartitionsResponseResult,
  createPartitionsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { validateReplicaAssignment } from '../topics/replica-assignment.js';
import { refuseInternalTopic, repeatedNames } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export interface CreatePartitionsDeps {
  readonly registry: TopicRegistry;
  readonly nodeId: number;
}

export function createCreatePartitionsHandler(
  deps: CreatePartitionsDeps,
): ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> {
  const grow = async (
    topic: CreatePartitionsRequestTopic,
    validateOnly: boolean,
    repeated: boolean,
  ): Promise<CreatePartitionsResponseResult> => {
    const { name } = topic;
    try {
      if (repeated) throw kafkaError('INVALID_REQUEST', `topic '${name}' is listed twice`);
      refuseInternalTopic(name, 'add partitions to');
      const existing = deps.registry.topic(name);
      if (existing === undefined) {
        throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`);
      }
      const currentCount = existing.partitions.length;
      if (topic.count > currentCount) validateAssignments(topic, currentCount, deps.nodeId);
      await deps.registry.createPartitions(name, topic.count, validateOnly);
      return { name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return { name, errorCode: error.errorCode, errorMessage: error.message };
    }
  };

  return {
    api: createPartitionsApi,
    async handle(request) {
      const repeated = repeatedNames(request.topics.map(({ name }) => name));
      const results: CreatePartitionsResponseResult[] = [];
      for (const topic of request.topics) {
        results.push(await grow(topic, request.validateOnly, repeated.has(topic.name)));
      }
      return { throttleTimeMs: 0, results };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      results: request.topics.map(({ name }) => ({ name, errorCode, errorMessage: null })),
    }),
  };
}

/** One assignment per new partition (numbered from `currentCount`), each on this broker. */
function validateAssignments(
  topic: CreatePartitionsRequestTopic,
  currentCount: number,
  nodeId: number,
): void {
  if (topic.assignments === null) return;
  const addedCount = topic.count - currentCount;
  if (topic.assignments.length !== addedCount) {
    throw kafkaError(
      'INVALID_REPLICA_ASSIGNMENT',
      `adding ${addedCount} partitions to '${topic.name}' takes ${addedCount} assignments; ` +
        `the request has ${topic.assignments.length}`,
    );
  }
  topic.assignments.forEach(({ brokerIds }, index) => {
    validateReplicaAssignment(brokerIds, nodeId, currentCount + index);
  });
}
