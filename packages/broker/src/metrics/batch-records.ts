/**
 * Records in a run of whole v2 batches (a fetch response's records), summed from each batch
 * header's recordCount: one header read per batch, no record decoded. A trailing partial
 * batch (never served by the log, but cheap to guard against) is not counted.
 */
import { RECORD_BATCH_OVERHEAD, readBatchSizeBytes, readRecordCount } from '@cairn/protocol';
import type { BrokerProbe, TopicCounters } from '../probe.js';

export function countRecords(records: Buffer): number {
  let count = 0;
  let position = 0;
  while (position + RECORD_BATCH_OVERHEAD <= records.length) {
    const sizeBytes = readBatchSizeBytes(records, position);
    if (sizeBytes < RECORD_BATCH_OVERHEAD || position + sizeBytes > records.length) break;
    count += readRecordCount(records, position);
    position += sizeBytes;
  }
  return count;
}

/** The records part of a fetch response that `countFetched` reads. */
export interface FetchedTopic {
  readonly topic: string;
  readonly partitions: ReadonlyArray<{ readonly records: Buffer | null }>;
}

/**
 * Adds a fetch response's bytes and records to its topics' counters: one step per partition
 * with data and one header read per batch in it. Called once per answered Fetch.
 */
export function countFetched(probe: BrokerProbe, topics: readonly FetchedTopic[]): void {
  for (const { topic, partitions } of topics) {
    let counters: TopicCounters | undefined;
    for (const { records } of partitions) {
      if (records === null || records.length === 0) continue;
      counters ??= probe.topic(topic);
      counters.fetchedBytes += records.length;
      counters.fetchedRecords += countRecords(records);
    }
  }
}
