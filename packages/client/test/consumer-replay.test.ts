// Proves replay and starting points against the real broker: seek by offset and by timestamp
// (ListOffsets), earliest and latest (auto.offset.reset), OFFSET_OUT_OF_RANGE reset or
// failure, compressed batches entered in the middle, and eachBatch delivery.
import { CompressionType, type RecordInput } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import { Consumer } from '../src/consumer.js';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import {
  connectedCluster,
  createTopic,
  produceBatch,
  produceNumbered,
  waitFor,
} from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;
let bootstrap: string;

beforeAll(async () => {
  test = await startTestBroker({ groupConfig: { sessionTimeoutMsMin: 500 } });
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
  await createTopic(cluster, 'replay', 1);
  await produceNumbered(cluster, 'replay', 1, 50);
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

const consumerOptions = { maxWaitMs: 20 };

/** The next `count` values from the iterator, leaving the loop open. */
async function take(iterator: AsyncIterator<ConsumerMessage>, count: number): Promise<string[]> {
  const values: string[] = [];
  while (values.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    values.push(String(next.value.value));
  }
  return values;
}

describe('replay', () => {
  it('seeks to an offset while consuming', async () => {
    const consumer = new Consumer({ bootstrap: [bootstrap], ...consumerOptions });
    await consumer.assign([{ topic: 'replay', partition: 0, offset: 0 }]);
    const iterator = consumer[Symbol.asyncIterator]();
    expect(await take(iterator, 3)).toEqual(['p0-0', 'p0-1', 'p0-2']);
    consumer.seek('replay', 0, 30);
    expect(await take(iterator, 2)).toEqual(['p0-30', 'p0-31']);
    consumer.seek('replay', 0, 'earliest');
    expect(await take(iterator, 1)).toEqual(['p0-0']);
    await iterator.return?.();
    await consumer.close();
  });

  it('seeks to a timestamp, and to the end when no record is that late', async () => {
    await createTopic(cluster, 'times', 1);
    const records: RecordInput[] = Array.from({ length: 10 }, (_, index) => ({
      value: Buffer.from(`t${index}`),
      timestamp: 1_000_000 + index * 1_000,
    }));
    await produceBatch(cluster, 'times', 0, records.slice(0, 5));
    await produceBatch(cluster, 'times', 0, records.slice(5));
    const consumer = new Consumer({ bootstrap: [bootstrap], ...consumerOptions });
    await consumer.assign([{ topic: 'times', partition: 0, offset: 0 }]);
    expect(await consumer.seekToTimestamp('times', 0, 1_006_500)).toBe(7);
    const iterator = consumer[Symbol.asyncIterator]();
    const next = await iterator.next();
    expect([String(next.value?.value), next.value?.timestamp]).toEqual(['t7', 1_007_000]);
    expect(await consumer.seekToTimestamp('times', 0, 9_999_999)).toBe(10);
    await iterator.return?.();
    await consumer.close();
  });

  it('starts at the earliest or the latest offset when nothing is committed', async () => {
    const earliest = new Consumer({
      bootstrap: [bootstrap],
      groupId: 'replay-earliest',
      autoOffsetReset: 'earliest',
      ...consumerOptions,
    });
    await earliest.assign([{ topic: 'replay', partition: 0 }]);
    expect(await take(earliest[Symbol.asyncIterator](), 1)).toEqual(['p0-0']);
    await earliest.close();

    const latest = new Consumer({
      bootstrap: [bootstrap],
      groupId: 'replay-latest',
      heartbeatIntervalMs: 50,
      sessionTimeoutMs: 3_000,
      ...consumerOptions,
    });
    await latest.subscribe(['replay']);
    await waitFor(() => latest.lag()[0]?.position === 50, 'the latest position');
    await produceBatch(cluster, 'replay', 0, [{ value: Buffer.from('fresh') }]);
    expect(await take(latest[Symbol.asyncIterator](), 1)).toEqual(['fresh']);
    await latest.close();
  });

  it('applies autoOffsetReset on OFFSET_OUT_OF_RANGE, or fails with it under none', async () => {
    const reset = new Consumer({
      bootstrap: [bootstrap],
      autoOffsetReset: 'earliest',
      ...consumerOptions,
    });
    await reset.assign([{ topic: 'replay', partition: 0, offset: 1_000 }]);
    expect(await take(reset[Symbol.asyncIterator](), 1)).toEqual(['p0-0']);
    await reset.close();

    const strict = new Consumer({
      bootstrap: [bootstrap],
      autoOffsetReset: 'none',
      ...consumerOptions,
    });
    await strict.assign([{ topic: 'replay', partition: 0, offset: 1_000 }]);
    await expect(strict.run({ eachMessage: () => undefined })).rejects.toMatchObject({
      errorName: 'OFFSET_OUT_OF_RANGE',
      topic: 'replay',
      partition: 0,
    });
    await strict.close();
  });

  it('enters compressed batches in the middle and delivers them with eachBatch', async () => {
    await createTopic(cluster, 'compressed', 1);
    const values = (from: number) =>
      Array.from({ length: 10 }, (_, index) => ({ value: Buffer.from(`c${from + index}`) }));
    await produceBatch(cluster, 'compressed', 0, values(0), CompressionType.gzip);
    await produceBatch(cluster, 'compressed', 0, values(10), CompressionType.lz4);
    await produceBatch(cluster, 'compressed', 0, values(20), CompressionType.snappy);
    const consumer = new Consumer({ bootstrap: [bootstrap], ...consumerOptions });
    await consumer.assign([{ topic: 'compressed', partition: 0, offset: 5 }]);
    const seen: string[] = [];
    const highWatermarks: number[] = [];
    const running = consumer.run({
      eachBatch: (batch) => {
        highWatermarks.push(batch.highWatermark);
        for (const message of batch.messages) seen.push(String(message.value));
      },
    });
    await waitFor(() => seen.length === 25, '25 messages');
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `c${index + 5}`));
    expect(highWatermarks.at(-1)).toBe(30);
    expect(consumer.lag()).toEqual([
      { topic: 'compressed', partition: 0, position: 30, highWatermark: 30, lag: 0 },
    ]);
    await consumer.close();
    await running;
  });
});
