/**
 * Kafka topic configs that Cairn accepts, validates and keeps but does not act on: replication
 * (one broker), tiered storage, compression on the broker (Cairn stores batches as they come),
 * fine-tuning of the cleaner and of flushing. Kafka clients and tools send them when they
 * create or alter topics (kafkajs admin, kcat, scripts written for Kafka), so refusing them
 * would break those clients for settings that change nothing here. Redpanda does the same.
 *
 * Each is checked as Kafka's LogConfig defines it (type, then range or allowed values) and
 * refused with INVALID_CONFIG otherwise; a value accepted is stored with the topic and shown by
 * DescribeConfigs beside Kafka's default and broker synonym (ServerTopicConfigSynonyms). The
 * configs Cairn implements are in topic-config.ts. Names are Kafka's TopicConfig names of
 * 3.x and 4.x (`message.format.version` and the two others 4.0 dropped are still accepted).
 */

export interface StoredConfigKey {
  /** Whether `value` is valid for the key: Kafka's type, then its range or allowed values. */
  readonly check: (value: string) => boolean;
  /** What is allowed, for INVALID_CONFIG messages. */
  readonly doc: string;
  /** Kafka's default, as DescribeConfigs shows it. */
  readonly kafkaDefault: string;
  /** The broker config that supplies the default, or null when Kafka has none. */
  readonly brokerName: string | null;
  /** A comma-separated list: IncrementalAlterConfigs may APPEND to and SUBTRACT from it. */
  readonly list?: true;
}

/** Cairn is one broker: every partition has exactly one replica. */
export const replicationFactor = 1;

const int32Min = -(2 ** 31);
const int32Max = 2 ** 31 - 1;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const longMax = String(int64Max);

/** An INT (Java's Integer.parseInt of the trimmed value) in [min, max]. */
export const intIn =
  (min: number, max = int32Max) =>
  (value: string): boolean => {
    const trimmed = value.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) return false;
    const parsed = Number(trimmed);
    return parsed >= Math.max(min, int32Min) && parsed <= Math.min(max, int32Max);
  };

/** A LONG (Long.parseLong of the trimmed value), at least `min`. */
export const longAtLeast =
  (min: number) =>
  (value: string): boolean => {
    const trimmed = value.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) return false;
    const parsed = BigInt(trimmed);
    return parsed >= BigInt(min) && parsed >= int64Min && parsed <= int64Max;
  };

/** A DOUBLE (Double.parseDouble) in [min, max]. */
const doubleIn =
  (min: number, max: number) =>
  (value: string): boolean => {
    const trimmed = value.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return false;
    const parsed = Number(trimmed);
    return parsed >= min && parsed <= max;
  };

/** A BOOLEAN: true or false, any case (ConfigDef.parseType). */
const isBoolean = (value: string): boolean => /^(true|false)$/i.test(value.trim());

const oneOf =
  (...allowed: string[]) =>
  (value: string): boolean =>
    allowed.includes(value.trim());

/** ThrottledReplicaListValidator: '*', or partitionId:brokerId items; empty is none. */
const throttledReplicas = (value: string): boolean => {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 1 && items[0] === '*') return true;
  return items.every((item) => /^\d+:\d+$/.test(item));
};

/** Kafka's version strings: 2.8, 3.0-IV1, 0.10.2, ... */
const kafkaVersion = (value: string): boolean => /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(value.trim());

const compressionTypes = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];

export const storedTopicConfigKeys: Readonly<Record<string, StoredConfigKey>> = {
  'compression.type': {
    check: oneOf(...compressionTypes),
    doc: compressionTypes.join(', '),
    kafkaDefault: 'producer',
    brokerName: 'compression.type',
  },
  'compression.gzip.level': {
    check: (value) => value.trim() === '-1' || intIn(1, 9)(value),
    doc: '1-9, or -1 for the codec default',
    kafkaDefault: '-1',
    brokerName: 'compression.gzip.level',
  },
  'compression.lz4.level': {
    check: intIn(1, 17),
    doc: '1-17',
    kafkaDefault: '9',
    brokerName: 'compression.lz4.level',
  },
  'compression.zstd.level': {
    check: intIn(-131_072, 22),
    doc: '-131072 to 22',
    kafkaDefault: '3',
    brokerName: 'compression.zstd.level',
  },
  'file.delete.delay.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: '60000',
    brokerName: 'log.segment.delete.delay.ms',
  },
  'flush.messages': {
    check: longAtLeast(1),
    doc: 'messages, at least 1',
    kafkaDefault: longMax,
    brokerName: 'log.flush.interval.messages',
  },
  'follower.replication.throttled.replicas': {
    check: throttledReplicas,
    doc: "'*' or partitionId:brokerId,...",
    kafkaDefault: '',
    brokerName: null,
    list: true,
  },
  'leader.replication.throttled.replicas': {
    check: throttledReplicas,
    doc: "'*' or partitionId:brokerId,...",
    kafkaDefault: '',
    brokerName: null,
    list: true,
  },
  'local.retention.bytes': {
    check: longAtLeast(-2),
    doc: 'bytes, -2 = retention.bytes',
    kafkaDefault: '-2',
    brokerName: 'log.local.retention.bytes',
  },
  'local.retention.ms': {
    check: longAtLeast(-2),
    doc: 'ms, -2 = retention.ms',
    kafkaDefault: '-2',
    brokerName: 'log.local.retention.ms',
  },
  'max.compaction.lag.ms': {
    check: longAtLeast(1),
    doc: 'ms, at least 1',
    kafkaDefault: longMax,
    brokerName: 'log.cleaner.max.compaction.lag.ms',
  },
  'message.downconversion.enable': {
    check: isBoolean,
    doc: 'true, false',
    kafkaDefault: 'true',
    brokerName: 'log.message.downconversion.enable',
  },
  'message.format.version': {
    check: kafkaVersion,
    doc: 'a Kafka version such as 3.0-IV1',
    kafkaDefault: '3.0-IV1',
    brokerName: 'log.message.format.version',
  },
  'message.timestamp.after.max.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: longMax,
    brokerName: 'log.message.timestamp.after.max.ms',
  },
  'message.timestamp.before.max.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: longMax,
    brokerName: 'log.message.timestamp.before.max.ms',
  },
  'message.timestamp.difference.max.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: longMax,
    brokerName: 'log.message.timestamp.difference.max.ms',
  },
  'min.cleanable.dirty.ratio': {
    check: doubleIn(0, 1),
    doc: 'a ratio from 0 to 1',
    kafkaDefault: '0.5',
    brokerName: 'log.cleaner.min.cleanable.ratio',
  },
  'min.compaction.lag.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: '0',
    brokerName: 'log.cleaner.min.compaction.lag.ms',
  },
  // Kafka's check is at least 1; above the replication factor every acks=all produce would
  // fail NOT_ENOUGH_REPLICAS, so Cairn refuses it when it is set instead.
  'min.insync.replicas': {
    check: intIn(1, replicationFactor),
    doc: `at least 1 and at most the replication factor, ${replicationFactor}`,
    kafkaDefault: '1',
    brokerName: 'min.insync.replicas',
  },
  preallocate: {
    check: isBoolean,
    doc: 'true, false',
    kafkaDefault: 'false',
    brokerName: 'log.preallocate',
  },
  'remote.log.copy.disable': {
    check: isBoolean,
    doc: 'true, false',
    kafkaDefault: 'false',
    brokerName: null,
  },
  'remote.log.delete.on.disable': {
    check: isBoolean,
    doc: 'true, false',
    kafkaDefault: 'false',
    brokerName: null,
  },
  // Kafka refuses true on a broker without tiered storage, which Cairn is.
  'remote.storage.enable': {
    check: (value) => value.trim().toLowerCase() === 'false',
    doc: 'false: this broker has no tiered storage',
    kafkaDefault: 'false',
    brokerName: null,
  },
  'segment.index.bytes': {
    check: intIn(4),
    doc: 'bytes, at least 4',
    kafkaDefault: String(10 * 1024 * 1024),
    brokerName: 'log.index.size.max.bytes',
  },
  'segment.jitter.ms': {
    check: longAtLeast(0),
    doc: 'ms, at least 0',
    kafkaDefault: '0',
    brokerName: 'log.roll.jitter.ms',
  },
  'unclean.leader.election.enable': {
    check: isBoolean,
    doc: 'true, false',
    kafkaDefault: 'false',
    brokerName: 'unclean.leader.election.enable',
  },
};

/** The stored-only key named `name`; never one of Object.prototype's. */
export function storedConfigKey(name: string): StoredConfigKey | undefined {
  return Object.hasOwn(storedTopicConfigKeys, name) ? storedTopicConfigKeys[name] : undefined;
}
