// Proves ListOffsets over a real socket to a real broker, at every version it serves: the
// earliest offset (the log start offset, which DeleteRecords moves), the latest (the high
// watermark), and by timestamp the first offset whose record is at or after the time (with that
// record's timestamp), -1 when none is; unknown partitions get UNKNOWN_TOPIC_OR_PARTITION.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  encodeRecordBatch,
  type ListOffsetsResponsePartition,
  listOffsetsApi,
  produceApi,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { WireClient } from '../wire-client.js';

const EARLIEST = -2;
const LATEST = -1;

let dataDir: string;
let broker: RunningBroker;
let wire: WireClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-list-offsets-'));
  broker = await startBroker({ dataDir, kafkaPort: 0, autoCreateTopics: false });
  wire = await WireClient.connect(broker.port);
  await broker.registry.createTopic('timed', { partitionCount: 2 });
  // Offsets 0-2 at 1000, 2000, 3000; offsets 3-4 at 5000 and 4000 (out of order, as producers
  // may send); offset 5 at 9000.
  for (const timestamps of [[1_000, 2_000, 3_000], [5_000, 4_000], [9_000]]) {
    const records = timestamps.map((timestamp) => ({ value: Buffer.from('v'), timestamp }));
    const response = await wire.request(produceApi, produceApi.maxVersion, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        { name: 'timed', partitionData: [{ index: 0, records: encodeRecordBatch({ records }) }] },
      ],
    });
    expect(response.responses[0]?.partitionResponses[0]?.errorCode).toBe(ErrorCode.NONE);
  }
});

afterAll(async () => {
  wire?.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function listOffsets(
  timestamp: number,
  partitionIndex = 0,
  version = listOffsetsApi.maxVersion,
  topic = 'timed',
): Promise<ListOffsetsResponsePartition> {
  const response = await wire.request(listOffsetsApi, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex, timestamp }] }],
  });
  return response.topics[0]!.partitions[0]!;
}

describe('ListOffsets', () => {
  it('finds the earliest and latest offsets, at every version', async () => {
    for (let version = listOffsetsApi.minVersion; version <= listOffsetsApi.maxVersion; version++) {
      expect(await listOffsets(EARLIEST, 0, version)).toMatchObject({ errorCode: 0, offset: 0 });
      expect(await listOffsets(LATEST, 0, version)).toMatchObject({ errorCode: 0, offset: 6 });
      expect(await listOffsets(EARLIEST, 1, version)).toMatchObject({ errorCode: 0, offset: 0 });
      expect(await listOffsets(LATEST, 1, version)).toMatchObject({ errorCode: 0, offset: 0 });
    }
  });

  it('finds the first offset at or after a timestamp, with its timestamp', async () => {
    const cases = [
      [0, 0, 1_000],
      [1_000, 0, 1_000],
      [1_001, 1, 2_000],
      [3_000, 2, 3_000],
      [3_500, 3, 5_000], // the first record at or after 3500 by offset, not the nearest time
      [4_500, 3, 5_000],
      [5_001, 5, 9_000],
      [9_000, 5, 9_000],
    ];
    for (const [timestamp, offset, found] of cases) {
      expect(await listOffsets(timestamp!), `timestamp ${timestamp}`).toMatchObject({
        errorCode: ErrorCode.NONE,
        offset,
        timestamp: found,
      });
    }
  });

  it('answers -1 when no record is that late, or the partition is empty', async () => {
    expect(await listOffsets(9_001)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
    expect(await listOffsets(0, 1)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
  });

  it('follows the log start offset that DeleteRecords moves', async () => {
    await broker.registry.partitionLog('timed', 0)!.deleteRecordsBefore(2);
    expect(await listOffsets(EARLIEST)).toMatchObject({ errorCode: 0, offset: 2 });
    expect(await listOffsets(1_000)).toMatchObject({ errorCode: 0, offset: 2, timestamp: 3_000 });
  });

  it('answers unknown topics and partitions UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect((await listOffsets(LATEST, 5)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const unknown = await listOffsets(LATEST, 0, listOffsetsApi.maxVersion, 'never-created');
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
