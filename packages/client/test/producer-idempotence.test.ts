// Proves idempotent retries across a dropped connection, over real TCP to the real broker: a
// proxy between producer and broker swallows the broker's answers while the broker appends,
// then cuts the connection; the producer reconnects and resends the same batches, the broker
// recognises them by producer id and sequence, and kafkajs (an independent client) reads every
// record exactly once and in order.
import * as net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../src/producer.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';

/** A TCP proxy to the broker that can drop the broker's answers and cut every connection. */
class CuttableProxy {
  dropResponses = false;
  produceRequests = 0;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private server: net.Server | undefined;
  port = 0;

  async start(brokerPort: number): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: brokerPort });
      const pair = { client, upstream };
      this.pairs.add(pair);
      let pending = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        // Count Produce requests (api key 0) as they pass.
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 6 && pending.length >= 4 + pending.readInt32BE(0)) {
          if (pending.readInt16BE(4) === 0) this.produceRequests++;
          pending = pending.subarray(4 + pending.readInt32BE(0));
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!this.dropResponses) client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('close', close);
      upstream.on('close', close);
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  cutAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let test: TestBroker;
const proxy = new CuttableProxy();

beforeAll(async () => {
  test = await startTestBroker();
  await proxy.start(test.broker.port);
});

afterAll(async () => {
  await proxy.close();
  await test?.stop();
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('idempotent producer', () => {
  it('resends across a dropped connection without duplicates or reordering', async () => {
    const producer = new Producer({
      bootstrap: [test.broker.bootstrap],
      // Every connection, to any broker address, goes through the proxy.
      socketFactory: () => net.connect({ host: '127.0.0.1', port: proxy.port }),
      retry: { retries: 10, initialBackoffMs: 20, maxBackoffMs: 100 },
      batchBytes: 200,
    });
    const topic = 'exactly-once-order';
    await producer.send(topic, [{ value: 'warm-up' }]);
    const log = () => test.broker.registry.partitionLog(topic, 0)!;

    proxy.dropResponses = true;
    const produceBefore = proxy.produceRequests;
    const sends: Promise<{ offset: number }[]>[] = [];
    for (let call = 0; call < 20; call++) {
      const records = Array.from({ length: 5 }, (_, index) => ({ value: `v-${call * 5 + index}` }));
      sends.push(producer.send(topic, records));
    }
    // The broker appends what was sent (five batches in flight), but no answer gets back.
    await waitFor(() => log().logEndOffset > 1, 'the broker to append');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const appendedBeforeCut = log().logEndOffset;
    expect(proxy.produceRequests - produceBefore).toBeGreaterThan(0);
    proxy.cutAll();
    proxy.dropResponses = false;

    const results = (await Promise.all(sends)).flat();
    expect(results.map((result) => result.offset)).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    // The batches appended before the cut were sent again and answered as duplicates.
    expect(appendedBeforeCut).toBeGreaterThan(1);
    expect(log().logEndOffset).toBe(101);
    await producer.close();

    const kafka = new Kafka({
      brokers: [test.broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: 'idempotence-check' });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(String(message.value));
          if (values.length === 101) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(values).toEqual(['warm-up', ...Array.from({ length: 100 }, (_, index) => `v-${index}`)]);
  });
});
