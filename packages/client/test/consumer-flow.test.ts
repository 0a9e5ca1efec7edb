// Proves flow control against the real broker: pause/resume per partition, the prefetch
// buffer's byte bound while the application is slow, lag per partition, and that the next
// fetch is on the wire before the handler runs on the last one's records.
import net from 'node:net';
import { fetchApi } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import type { SocketFactory } from '../src/connection.js';
import { Consumer } from '../src/consumer.js';
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
  test = await startTestBroker();
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('flow control', () => {
  it('pauses and resumes one partition while the other flows', async () => {
    await createTopic(cluster, 'pause', 2);
    await produceNumbered(cluster, 'pause', 2, 10);
    const consumer = new Consumer({ bootstrap: [bootstrap], maxWaitMs: 20 });
    await consumer.assign([
      { topic: 'pause', partition: 0, offset: 0 },
      { topic: 'pause', partition: 1, offset: 0 },
    ]);
    const seen: string[] = [];
    const running = consumer.run({
      eachMessage: (message) => {
        seen.push(String(message.value));
        if (message.partition === 0 && message.offset === 4) {
          consumer.pause([{ topic: 'pause', partition: 0 }]);
        }
      },
    });
    await waitFor(() => seen.filter((value) => value.startsWith('p1-')).length === 10, 'p1');
    await produceNumbered(cluster, 'pause', 2, 5); // more for both: p0 stays paused
    await waitFor(() => seen.filter((value) => value.startsWith('p1-')).length === 15, 'more p1');
    await sleep(100);
    expect(seen.filter((value) => value.startsWith('p0-'))).toEqual([
      'p0-0',
      'p0-1',
      'p0-2',
      'p0-3',
      'p0-4',
    ]);
    expect(consumer.paused()).toEqual([{ topic: 'pause', partition: 0 }]);
    consumer.resume([{ topic: 'pause', partition: 0 }]);
    await waitFor(() => seen.filter((value) => value.startsWith('p0-')).length === 15, 'p0 again');
    const p0 = seen.filter((value) => value.startsWith('p0-'));
    expect(p0.slice(5, 10)).toEqual(['p0-5', 'p0-6', 'p0-7', 'p0-8', 'p0-9']);
    await consumer.close();
    await running;
  });

  it('holds no more than prefetchBytes of records while the application is slow', async () => {
    await createTopic(cluster, 'prefetch', 4);
    const value = Buffer.alloc(1_000, 'x');
    for (let partition = 0; partition < 4; partition++) {
      for (let batch = 0; batch < 40; batch++) {
        await produceBatch(
          cluster,
          'prefetch',
          partition,
          Array.from({ length: 10 }, () => ({ value })),
        );
      }
    }
    const prefetchBytes = 100_000;
    const batchBytesMax = 11_000; // one batch may pass a reservation (Kafka's first-batch rule)
    const consumer = new Consumer({
      bootstrap: [bootstrap],
      prefetchBytes,
      partitionMaxBytes: 30_000,
      maxWaitMs: 20,
    });
    await consumer.assign(
      [0, 1, 2, 3].map((partition) => ({ topic: 'prefetch', partition, offset: 0 })),
    );
    let consumed = 0;
    let peak = 0;
    for await (const _message of consumer) {
      peak = Math.max(peak, consumer.prefetchedBytes);
      consumed++;
      if (consumed % 100 === 0) await sleep(5); // slow: the fetcher runs ahead and must stop
      if (consumed === 1_600) break;
    }
    expect(peak).toBeGreaterThan(prefetchBytes / 2);
    expect(peak).toBeLessThanOrEqual(prefetchBytes + batchBytesMax);
    await consumer.close();
  });

  it('writes the next fetch before the handler runs on the records of the last', async () => {
    await createTopic(cluster, 'refetch', 1);
    await produceNumbered(cluster, 'refetch', 1, 3);
    // Counts Fetch requests as the consumer's connections write them (a frame's first part
    // holds its length, then the API key).
    let fetchesWritten = 0;
    const socketFactory: SocketFactory = ({ host, port }) => {
      const socket = net.connect({ host, port });
      const write = socket.write;
      socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
        if (Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === fetchApi.apiKey)
          fetchesWritten++;
        return Reflect.apply(write, this, [chunk, ...rest]) as boolean;
      } as typeof socket.write;
      return socket;
    };
    const consumer = new Consumer({
      bootstrap: [bootstrap],
      clusterOptions: { socketFactory },
      maxWaitMs: 5_000,
    });
    await consumer.assign([{ topic: 'refetch', partition: 0, offset: 0 }]);
    const fetchesAtHandler: number[] = [];
    const running = consumer.run({
      eachBatch: (batch) => {
        fetchesAtHandler.push(fetchesWritten);
        const values = batch.messages.map((message) => String(message.value));
        expect(values).toEqual(['p0-0', 'p0-1', 'p0-2']);
      },
    });
    await waitFor(() => fetchesAtHandler.length === 1, 'the first batch');
    // The first fetch brought the three records; the second (a long poll) left before the
    // handler ran, so the broker waits for new records while the application works.
    expect(fetchesAtHandler).toEqual([2]);
    await consumer.close();
    await running;
  });

  it('reports lag per partition from the high watermark and the position', async () => {
    await createTopic(cluster, 'lag', 2);
    await produceNumbered(cluster, 'lag', 1, 100);
    const consumer = new Consumer({ bootstrap: [bootstrap], maxWaitMs: 20 });
    await consumer.assign([
      { topic: 'lag', partition: 0, offset: 0 },
      { topic: 'lag', partition: 1, offset: 0 },
    ]);
    const iterator = consumer[Symbol.asyncIterator]();
    for (let index = 0; index < 41; index++) await iterator.next(); // 40 processed, 1 in hand
    const lag = consumer.lag().sort((a, b) => a.partition - b.partition);
    expect(lag[0]).toEqual({
      topic: 'lag',
      partition: 0,
      position: 40,
      highWatermark: 100,
      lag: 60,
    });
    await waitFor(() => consumer.lag()[1]?.highWatermark === 0, 'partition 1 fetched');
    expect(consumer.lag()[1]).toMatchObject({ position: 0, lag: 0 });
    await iterator.return?.();
    await consumer.close();
  });
});
