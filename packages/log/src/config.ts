/**
 * A partition log's configuration. The fields are Kafka's topic configs in camelCase;
 * `logConfigNames` keeps Kafka's names (`segment.bytes`, `retention.ms`, ...) for messages and
 * for the broker, since those names are part of the interface.
 */
import { kafkaError, LOG_OVERHEAD } from '@cairn/protocol';
import { relativeOffsetMax, segmentBytesMax, segmentBytesMin } from './constants.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: the active segment rolls before it would grow past this. */
  segmentBytes: number;
  /** segment.ms: the active segment rolls once it is this old (by the injected Clock). */
  segmentMs: number;
  /** retention.bytes: closed segments are deleted while the log is larger; -1 = no limit. */
  retentionBytes: number;
  /** retention.ms: closed segments whose newest timestamp is older are deleted; -1 = none. */
  retentionMs: number;
  /** cleanup.policy: which of retention (delete) and compaction apply. */
  cleanupPolicy: CleanupPolicy;
  /** index.interval.bytes: bytes of batches between two offset index entries. */
  indexIntervalBytes: number;
  /** max.message.bytes: the largest batch an append accepts. */
  maxMessageBytes: number;
  /** delete.retention.ms: how long compaction keeps a tombstone (a record with a null value). */
  deleteRetentionMs: number;
  /** flush.ms: the longest data stays unflushed when nobody awaits `flushedTo`. */
  flushMs: number;
  /** message.timestamp.type: LogAppendTime rewrites each batch's maxTimestamp on append. */
  messageTimestampType: MessageTimestampType;
}

const dayMs = 24 * 60 * 60 * 1000;

/** Kafka's defaults. */
export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * dayMs,
  retentionBytes: -1,
  retentionMs: 7 * dayMs,
  cleanupPolicy: 'delete',
  indexIntervalBytes: 4096,
  maxMessageBytes: 1024 * 1024 + LOG_OVERHEAD,
  deleteRetentionMs: dayMs,
  // Kafka's flush.ms default is Long.MAX_VALUE: durability comes from acks=-1 (flushedTo),
  // not from a timer. The broker may set a shorter interval.
  flushMs: Number.MAX_SAFE_INTEGER,
  messageTimestampType: 'CreateTime',
});

/** Kafka's name of each field, for error messages and the broker's config handling. */
export const logConfigNames: Readonly<Record<keyof LogConfig, string>> = Object.freeze({
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  retentionBytes: 'retention.bytes',
  retentionMs: 'retention.ms',
  cleanupPolicy: 'cleanup.policy',
  indexIntervalBytes: 'index.interval.bytes',
  maxMessageBytes: 'max.message.bytes',
  deleteRetentionMs: 'delete.retention.ms',
  flushMs: 'flush.ms',
  messageTimestampType: 'message.timestamp.type',
});

type NumericField = {
  [Field in keyof LogConfig]: LogConfig[Field] extends number ? Field : never;
}[keyof LogConfig];

/** Inclusive bounds of each numeric field (Kafka's ConfigDef ranges). */
const numericRanges: Readonly<Record<NumericField, readonly [number, number]>> = {
  segmentBytes: [segmentBytesMin, segmentBytesMax],
  segmentMs: [1, Number.MAX_SAFE_INTEGER],
  retentionBytes: [-1, Number.MAX_SAFE_INTEGER],
  retentionMs: [-1, Number.MAX_SAFE_INTEGER],
  indexIntervalBytes: [0, relativeOffsetMax],
  maxMessageBytes: [0, Number.MAX_SAFE_INTEGER],
  deleteRetentionMs: [0, Number.MAX_SAFE_INTEGER],
  flushMs: [0, Number.MAX_SAFE_INTEGER],
};

const cleanupPolicies: readonly CleanupPolicy[] = ['delete', 'compact', 'compact,delete'];
const timestampTypes: readonly MessageTimestampType[] = ['CreateTime', 'LogAppendTime'];

/** Throws INVALID_CONFIG naming the Kafka config and its value when a field is out of range. */
export function validateLogConfig(config: LogConfig): void {
  for (const [field, [min, max]] of Object.entries(numericRanges)) {
    const value = config[field as NumericField];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const name = logConfigNames[field as NumericField];
      throw kafkaError('INVALID_CONFIG', `${name}=${value} is outside [${min}, ${max}]`);
    }
  }
  if (!cleanupPolicies.includes(config.cleanupPolicy)) {
    throw kafkaError(
      'INVALID_CONFIG',
      `cleanup.policy=${config.cleanupPolicy} is not one of ${cleanupPolicies.join(' | ')}`,
    );
  }
  if (!timestampTypes.includes(config.messageTimestampType)) {
    throw kafkaError(
      'INVALID_CONFIG',
      `message.timestamp.type=${config.messageTimestampType} is not CreateTime or LogAppendTime`,
    );
  }
}

export function deletesByRetention(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'compact';
}

export function compacts(config: LogConfig): boolean {
  return config.cleanupPolicy !== 'delete';
}
