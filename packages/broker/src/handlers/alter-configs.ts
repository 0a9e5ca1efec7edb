/**
 * AlterConfigs: replaces the whole override set of each topic with the request's configs (a
 * key left out, or sent with a null value, goes back to the broker's default), answered per
 * resource with its error code and message. validateOnly checks and changes nothing.
 * Broker resources are INVALID_REQUEST: the broker's configuration is set by its flags, and
 * Cairn has no dynamic broker configs. Internal topics are TOPIC_AUTHORIZATION_FAILED, a
 * resource listed twice INVALID_REQUEST, as in Kafka.
 */
import {
  type AlterConfigsRequest,
  type AlterConfigsRequestResource,
  type AlterConfigsResourceResponse,
  type AlterConfigsResponse,
  alterConfigsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { refuseInternalTopic, repeatedNames } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { ConfigResourceType } from './describe-configs.js';

/** What AlterConfigs and IncrementalAlterConfigs need to know of a resource. */
export interface ConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

export function createAlterConfigsHandler(
  registry: TopicRegistry,
): ApiHandler<AlterConfigsRequest, AlterConfigsResponse> {
  const alter = async (
    resource: AlterConfigsRequestResource,
    validateOnly: boolean,
    repeated: boolean,
  ): Promise<AlterConfigsResourceResponse> => {
    try {
      const topic = alterableTopic(resource, repeated);
      const configs = resource.configs.filter(({ value }) => value !== null);
      const overrides = Object.fromEntries(configs.map(({ name, value }) => [name, value ?? '']));
      await registry.replaceConfigs(topic, overrides, validateOnly);
      return resourceResult(resource, ErrorCode.NONE, null);
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return resourceResult(resource, error.errorCode, error.message);
    }
  };

  return {
    api: alterConfigsApi,
    async handle(request) {
      const repeated = repeatedResources(request.resources);
      const responses: AlterConfigsResourceResponse[] = [];
      for (const resource of request.resources) {
        const isRepeated = repeated.has(resourceKey(resource));
        responses.push(await alter(resource, request.validateOnly, isRepeated));
      }
      return { throttleTimeMs: 0, responses };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      responses: request.resources.map((resource) => resourceResult(resource, errorCode, null)),
    }),
  };
}

/**
 * The name of the topic `resource` is, when a client may alter its configs: throws
 * INVALID_REQUEST for a repeated resource, a broker or another resource type, and
 * TOPIC_AUTHORIZATION_FAILED for an internal topic.
 */
export function alterableTopic(resource: ConfigResource, repeated: boolean): string {
  const { resourceType, resourceName } = resource;
  if (repeated) {
    throw kafkaError('INVALID_REQUEST', `resource ${resourceType}/${resourceName} is listed twice`);
  }
  if (resourceType === ConfigResourceType.BROKER) {
    throw kafkaError(
      'INVALID_REQUEST',
      `broker '${resourceName}': Cairn's broker configs are set by its flags, not by requests`,
    );
  }
  if (resourceType !== ConfigResourceType.TOPIC) {
    throw kafkaError('INVALID_REQUEST', `unsupported config resource type ${resourceType}`);
  }
  refuseInternalTopic(resourceName, 'alter the configs of');
  return resourceName;
}

export function repeatedResources(resources: readonly ConfigResource[]): Set<string> {
  return repeatedNames(resources.map(resourceKey));
}

export function resourceKey(resource: ConfigResource): string {
  return `${resource.resourceType}/${resource.resourceName}`;
}

export function resourceResult(
  { resourceType, resourceName }: ConfigResource,
  errorCode: number,
  errorMessage: string | null,
): AlterConfigsResourceResponse {
  return { errorCode, errorMessage, resourceType, resourceName };
}
