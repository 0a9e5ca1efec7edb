/**
 * Metadata: this broker as the only node, leader of every partition. Topics a client names
 * that do not exist are created with the broker's defaults when auto-creation is on (the
 * broker's setting and, v4+, the request's allowAutoTopicCreation), as Kafka does.
 */
import {
  ErrorCode,
  isKafkaError,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
  metadataApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { Topic, TopicRegistry } from '../topics/topic-registry.js';
import type { BrokerIdentity } from './broker-identity.js';

export interface MetadataDeps {
  readonly registry: TopicRegistry;
  readonly identity: () => BrokerIdentity;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitionCount: number;
}

export function createMetadataHandler(
  deps: MetadataDeps,
): ApiHandler<MetadataRequest, MetadataResponse> {
  const response = (topics: MetadataResponseTopic[]): MetadataResponse => {
    const identity = deps.identity();
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: identity.nodeId, host: identity.host, port: identity.port, rack: null }],
      clusterId: identity.clusterId,
      controllerId: identity.nodeId,
      topics,
    };
  };

  const describe = (topic: Topic): MetadataResponseTopic => {
    const { nodeId } = deps.identity();
    return {
      errorCode: ErrorCode.NONE,
      name: topic.name,
      isInternal: topic.internal,
      partitions: topic.partitions.map((_log, partitionIndex) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: nodeId,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        offlineReplicas: [],
      })),
    };
  };

  const describeOrCreate = async (
    name: string,
    allowAutoCreate: boolean,
  ): Promise<MetadataResponseTopic> => {
    const existing = deps.registry.topic(name);
    if (existing !== undefined) return describe(existing);
    if (!(deps.autoCreateTopics && allowAutoCreate)) {
      return errorTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    try {
      return describe(
        await deps.registry.createTopic(name, { partitionCount: deps.defaultPartitionCount }),
      );
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      // Another request may have created it meanwhile.
      const created = deps.registry.topic(name);
      return created !== undefined ? describe(created) : errorTopic(name, error.errorCode);
    }
  };

  return {
    api: metadataApi,
    async handle(request) {
      if (request.topics === null) {
        return response([...deps.registry.topics()].map(describe));
      }
      const topics: MetadataResponseTopic[] = [];
      for (const { name } of request.topics) {
        topics.push(await describeOrCreate(name, request.allowAutoTopicCreation));
      }
      return response(topics);
    },
    errorResponse: (request, errorCode) =>
      response((request.topics ?? []).map(({ name }) => errorTopic(name, errorCode))),
  };
}

function errorTopic(name: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, isInternal: false, partitions: [] };
}
