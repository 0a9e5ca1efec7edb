/**
 * What AlterConfigs and IncrementalAlterConfigs share: each resource is altered on its own, in
 * request order, and answered with its error code and message, so one bad resource fails only
 * itself. The resource rules are Kafka's: a resource listed twice and a broker or another
 * resource type are INVALID_REQUEST (Cairn's broker configs are set by its flags, and it has
 * no dynamic broker configs), an internal topic TOPIC_AUTHORIZATION_FAILED. Only how a topic's
 * configs change differs between the two APIs: the `alterTopic` each passes in.
 */
import { type AnyApi, ErrorCode, isKafkaError, kafkaError } from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { refuseInternalTopic, repeatedNames } from '../topics/topic-name.js';
import { ConfigResourceType } from './describe-configs.js';

/** What both APIs' requests say of a resource. */
export interface ConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

/** Both APIs' per-resource answer. */
export interface ConfigResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

interface ConfigAlterationRequest<Resource extends ConfigResource> {
  readonly resources: readonly Resource[];
  readonly validateOnly: boolean;
}

interface ConfigAlterationResponse {
  throttleTimeMs: number;
  responses: ConfigResourceResponse[];
}

/**
 * A handler for `api` that alters each resource's topic through `alterTopic` (which throws a
 * KafkaError to refuse it) once the resource rules above let it.
 */
export function createConfigAlterationHandler<Resource extends ConfigResource>(
  api: AnyApi,
  alterTopic: (topic: string, resource: Resource, validateOnly: boolean) => Promise<unknown>,
): ApiHandler<ConfigAlterationRequest<Resource>, ConfigAlterationResponse> {
  const alter = async (
    resource: Resource,
    validateOnly: boolean,
    repeated: boolean,
  ): Promise<ConfigResourceResponse> => {
    try {
      await alterTopic(alterableTopic(resource, repeated), resource, validateOnly);
      return resourceResult(resource, ErrorCode.NONE, null);
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return resourceResult(resource, error.errorCode, error.message);
    }
  };

  return {
    api,
    async handle(request) {
      const repeated = repeatedNames(request.resources.map(resourceKey));
      const responses: ConfigResourceResponse[] = [];
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
function alterableTopic(resource: ConfigResource, repeated: boolean): string {
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

function resourceKey(resource: ConfigResource): string {
  return `${resource.resourceType}/${resource.resourceName}`;
}

function resourceResult(
  { resourceType, resourceName }: ConfigResource,
  errorCode: number,
  errorMessage: string | null,
): ConfigResourceResponse {
  return { errorCode, errorMessage, resourceType, resourceName };
}
