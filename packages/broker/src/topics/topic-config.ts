/**
 * Per-topic configuration under Kafka's names (`retention.ms`, `segment.bytes`, ...): they are
 * part of the interface, kept verbatim. A topic stores only its overrides; the effective
 * LogConfig is the broker defaults with the overrides applied. Values are validated here, so a
 * bad value is an INVALID_CONFIG naming the key and the value before anything changes.
 */
import type { LogConfig } from '@cairn/log';
import { kafkaError } from '@cairn/protocol';

export type TopicConfigOverrides = Readonly<Record<string, string>>;

interface ConfigKey {
  readonly field: keyof LogConfig;
  readonly parse: (value: string) => LogConfig[keyof LogConfig] | undefined;
  readonly doc: string;
}

const intAtLeast = (min: number) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) && parsed >= min ? parsed : undefined;
};

const oneOf =
  <T extends string>(...allowed: T[]) =>
  (value: string) =>
    allowed.find((candidate) => candidate === value.trim());

const cleanupPolicy = (value: string) => {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const set = new Set(parts);
  if (parts.length === 0 || [...set].some((part) => part !== 'delete' && part !== 'compact')) {
    return undefined;
  }
  if (set.size === 2) return 'compact,delete' as const;
  return parts[0] as 'delete' | 'compact';
};

export const topicConfigKeys: Readonly<Record<string, ConfigKey>> = {
  'cleanup.policy': { field: 'cleanupPolicy', parse: cleanupPolicy, doc: 'delete, compact' },
  'retention.ms': { field: 'retentionMs', parse: intAtLeast(-1), doc: 'ms, -1 = forever' },
  'retention.bytes': { field: 'retentionBytes', parse: intAtLeast(-1), doc: 'bytes, -1 = none' },
  'segment.bytes': { field: 'segmentBytes', parse: intAtLeast(14), doc: 'bytes' },
  'segment.ms': { field: 'segmentMs', parse: intAtLeast(1), doc: 'ms' },
  'max.message.bytes': { field: 'maxMessageBytes', parse: intAtLeast(0), doc: 'bytes' },
  'index.interval.bytes': { field: 'indexIntervalBytes', parse: intAtLeast(0), doc: 'bytes' },
  'delete.retention.ms': { field: 'deleteRetentionMs', parse: intAtLeast(0), doc: 'ms' },
  'flush.ms': { field: 'flushMs', parse: intAtLeast(0), doc: 'ms' },
  'message.timestamp.type': {
    field: 'messageTimestampType',
    parse: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'CreateTime, LogAppendTime',
  },
};

/** Throws INVALID_CONFIG naming the first unknown key or bad value. */
export function validateTopicConfigs(overrides: TopicConfigOverrides): void {
  for (const [name, value] of Object.entries(overrides)) {
    const key = topicConfigKeys[name];
    if (key === undefined) {
      throw kafkaError('INVALID_CONFIG', `unknown topic config '${name}'`);
    }
    if (key.parse(value) === undefined) {
      throw kafkaError('INVALID_CONFIG', `invalid value '${value}' for ${name} (${key.doc})`);
    }
  }
}

/** The effective log config: broker defaults with the topic's (validated) overrides applied. */
export function resolveLogConfig(defaults: LogConfig, overrides: TopicConfigOverrides): LogConfig {
  validateTopicConfigs(overrides);
  const config: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(overrides)) {
    const key = topicConfigKeys[name]!;
    config[key.field] = key.parse(value);
  }
  return config as unknown as LogConfig;
}

export interface TopicConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
}

/** Every topic config with its effective value and whether it is the broker default. */
export function describeTopicConfigs(
  defaults: LogConfig,
  overrides: TopicConfigOverrides,
): TopicConfigEntry[] {
  const effective = resolveLogConfig(defaults, overrides);
  return Object.entries(topicConfigKeys).map(([name, key]) => ({
    name,
    value: String(effective[key.field]),
    isDefault: overrides[name] === undefined,
  }));
}
