// Proves the Fetch path's answers over a real socket to a real broker: whole raw batches from
// the one holding the fetch offset, the high watermark and log start offset with them,
// OFFSET_OUT_OF_RANGE past either end, the byte limits as Kafka applies them (KIP-74: the first
// non-empty partition gets at least one whole batch, within partitionMaxBytes and the
// response's maxBytes otherwise; later partitions never overstep either), the long poll
// (maxWaitMs, minBytes, an append waking it) and sessionless answers to session requests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batchPositions,
  ErrorCode,
  encodeRecordBatch,
  type FetchRequest,
  type FetchResponsePartition,
  fetchApi,
  produceApi,
  readBaseOffset,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { fetchRequest, type PartitionFetch } from '../fetch-request.js';
import { WireClient } from '../wire-client.js';

/** Bytes of each record value: the batches below are a little over this. */
const valueBytes = 200;

let dataDir: string;
let broker: RunningBroker;
let wire: WireClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-fetch-'));
  broker = await startBroker({ dataDir, kafkaPort: 0, autoCreateTopics: false });
  wire = await WireClient.connect(broker.port);
});

afterAll(async () => {
  wire?.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function batch(count: number): Buffer {
  const records = Array.from({ length: count }, (_, index) => ({
    key: null,
    value: Buffer.alloc(valueBytes, index),
  }));
  return encodeRecordBatch({ records });
}

/** Creates `topic` and appends batches of the given record counts to each partition. */
async function topicWith(topic: string, partitions: number[][]): Promise<Buffer[][]> {
  await broker.registry.createTopic(topic, { partitionCount: partitions.length });
  const sent: Buffer[][] = [];
  for (const [index, counts] of partitions.entries()) {
    sent.push([]);
    for (const count of counts) sent[index]!.push(await produce(topic, index, batch(count)));
  }
  return sent;
}

async function produce(topic: string, partition: number, records: Buffer): Promise<Buffer> {
  const response = await wire.request(produceApi, produceApi.maxVersion, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  expect(response.responses[0]?.partitionResponses[0]?.errorCode).toBe(ErrorCode.NONE);
  return records;
}

async function fetch(
  topic: string,
  partitions: PartitionFetch[],
  options: Partial<FetchRequest> = {},
  client = wire,
): Promise<FetchResponsePartition[]> {
  const response = await client.request(
    fetchApi,
    fetchApi.maxVersion,
    fetchRequest(topic, partitions, options),
  );
  return response.responses.flatMap((answer) => answer.partitions);
}

/** The base offsets of the whole batches in `records`. */
function baseOffsets(records: Buffer | null): number[] {
  const bytes = records ?? Buffer.alloc(0);
  return batchPositions(bytes).map((position) => readBaseOffset(bytes, position));
}

const sizeOf = (records: Buffer | null) => records?.length ?? 0;

describe('offsets', () => {
  it('reads whole raw batches from the one holding the offset, with the offsets', async () => {
    const [sent] = await topicWith('offsets', [[2, 3, 1]]);
    const [answer] = await fetch('offsets', [{ partition: 0, fetchOffset: 3 }]);
    expect(answer).toMatchObject({
      errorCode: ErrorCode.NONE,
      highWatermark: 6,
      lastStableOffset: 6,
      logStartOffset: 0,
    });
    expect(baseOffsets(answer!.records)).toEqual([2, 5]);
    // Byte for byte as produced, but for the baseOffset the broker stamped.
    const expected = Buffer.concat([sent![1]!, sent![2]!]);
    expected.writeBigInt64BE(2n, 0);
    expected.writeBigInt64BE(5n, sent![1]!.length);
    expect(answer!.records).toEqual(expected);
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark and below the log start', async () => {
    await topicWith('out-of-range', [[2, 3, 1]]);
    const [atEnd] = await fetch('out-of-range', [{ partition: 0, fetchOffset: 6 }]);
    expect(atEnd).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 6 });
    expect(sizeOf(atEnd!.records)).toBe(0);
    const [past] = await fetch('out-of-range', [{ partition: 0, fetchOffset: 7 }]);
    expect(past?.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);

    await broker.registry.partitionLog('out-of-range', 0)!.deleteRecordsBefore(2);
    const [below] = await fetch('out-of-range', [{ partition: 0, fetchOffset: 1 }]);
    expect(below?.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const [from] = await fetch('out-of-range', [{ partition: 0, fetchOffset: 2 }]);
    expect(from).toMatchObject({ errorCode: ErrorCode.NONE, logStartOffset: 2 });
    expect(baseOffsets(from!.records)).toEqual([2, 5]);
  });

  it('answers an unknown partition UNKNOWN_TOPIC_OR_PARTITION at once, not after maxWaitMs', async () => {
    await topicWith('known', [[1]]);
    const startedAt = Date.now();
    const answers = await fetch('known', [{ partition: 0, fetchOffset: 1 }, { partition: 3 }], {
      maxWaitMs: 5_000,
      minBytes: 1,
    });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(answers.map((answer) => answer.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });
});

describe('byte limits', () => {
  it('stops a partition at partitionMaxBytes, but gives the first at least one batch', async () => {
    const [sent] = await topicWith('partition-limit', [[1, 1, 1]]);
    const one = sent![0]!.length;
    const [two] = await fetch('partition-limit', [
      { partition: 0, partitionMaxBytes: 2 * one + one / 2 },
    ]);
    expect(baseOffsets(two!.records)).toEqual([0, 1]);
    const [first] = await fetch('partition-limit', [{ partition: 0, partitionMaxBytes: 10 }]);
    expect(baseOffsets(first!.records)).toEqual([0]);
  });

  it('keeps the response within maxBytes, past the first batch of the first partition', async () => {
    const [sent] = await topicWith('response-limit', [
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const one = sent![0]!.length;
    const both = [{ partition: 0 }, { partition: 1 }];
    // Room for two and a half batches: two from partition 0, none (not one more) from 1.
    const answers = await fetch('response-limit', both, { maxBytes: 2 * one + one / 2 });
    expect(answers.map((answer) => baseOffsets(answer.records))).toEqual([[0, 1], []]);
    expect(answers[1]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3 });
    // maxBytes below partitionMaxBytes limits the first partition too.
    const first = await fetch('response-limit', both, { maxBytes: one + one / 2 });
    expect(first.map((answer) => baseOffsets(answer.records))).toEqual([[0], []]);
    // Under one batch: the first partition still gets one whole batch (KIP-74).
    const tiny = await fetch('response-limit', both, { maxBytes: 10 });
    expect(tiny.map((answer) => baseOffsets(answer.records))).toEqual([[0], []]);
  });

  it('gives one whole batch to the first partition with data, wherever it is', async () => {
    const [, sent] = await topicWith('first-with-data', [[1], [1, 1]]);
    const one = sent![0]!.length;
    const answers = await fetch(
      'first-with-data',
      [
        { partition: 0, fetchOffset: 1 },
        { partition: 1, partitionMaxBytes: 10 },
      ],
      { maxBytes: one / 2 },
    );
    expect(answers.map((answer) => baseOffsets(answer.records))).toEqual([[], [0]]);
  });
});

describe('long poll', () => {
  it('waits maxWaitMs for minBytes, then answers with what there is', async () => {
    await topicWith('poll-timeout', [[1]]);
    const startedAt = Date.now();
    const [answer] = await fetch('poll-timeout', [{ partition: 0, fetchOffset: 1 }], {
      maxWaitMs: 300,
      minBytes: 1,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(280);
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 1 });
    expect(sizeOf(answer!.records)).toBe(0);
  });

  it('answers as soon as an append brings minBytes, and waits while it does not', async () => {
    await topicWith('poll-wake', [[1]]);
    const reader = await WireClient.connect(broker.port);
    try {
      const startedAt = Date.now();
      const polled = fetch(
        'poll-wake',
        [{ partition: 0, fetchOffset: 1 }],
        {
          maxWaitMs: 10_000,
          minBytes: 2 * valueBytes,
        },
        reader,
      );
      let answered = false;
      void polled.then(() => {
        answered = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await produce('poll-wake', 0, batch(1)); // under minBytes: keeps waiting
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(answered).toBe(false);
      await produce('poll-wake', 0, batch(1));
      const [answer] = await polled;
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(baseOffsets(answer!.records)).toEqual([1, 2]);
    } finally {
      reader.close();
    }
  });
});

describe('fetch sessions', () => {
  it('answers a request to open a session sessionless (id 0), with the data', async () => {
    await topicWith('sessions', [[2]]);
    for (const sessionEpoch of [0, -1]) {
      const response = await wire.request(
        fetchApi,
        7,
        fetchRequest('sessions', [{ partition: 0 }], { sessionId: 0, sessionEpoch }),
      );
      expect(response).toMatchObject({ errorCode: ErrorCode.NONE, sessionId: 0 });
      expect(baseOffsets(response.responses[0]!.partitions[0]!.records)).toEqual([0]);
    }
  });
});
