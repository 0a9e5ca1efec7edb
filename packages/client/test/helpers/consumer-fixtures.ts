/**
 * Test data for the consumer tests, written with the protocol package and raw requests
 * through Cluster (independent of the Cairn Producer): topics, batches at known offsets,
 * and polling helpers.
 */
import {
  type CompressionCode,
  createTopicsApi,
  encodeRecordBatch,
  produceApi,
  type RecordInput,
} from '@cairn/protocol';
import { Cluster } from '../../src/cluster.js';

export async function createTopic(cluster: Cluster, name: string, partitions: number) {
  const response = await cluster.request('any', createTopicsApi, {
    topics: [
      { name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  const errorCode = response.topics[0]?.errorCode;
  if (errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${errorCode}`);
  await cluster.refreshMetadata([name]);
}

/** Appends one batch; resolves with its base offset. */
export async function produceBatch(
  cluster: Cluster,
  topic: string,
  partition: number,
  records: RecordInput[],
  compression?: CompressionCode,
): Promise<number> {
  const batch = encodeRecordBatch(
    compression === undefined ? { records } : { records, compression },
  );
  const leader = await cluster.leaderFor(topic, partition);
  const response = await cluster.request(leader, produceApi, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  const answer = response.responses[0]?.partitionResponses[0];
  if (answer === undefined || answer.errorCode !== 0) {
    throw new Error(`Produce ${topic}-${partition}: error ${answer?.errorCode}`);
  }
  return answer.baseOffset;
}

/** `count` records 'p<partition>-<i>' to each partition, in batches of `perBatch`. */
export async function produceNumbered(
  cluster: Cluster,
  topic: string,
  partitions: number,
  count: number,
  perBatch = 10,
): Promise<void> {
  for (let partition = 0; partition < partitions; partition++) {
    for (let start = 0; start < count; start += perBatch) {
      const records: RecordInput[] = [];
      for (let index = start; index < Math.min(count, start + perBatch); index++) {
        records.push({ key: null, value: Buffer.from(`p${partition}-${index}`) });
      }
      await produceBatch(cluster, topic, partition, records);
    }
  }
}

export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function connectedCluster(bootstrap: string): Promise<Cluster> {
  const cluster = new Cluster({ bootstrap: [bootstrap] });
  return cluster.connect().then(() => cluster);
}
