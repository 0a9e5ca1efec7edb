/**
 * IncrementalAlterConfigs (KIP-339): per topic, operations on single keys, the others left as
 * they are: 0 SET, 1 DELETE (back to the broker's default), 2 APPEND and 3 SUBTRACT (list
 * configs only: cleanup.policy, the replication throttle lists; INVALID_CONFIG for others). As
 * in Kafka, a key named twice, a null value for anything but DELETE and an unknown operation
 * are INVALID_REQUEST; the per-resource answers and resource rules are config-alteration.ts's,
 * shared with AlterConfigs. validateOnly checks and changes nothing.
 */
import {
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsRequestConfig,
  type IncrementalAlterConfigsRequestResource,
  type IncrementalAlterConfigsResponse,
  incrementalAlterConfigsApi,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { ConfigOperation } from '../topics/topic-config.js';
import { repeatedNames } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { createConfigAlterationHandler } from './config-alteration.js';

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
  return createConfigAlterationHandler(
    incrementalAlterConfigsApi,
    (topic, resource: IncrementalAlterConfigsRequestResource, validateOnly) =>
      registry.alterConfigs(topic, configOperations(resource.configs), validateOnly),
  );
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
