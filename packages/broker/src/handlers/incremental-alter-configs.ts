/**
 * IncrementalAlterConfigs (KIP-339): per topic, operations on single keys, the others left as
 * they are: 0 SET, 1 DELETE (back to the broker's default), 2 APPEND and 3 SUBTRACT (list
 * configs only, cleanup.policy: INVALID_CONFIG for others). As in Kafka, a key named twice, a
 * null value for anything but DELETE and an unknown operation are INVALID_REQUEST, and the
 * resource rules are AlterConfigs' (alterableTopic). validateOnly checks and changes nothing.
 */
import {
  ErrorCode,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsRequestConfig,
  type IncrementalAlterConfigsRequestResource,
  type IncrementalAlterConfigsResourceResponse,
  type IncrementalAlterConfigsResponse,
  incrementalAlterConfigsApi,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { ConfigOperation } from '../topics/topic-config.js';
import { repeatedNames } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { alterableTopic, repeatedResources, resourceKey, resourceResult } from './alter-configs.js';

/** Kafka's AlterConfigOp.OpType ids, by the operation each names. */
const operationsById: ReadonlyMap<number, ConfigOperation['op']> = new Map([
  [0, 'set'],
  [1, 'delete'],
  [2, 'append'],
  [3, 'subtract'],
] as const);

export function createIncrementalAlterConfigsHandler(
  registry: TopicRegistry,
): ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
  const alter = async (
    resource: IncrementalAlterConfigsRequestResource,
    validateOnly: boolean,
    repeated: boolean,
  ): Promise<IncrementalAlterConfigsResourceResponse> => {
    try {
      const topic = alterableTopic(resource, repeated);
      await registry.alterConfigs(topic, configOperations(resource.configs), validateOnly);
      return resourceResult(resource, ErrorCode.NONE, null);
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return resourceResult(resource, error.errorCode, error.message);
    }
  };

  return {
    api: incrementalAlterConfigsApi,
    async handle(request) {
      const repeated = repeatedResources(request.resources);
      const responses: IncrementalAlterConfigsResourceResponse[] = [];
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

/** The request's configs as registry operations; INVALID_REQUEST as Kafka's preprocessing. */
function configOperations(
  configs: readonly IncrementalAlterConfigsRequestConfig[],
): ConfigOperation[] {
  const repeated = repeatedNames(configs.map(({ name }) => name));
  if (repeated.size > 0) {
    throw kafkaError(
      'INVALID_REQUEST',
      `config keys named more than once: ${[...repeated].join(', ')}`,
    );
  }
  return configs.map(({ name, configOperation, value }): ConfigOperation => {
    const op = operationsById.get(configOperation);
    if (op === undefined) {
      throw kafkaError('INVALID_REQUEST', `unknown config operation ${configOperation} (${name})`);
    }
    if (op === 'delete') return { op, name };
    if (value === null) throw kafkaError('INVALID_REQUEST', `null value for ${op} of ${name}`);
    return { op, name, value };
  });
}
