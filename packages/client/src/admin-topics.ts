/**
 * Admin calls on topics: create, delete, add partitions (sent to the controller), and list and
 * describe them (Metadata, without creating anything). Each call throws the first per-topic
 * error as a KafkaClientError naming the topic; topics before it in the answer were handled.
 */
import {
  createPartitionsApi,
  createTopicsApi,
  deleteTopicsApi,
  ErrorCode,
  type MetadataResponse,
  metadataApi,
} from '@cairn/protocol';
import { check, controller, withRetries } from './admin-support.js';
import type { BrokerAddress, Cluster } from './cluster.js';
import { adminOperationTimeoutMsDefault } from './constants.js';

export interface NewTopic {
  topic: string;
  /** The broker's num.partitions when not given. */
  numPartitions?: number;
  /** The broker's default when not given. */
  replicationFactor?: number;
  /** Topic configs under Kafka's names, e.g. `{ 'retention.ms': '60000' }`. */
  configs?: Record<string, string>;
}

export interface TopicOptions {
  timeoutMs?: number;
  validateOnly?: boolean;
}

export interface TopicDescription {
  name: string;
  isInternal: boolean;
  partitions: {
    partition: number;
    leader: number;
    replicas: number[];
    isr: number[];
    errorCode: number;
  }[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerAddress[];
}

export async function createTopics(
  cluster: Cluster,
  topics: readonly NewTopic[],
  options: TopicOptions = {},
): Promise<void> {
  const response = await withRetries(cluster, async () =>
    cluster.request(await controller(cluster), createTopicsApi, {
      topics: topics.map((topic) => ({
        name: topic.topic,
        numPartitions: topic.numPartitions ?? -1,
        replicationFactor: topic.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: options.timeoutMs ?? adminOperationTimeoutMsDefault,
      validateOnly: options.validateOnly ?? false,
    }),
  );
  for (const result of response.topics) {
    check(result.errorCode, { topic: result.name, errorMessage: result.errorMessage });
  }
}

export async function deleteTopics(
  cluster: Cluster,
  topics: readonly string[],
  options: Omit<TopicOptions, 'validateOnly'> = {},
): Promise<void> {
  const response = await withRetries(cluster, async () =>
    cluster.request(await controller(cluster), deleteTopicsApi, {
      topicNames: [...topics],
      timeoutMs: options.timeoutMs ?? adminOperationTimeoutMsDefault,
    }),
  );
  for (const result of response.responses) check(result.errorCode, { topic: result.name });
}

/** Raises each topic's partition count to `count`. */
export async function createPartitions(
  cluster: Cluster,
  topics: readonly { topic: string; count: number }[],
  options: TopicOptions = {},
): Promise<void> {
  const response = await withRetries(cluster, async () =>
    cluster.request(await controller(cluster), createPartitionsApi, {
      topics: topics.map(({ topic, count }) => ({ name: topic, count, assignments: null })),
      timeoutMs: options.timeoutMs ?? adminOperationTimeoutMsDefault,
      validateOnly: options.validateOnly ?? false,
    }),
  );
  for (const result of response.results) {
    check(result.errorCode, { topic: result.name, errorMessage: result.errorMessage });
  }
}

/** Topic names, sorted; internal topics (__consumer_offsets) only when asked. */
export async function listTopics(
  cluster: Cluster,
  options: { includeInternal?: boolean } = {},
): Promise<string[]> {
  const response = await metadataOf(cluster, null);
  return response.topics
    .filter((topic) => options.includeInternal === true || !topic.isInternal)
    .map((topic) => topic.name)
    .sort();
}

/** Partitions, leaders and replicas of `topics` (every topic when not given). */
export async function describeTopics(
  cluster: Cluster,
  topics?: readonly string[],
): Promise<TopicDescription[]> {
  const response = await metadataOf(cluster, topics === undefined ? null : [...topics]);
  return response.topics.map((topic) => {
    check(topic.errorCode, { topic: topic.name });
    return {
      name: topic.name,
      isInternal: topic.isInternal,
      partitions: topic.partitions
        .map((partition) => ({
          partition: partition.partitionIndex,
          leader: partition.leaderId,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
          errorCode: partition.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition),
    };
  });
}

export async function describeCluster(cluster: Cluster): Promise<ClusterDescription> {
  const response = await metadataOf(cluster, []);
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    brokers: response.brokers
      .map((broker) => ({
        nodeId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        rack: broker.rack,
      }))
      .sort((a, b) => a.nodeId - b.nodeId),
  };
}

/** A Metadata request that never creates topics (the cache is left alone). */
function metadataOf(cluster: Cluster, topics: string[] | null): Promise<MetadataResponse> {
  return withRetries(cluster, async () => {
    const response = await cluster.request('any', metadataApi, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
    });
    // A topic still being created has no leader yet: ask again.
    for (const topic of response.topics) {
      if (topic.errorCode === ErrorCode.LEADER_NOT_AVAILABLE)
        check(topic.errorCode, { topic: topic.name });
    }
    return response;
  });
}
