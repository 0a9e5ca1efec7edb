/**
 * Admin calls on configuration: DescribeConfigs, and IncrementalAlterConfigs (KIP-339: set,
 * delete, append or subtract single keys, leaving the others as they are). A broker's configs
 * are asked of that broker; topic configs of any broker. Config names are Kafka's
 * (`retention.ms`, `cleanup.policy`...).
 */
import { describeConfigsApi, incrementalAlterConfigsApi } from '@cairn/protocol';
import { check, groupBy, withRetries } from './admin-support.js';
import type { Cluster } from './cluster.js';

export type ConfigResourceType = 'topic' | 'broker';

/** Kafka's ConfigResource.Type codes. */
const resourceTypeCodes: Record<ConfigResourceType, number> = { topic: 2, broker: 4 };

/** Kafka's DescribeConfigsResponse.ConfigSource, by code. */
const configSources: Record<number, ConfigSource> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
};

export type ConfigSource =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG';

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
const operationCodes = { set: 0, delete: 1, append: 2, subtract: 3 } as const;
export type ConfigOperation = keyof typeof operationCodes;

export interface ConfigResource {
  type: ConfigResourceType;
  /** The topic name, or the broker's node id as a string. */
  name: string;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: ConfigSource;
}

export interface DescribedConfigs extends ConfigResource {
  configs: ConfigEntry[];
}

export interface ConfigChange {
  name: string;
  /** Not needed to delete. */
  value?: string | null;
  /** 'set' when not given. */
  operation?: ConfigOperation;
}

export interface ConfigAlteration extends ConfigResource {
  configs: ConfigChange[];
}

export async function describeConfigs(
  cluster: Cluster,
  resources: readonly (ConfigResource & { configNames?: string[] })[],
): Promise<DescribedConfigs[]> {
  const byTarget = groupBy(resources, targetOf);
  const answers = await Promise.all(
    [...byTarget].map(([target, group]) =>
      withRetries(cluster, () =>
        cluster.request(target, describeConfigsApi, {
          resources: group.map((resource) => ({
            resourceType: resourceTypeCodes[resource.type],
            resourceName: resource.name,
            configurationKeys: resource.configNames ?? null,
          })),
          includeSynonyms: false,
        }),
      ),
    ),
  );
  const results = answers.flatMap((answer) => answer.results);
  return resources.map((resource) => {
    const result = results.find(
      (candidate) =>
        candidate.resourceName === resource.name &&
        candidate.resourceType === resourceTypeCodes[resource.type],
    );
    if (result === undefined) throw new Error(`no DescribeConfigs answer for ${resource.name}`);
    check(result.errorCode, {
      errorMessage: result.errorMessage,
      ...(resource.type === 'topic' ? { topic: resource.name } : {}),
    });
    return {
      type: resource.type,
      name: resource.name,
      configs: result.configs.map((config) => {
        const source = configSources[config.configSource] ?? 'UNKNOWN';
        return {
          name: config.name,
          value: config.value,
          readOnly: config.readOnly,
          isDefault: config.isDefault || source === 'DEFAULT_CONFIG',
          isSensitive: config.isSensitive,
          source,
        };
      }),
    };
  });
}

/** Changes single config keys, leaving the rest (IncrementalAlterConfigs). */
export async function alterConfigs(
  cluster: Cluster,
  alterations: readonly ConfigAlteration[],
  options: { validateOnly?: boolean } = {},
): Promise<void> {
  const byTarget = groupBy(alterations, targetOf);
  await Promise.all(
    [...byTarget].map(async ([target, group]) => {
      const response = await withRetries(cluster, () =>
        cluster.request(target, incrementalAlterConfigsApi, {
          resources: group.map((alteration) => ({
            resourceType: resourceTypeCodes[alteration.type],
            resourceName: alteration.name,
            configs: alteration.configs.map((change) => ({
              name: change.name,
              configOperation: operationCodes[change.operation ?? 'set'],
              value: change.value ?? null,
            })),
          })),
          validateOnly: options.validateOnly ?? false,
        }),
      );
      for (const result of response.responses) {
        check(result.errorCode, {
          errorMessage: result.errorMessage,
          ...(result.resourceType === resourceTypeCodes.topic
            ? { topic: result.resourceName }
            : {}),
        });
      }
    }),
  );
}

/** A broker resource goes to that broker; a topic to any. */
function targetOf(resource: ConfigResource): number | 'any' {
  if (resource.type !== 'broker' || resource.name === '') return 'any';
  const nodeId = Number(resource.name);
  if (!Number.isInteger(nodeId)) throw new RangeError(`broker '${resource.name}' is not a node id`);
  return nodeId;
}
