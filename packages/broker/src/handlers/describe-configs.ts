/**
 * DescribeConfigs: the configs of topics and of this broker, each with where its value comes
 * from (ConfigSource: 1 the topic's override, 4 the broker's flags, 5 Kafka's default) and,
 * when asked, its synonyms, the most specific first. All keys when configurationKeys is null or
 * empty, else those of them that exist. A broker answers for its own id with its few settings,
 * all read-only (they are set by flags), and for '' (cluster-wide dynamic defaults) with none,
 * as Kafka does; another id or a resource type other than topic and broker is INVALID_REQUEST.
 */
import {
  type DescribeConfigsRequest,
  type DescribeConfigsRequestResource,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseConfig,
  type DescribeConfigsResponseResult,
  describeConfigsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { replicationFactor } from '../topics/stored-topic-configs.js';
import {
  type ConfigEntry,
  type ConfigSourceName,
  describeBrokerLogConfigs,
  describeTopicConfigs,
} from '../topics/topic-config.js';
import { validateTopicName } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

/** Kafka's ConfigResource.Type ids that Cairn answers for. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's ConfigSource ids (DescribeConfigsResponse.json). */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

const sourceIds: Readonly<Record<ConfigSourceName, number>> = {
  topic: ConfigSource.DYNAMIC_TOPIC_CONFIG,
  broker: ConfigSource.STATIC_BROKER_CONFIG,
  default: ConfigSource.DEFAULT_CONFIG,
};

/** Kafka's default of a broker setting Cairn reports besides the log ones. */
const kafkaDefaultPartitionCount = 1;

export interface DescribeConfigsDeps {
  readonly registry: TopicRegistry;
  readonly nodeId: number;
  readonly defaultPartitionCount: number;
}

export function createDescribeConfigsHandler(
  deps: DescribeConfigsDeps,
): ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> {
  const topicEntries = (name: string): ConfigEntry[] => {
    const topic = deps.registry.topic(name);
    if (topic === undefined) {
      validateTopicName(name);
      throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`);
    }
    return describeTopicConfigs(deps.registry.defaultLogConfig, topic.configs);
  };

  const brokerEntries = (name: string): ConfigEntry[] => {
    if (name === '') return [];
    if (name !== String(deps.nodeId)) {
      throw kafkaError(
        'INVALID_REQUEST',
        `unexpected broker id '${name}': this broker is ${deps.nodeId} ('' for cluster defaults)`,
      );
    }
    return [
      staticEntry('broker.id', deps.nodeId, null),
      staticEntry('num.partitions', deps.defaultPartitionCount, kafkaDefaultPartitionCount),
      staticEntry('default.replication.factor', replicationFactor, replicationFactor),
      ...describeBrokerLogConfigs(deps.registry.defaultLogConfig),
    ];
  };

  const describe = (
    resource: DescribeConfigsRequestResource,
    includeSynonyms: boolean,
  ): DescribeConfigsResponseResult => {
    const { resourceType, resourceName, configurationKeys } = resource;
    try {
      const isTopic = resourceType === ConfigResourceType.TOPIC;
      if (!isTopic && resourceType !== ConfigResourceType.BROKER) {
        throw kafkaError('INVALID_REQUEST', `unsupported config resource type ${resourceType}`);
      }
      const entries = isTopic ? topicEntries(resourceName) : brokerEntries(resourceName);
      const wanted = configurationKeys?.length ? new Set(configurationKeys) : null;
      const configs = entries
        .filter((entry) => wanted === null || wanted.has(entry.name))
        .map((entry) => responseConfig(entry, !isTopic, includeSynonyms));
      return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs };
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      const { errorCode, message } = error;
      return { errorCode, errorMessage: message, resourceType, resourceName, configs: [] };
    }
  };

  return {
    api: describeConfigsApi,
    handle: (request) => ({
      throttleTimeMs: 0,
      results: request.resources.map((resource) => describe(resource, request.includeSynonyms)),
    }),
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      results: request.resources.map(({ resourceType, resourceName }) => ({
        errorCode,
        errorMessage: null,
        resourceType,
        resourceName,
        configs: [],
      })),
    }),
  };
}

function responseConfig(
  entry: ConfigEntry,
  readOnly: boolean,
  includeSynonyms: boolean,
): DescribeConfigsResponseConfig {
  return {
    name: entry.name,
    value: entry.value,
    readOnly,
    isDefault: entry.isDefault,
    configSource: sourceIds[entry.source],
    isSensitive: false,
    synonyms: includeSynonyms
      ? entry.synonyms.map(({ name, value, source }) => ({
          name,
          value,
          source: sourceIds[source],
        }))
      : [],
  };
}

/** A broker setting given by flags; `kafkaDefault` null when Kafka has no default for it. */
function staticEntry(name: string, value: number, kafkaDefault: number | null): ConfigEntry {
  const source: ConfigSourceName = value === kafkaDefault ? 'default' : 'broker';
  return {
    name,
    value: String(value),
    isDefault: source === 'default',
    source,
    synonyms: [{ name, value: String(value), source }],
  };
}
