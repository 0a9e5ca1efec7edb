/**
 * CreateTopics: each topic is created on its own and answered with its own error code and
 * message, as Kafka does. A partition count of -1 takes the broker's default; the replication
 * factor must be -1 or 1 (one broker); manual assignments are accepted only when they place
 * every partition on this broker, and then give the partition count. The request's configs
 * become the topic's overrides. validateOnly checks everything and creates nothing; timeoutMs
 * is ignored, as creation is done before the response.
 */
import {
  type CreateTopicsRequest,
  type CreateTopicsRequestTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseTopic,
  createTopicsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import {
  validateAssignedPartitions,
  validateReplicaAssignment,
} from '../topics/replica-assignment.js';
import { refuseInternalTopic, repeatedNames, validateTopicName } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

/** numPartitions and replicationFactor: "use the broker's default" (KIP-464). */
const BROKER_DEFAULT = -1;

export interface CreateTopicsDeps {
  readonly registry: TopicRegistry;
  readonly nodeId: number;
  readonly defaultPartitionCount: number;
}

export function createCreateTopicsHandler(
  deps: CreateTopicsDeps,
): ApiHandler<CreateTopicsRequest, CreateTopicsResponse> {
  const create = async (
    topic: CreateTopicsRequestTopic,
    validateOnly: boolean,
    repeated: boolean,
  ): Promise<CreateTopicsResponseTopic> => {
    const { name } = topic;
    try {
      if (repeated) throw kafkaError('INVALID_REQUEST', `topic '${name}' is listed twice`);
      validateTopicName(name);
      refuseInternalTopic(name, 'create');
      if (deps.registry.topic(name) !== undefined) {
        throw kafkaError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`);
      }
      const partitionCount = requestedPartitionCount(topic, deps);
      const configs = requestedConfigs(topic);
      await deps.registry.createTopic(name, { partitionCount, configs, validateOnly });
      return { name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return { name, errorCode: error.errorCode, errorMessage: error.message };
    }
  };

  return {
    api: createTopicsApi,
    async handle(request) {
      const repeated = repeatedNames(request.topics.map(({ name }) => name));
      const topics: CreateTopicsResponseTopic[] = [];
      for (const topic of request.topics) {
        topics.push(await create(topic, request.validateOnly, repeated.has(topic.name)));
      }
      return { throttleTimeMs: 0, topics };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map(({ name }) => ({ name, errorCode, errorMessage: null })),
    }),
  };
}

/** The partition count the request asks for, after checking replication and assignments. */
function requestedPartitionCount(topic: CreateTopicsRequestTopic, deps: CreateTopicsDeps): number {
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== BROKER_DEFAULT || topic.replicationFactor !== BROKER_DEFAULT) {
      throw kafkaError(
        'INVALID_REQUEST',
        'numPartitions and replicationFactor must be -1 when replica assignments are given',
      );
    }
    validateAssignedPartitions(topic.assignments.map((a) => a.partitionIndex));
    for (const { partitionIndex, brokerIds } of topic.assignments) {
      validateReplicaAssignment(brokerIds, deps.nodeId, partitionIndex);
    }
    return topic.assignments.length;
  }
  validateReplicationFactor(topic.replicationFactor);
  return topic.numPartitions === BROKER_DEFAULT ? deps.defaultPartitionCount : topic.numPartitions;
}

function validateReplicationFactor(replicationFactor: number): void {
  if (replicationFactor === BROKER_DEFAULT || replicationFactor === 1) return;
  throw kafkaError(
    'INVALID_REPLICATION_FACTOR',
    replicationFactor < 1
      ? `replication factor ${replicationFactor} must be at least 1, or -1 for the default`
      : `replication factor ${replicationFactor} is more than the 1 broker of this cluster`,
  );
}

/** The configs as overrides, the last of a repeated name winning; a null value is refused. */
function requestedConfigs(topic: CreateTopicsRequestTopic): Record<string, string> {
  const nulls = topic.configs.filter(({ value }) => value === null).map(({ name }) => name);
  if (nulls.length > 0) {
    throw kafkaError(
      'INVALID_CONFIG',
      `null value not supported for topic configs: ${nulls.join(', ')}`,
    );
  }
  return Object.fromEntries(topic.configs.map(({ name, value }) => [name, value ?? '']));
}
