/**
 * Reads a partition back with plain Fetch requests and the protocol package's batch decoder,
 * independently of the producer under test and of the consumer.
 */
import { type DecodedRecordBatch, decodeRecordBatches, fetchApi } from '@cairn/protocol';
import type { Cluster } from '../../src/cluster.js';

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
  timestamp: number;
}

export async function readBatches(
  cluster: Cluster,
  topic: string,
  partition: number,
): Promise<DecodedRecordBatch[]> {
  const batches: DecodedRecordBatch[] = [];
  let fetchOffset = 0;
  for (;;) {
    const response = await cluster.request(await cluster.leaderFor(topic, partition), fetchApi, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 16 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              logStartOffset: -1,
              partitionMaxBytes: 16 * 1024 * 1024,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const answer = response.responses[0]?.partitions[0];
    if (answer === undefined || answer.errorCode !== 0) {
      throw new Error(`fetch ${topic}-${partition}: error ${answer?.errorCode}`);
    }
    const records = answer.records;
    if (records === null || records.length === 0) return batches;
    const decoded = decodeRecordBatches(records);
    batches.push(...decoded);
    fetchOffset = decoded[decoded.length - 1]!.lastOffset + 1;
    if (fetchOffset >= answer.highWatermark) return batches;
  }
}

export async function readRecords(
  cluster: Cluster,
  topic: string,
  partition: number,
): Promise<ReadRecord[]> {
  const batches = await readBatches(cluster, topic, partition);
  return batches.flatMap((batch) =>
    batch.records.map((record) => ({
      offset: record.offset,
      key: record.key?.toString() ?? null,
      value: record.value?.toString() ?? null,
      headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value?.toString() ?? null])),
      timestamp: record.timestamp,
    })),
  );
}
