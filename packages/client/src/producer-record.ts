/**
 * What an application hands the producer and what it gets back. Keys, values and header values
 * are bytes or strings (written as UTF-8); null is Kafka's null (a null value is a tombstone in
 * a compacted topic). Records are encoded straight into their batch's buffer
 * (producer-batch.ts): the producer keeps no object per record of its own.
 */

export type RecordValue = Buffer | Uint8Array | string | null;

/** Headers as an object, or as a list when a key repeats (Kafka allows that). */
export type RecordHeaders =
  | Readonly<Record<string, RecordValue | undefined>>
  | ReadonlyArray<{ readonly key: string; readonly value: RecordValue }>;

export interface ProducerRecord {
  key?: RecordValue | undefined;
  value: RecordValue;
  headers?: RecordHeaders | undefined;
  /** Milliseconds since the epoch (CreateTime); the time of the send() call by default. */
  timestamp?: number | undefined;
  /** Bypasses the partitioner. */
  partition?: number | undefined;
}

export interface TopicRecords {
  topic: string;
  records: readonly ProducerRecord[];
}

/** Where a record was written. With acks=0 the broker says nothing: offset is -1. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}
