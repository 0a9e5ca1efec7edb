/**
 * Per-topic configuration under Kafka's names (`retention.ms`, `segment.bytes`, ...): they are
 * part of the interface, kept verbatim. A topic stores only its overrides; the effective
 * LogConfig is the broker defaults with the overrides applied. Values are validated here, so a
 * bad value is an INVALID_CONFIG naming the key and the value before anything changes.
 *
 * Each key also names its broker-level synonym (`log.retention.ms` for `retention.ms`), the
 * setting whose value a topic without an override gets, as DescribeConfigs reports it.
 *
 * These are the configs Cairn implements; every other config Kafka's TopicConfig knows is
 * accepted, validated and stored without effect (stored-topic-configs.ts). Any other name is
 * INVALID_CONFIG naming it.
 */
import { defaultLogConfig, type LogConfig, validateLogConfig } from '@cairn/log';
import { kafkaError } from '@cairn/protocol';
import {
  intIn,
  longAtLeast,
  type StoredConfigKey,
  storedConfigKey,
  storedTopicConfigKeys,
} from './stored-topic-configs.js';

export type TopicConfigOverrides = Readonly<Record<string, string>>;

interface ConfigKey {
  readonly field: keyof LogConfig;
  readonly parse: (value: string) => LogConfig[keyof LogConfig] | undefined;
  readonly doc: string;
  /** Kafka's broker config that supplies the default (TopicConfigSynonyms). */
  readonly brokerName: string;
  /** A comma-separated list: IncrementalAlterConfigs may APPEND to and SUBTRACT from it. */
  readonly list?: true;
}

/** An INT config (int32) of at least `min`. */
const intAtLeast = (min: number) => (value: string) =>
  intIn(min)(value) ? Number(value.trim()) : undefined;

/**
 * A LONG config of at least `min`. Kafka's "forever" is Long.MAX_VALUE, which clients send
 * (9223372036854775807); values past 2^53 mean the same here and are taken as 2^53 - 1.
 */
const longParse = (min: number) => (value: string) =>
  longAtLeast(min)(value)
    ? Math.min(Number(BigInt(value.trim())), Number.MAX_SAFE_INTEGER)
    : undefined;

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
  'cleanup.policy': {
    field: 'cleanupPolicy',
    parse: cleanupPolicy,
    doc: 'delete, compact',
    brokerName: 'log.cleanup.policy',
    list: true,
  },
  'retention.ms': {
    field: 'retentionMs',
    parse: longParse(-1),
    doc: 'ms, -1 = forever',
    brokerName: 'log.retention.ms',
  },
  'retention.bytes': {
    field: 'retentionBytes',
    parse: longParse(-1),
    doc: 'bytes, -1 = none',
    brokerName: 'log.retention.bytes',
  },
  'segment.bytes': {
    field: 'segmentBytes',
    parse: intAtLeast(14),
    doc: 'bytes',
    brokerName: 'log.segment.bytes',
  },
  'segment.ms': { field: 'segmentMs', parse: longParse(1), doc: 'ms', brokerName: 'log.roll.ms' },
  'max.message.bytes': {
    field: 'maxMessageBytes',
    parse: intAtLeast(0),
    doc: 'bytes',
    brokerName: 'message.max.bytes',
  },
  'index.interval.bytes': {
    field: 'indexIntervalBytes',
    parse: intAtLeast(0),
    doc: 'bytes',
    brokerName: 'log.index.interval.bytes',
  },
  'delete.retention.ms': {
    field: 'deleteRetentionMs',
    parse: longParse(0),
    doc: 'ms',
    brokerName: 'log.cleaner.delete.retention.ms',
  },
  'flush.ms': {
    field: 'flushMs',
    parse: longParse(0),
    doc: 'ms',
    brokerName: 'log.flush.interval.ms',
  },
  'message.timestamp.type': {
    field: 'messageTimestampType',
    parse: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'CreateTime, LogAppendTime',
    brokerName: 'log.message.timestamp.type',
  },
};

/** The key named `name`; never one of Object.prototype's (`constructor`, `__proto__`). */
function configKey(name: string): ConfigKey | undefined {
  return Object.hasOwn(topicConfigKeys, name) ? topicConfigKeys[name] : undefined;
}

/** Every topic config name Cairn knows: those it implements, then those it only stores. */
export const topicConfigNames: readonly string[] = [
  ...Object.keys(topicConfigKeys),
  ...Object.keys(storedTopicConfigKeys),
];

/** Throws INVALID_CONFIG naming the first unknown key or bad value. */
export function validateTopicConfigs(overrides: TopicConfigOverrides): void {
  for (const [name, value] of Object.entries(overrides)) {
    const key = configKey(name);
    const stored = key === undefined ? storedConfigKey(name) : undefined;
    if (key === undefined && stored === undefined) {
      throw kafkaError('INVALID_CONFIG', `unknown topic config '${name}'`);
    }
    const valid = key !== undefined ? key.parse(value) !== undefined : stored?.check(value);
    if (!valid) {
      const doc = key?.doc ?? stored?.doc;
      throw kafkaError('INVALID_CONFIG', `invalid value '${value}' for ${name} (${doc})`);
    }
  }
}

/**
 * The effective log config: broker defaults with the topic's overrides applied. Throws
 * INVALID_CONFIG for a bad override, or for a value the log would refuse to open with
 * (`segment.bytes` above its limit), so such a value is never persisted.
 */
export function resolveLogConfig(defaults: LogConfig, overrides: TopicConfigOverrides): LogConfig {
  validateTopicConfigs(overrides);
  const config: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(overrides)) {
    const key = configKey(name);
    if (key !== undefined) config[key.field] = key.parse(value);
  }
  const resolved = config as unknown as LogConfig;
  validateLogConfig(resolved);
  return resolved;
}

/** An IncrementalAlterConfigs change to a list config. */
export interface ListOperation {
  op: 'append' | 'subtract';
  name: string;
  value: string;
}

/** One change of IncrementalAlterConfigs (KIP-339). */
export type ConfigOperation =
  | { op: 'set'; name: string; value: string }
  | { op: 'delete'; name: string }
  | ListOperation;

/**
 * `overrides` after `operations`, in order. APPEND and SUBTRACT treat the current value (the
 * override, else the broker default) as a comma-separated list and add the missing items or
 * remove the listed ones; they are for list configs only (cleanup.policy), INVALID_CONFIG
 * otherwise, as in Kafka. The result is not validated: resolveLogConfig does that.
 */
export function applyConfigOperations(
  defaults: LogConfig,
  overrides: TopicConfigOverrides,
  operations: readonly ConfigOperation[],
): Record<string, string> {
  const changed = new Map(Object.entries(overrides));
  for (const operation of operations) {
    const { name } = operation;
    if (operation.op === 'delete') changed.delete(name);
    else if (operation.op === 'set') changed.set(name, operation.value);
    else changed.set(name, editedList(defaults, changed.get(name), operation));
  }
  return Object.fromEntries(changed);
}

function editedList(
  defaults: LogConfig,
  override: string | undefined,
  operation: ListOperation,
): string {
  const key = configKey(operation.name);
  const stored = storedConfigKey(operation.name);
  if (key?.list !== true && stored?.list !== true) {
    throw kafkaError(
      'INVALID_CONFIG',
      `${operation.op} is for list configs; ${operation.name} is not one`,
    );
  }
  const fallback = key !== undefined ? String(defaults[key.field]) : (stored?.kafkaDefault ?? '');
  const current = listItems(override ?? fallback);
  const items = listItems(operation.value);
  const edited =
    operation.op === 'append'
      ? [...current, ...items.filter((item) => !current.includes(item))]
      : current.filter((item) => !items.includes(item));
  return edited.join(',');
}

function listItems(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Where a value comes from, most specific first: Kafka's ConfigSource, for DescribeConfigs. */
export type ConfigSourceName = 'topic' | 'broker' | 'default';

export interface ConfigSynonym {
  name: string;
  value: string;
  source: ConfigSourceName;
}

export interface ConfigEntry {
  name: string;
  value: string;
  /** True when no override sets it: for a broker setting, when it is Kafka's default. */
  isDefault: boolean;
  source: ConfigSourceName;
  /** Every level that sets the value, the one in effect first (Kafka's synonyms). */
  synonyms: ConfigSynonym[];
}

/**
 * Every topic config with its effective value and where it comes from: the topic's override,
 * the broker's setting (a default that differs from Kafka's, given by flags), or Kafka's default.
 */
export function describeTopicConfigs(
  defaults: LogConfig,
  overrides: TopicConfigOverrides,
): ConfigEntry[] {
  const effective = resolveLogConfig(defaults, overrides);
  const implemented = Object.entries(topicConfigKeys).map(([name, key]) =>
    topicEntry(name, overrides, brokerSynonyms(defaults, key), String(effective[key.field])),
  );
  const stored = Object.entries(storedTopicConfigKeys).map(([name, key]) =>
    topicEntry(name, overrides, storedSynonyms(key), key.kafkaDefault),
  );
  return [...implemented, ...stored];
}

/**
 * One topic config: its override (as set, trimmed) when it has one, else the value from the
 * broker level. Kafka's source is its first synonym's, DEFAULT_CONFIG when it has none.
 */
function topicEntry(
  name: string,
  overrides: TopicConfigOverrides,
  brokerLevel: ConfigSynonym[],
  brokerValue: string,
): ConfigEntry {
  const override = Object.hasOwn(overrides, name) ? overrides[name]?.trim() : undefined;
  const value = override ?? brokerValue;
  const synonyms: ConfigSynonym[] =
    override === undefined ? brokerLevel : [{ name, value, source: 'topic' }, ...brokerLevel];
  const source = synonyms[0]?.source ?? 'default';
  return { name, value, isDefault: source !== 'topic', source, synonyms };
}

/**
 * The broker-level settings behind the topic configs, under Kafka's broker names
 * (`log.retention.ms`, ...): the broker's value when it is not Kafka's default, then Kafka's.
 */
export function describeBrokerLogConfigs(defaults: LogConfig): ConfigEntry[] {
  const implemented = Object.values(topicConfigKeys).map((key): ConfigEntry => {
    const synonyms = brokerSynonyms(defaults, key);
    const { source } = synonyms[0];
    const value = String(defaults[key.field]);
    return { name: key.brokerName, value, isDefault: source === 'default', source, synonyms };
  });
  const stored = Object.values(storedTopicConfigKeys).flatMap((key): ConfigEntry[] => {
    const synonyms = storedSynonyms(key);
    const [synonym] = synonyms;
    if (synonym === undefined) return [];
    return [
      { name: synonym.name, value: synonym.value, isDefault: true, source: 'default', synonyms },
    ];
  });
  return [...implemented, ...stored];
}

/** A stored-only config's broker level: Kafka's default under its broker name, if it has one. */
function storedSynonyms(key: StoredConfigKey): ConfigSynonym[] {
  if (key.brokerName === null) return [];
  return [{ name: key.brokerName, value: key.kafkaDefault, source: 'default' }];
}

/** Never empty: Kafka's default is always the last synonym. */
type Synonyms = [ConfigSynonym, ...ConfigSynonym[]];

function brokerSynonyms(defaults: LogConfig, key: ConfigKey): Synonyms {
  const kafkaDefault: ConfigSynonym = {
    name: key.brokerName,
    value: String(defaultLogConfig[key.field]),
    source: 'default',
  };
  const brokerValue = String(defaults[key.field]);
  return brokerValue === kafkaDefault.value
    ? [kafkaDefault]
    : [{ name: key.brokerName, value: brokerValue, source: 'broker' }, kafkaDefault];
}
