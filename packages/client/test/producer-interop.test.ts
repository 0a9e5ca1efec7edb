// Proves that records written by the Cairn producer read back correctly with independent
// clients, over real TCP to the real broker: kafkajs (keys, values, headers, timestamps,
// partitions, offsets, gzip) and kcat, built on librdkafka (`kcat -C -e -J`), for every codec.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { keyPartition } from '@cairn/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster.js';
import { Producer } from '../src/producer.js';
import { createTopic, startTestBroker, type TestBroker } from './helpers/broker.js';

const run = promisify(execFile);
const kcat = '/usr/bin/kcat';

let test: TestBroker;
let cluster: Cluster;

beforeAll(async () => {
  test = await startTestBroker();
  cluster = new Cluster({ bootstrap: [test.broker.bootstrap] });
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

const records = Array.from({ length: 30 }, (_, index) => ({
  key: `key-${index}`,
  value: `value ${index} ünïcode ✓`,
  headers: { index: String(index), source: 'cairn' },
  timestamp: 1_700_000_000_000 + index,
}));

describe('kafkajs reads what the Cairn producer wrote', () => {
  it('keys, values, headers, timestamps, partitions and offsets', async () => {
    await createTopic(cluster, 'interop-kafkajs', 3);
    const producer = new Producer({ bootstrap: [test.broker.bootstrap], compression: 'gzip' });
    const results = await producer.send('interop-kafkajs', records);
    await producer.close();

    const kafka = new Kafka({ brokers: [test.broker.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'interop-kafkajs' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'interop-kafkajs', fromBeginning: true });
    const seen = new Map<
      string,
      {
        partition: number;
        offset: number;
        value: string;
        headers: Record<string, string>;
        timestamp: number;
      }
    >();
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            headers[name] = String(value);
          }
          seen.set(String(message.key), {
            partition,
            offset: Number(message.offset),
            value: String(message.value),
            headers,
            timestamp: Number(message.timestamp),
          });
          if (seen.size === records.length) resolve();
        },
      });
    });
    await consumer.disconnect();

    records.forEach((record, index) => {
      const got = seen.get(record.key);
      expect(got).toEqual({
        partition: results[index]!.partition,
        offset: results[index]!.offset,
        value: record.value,
        headers: record.headers,
        timestamp: record.timestamp,
      });
      expect(got?.partition).toBe(keyPartition(record.key, 3));
    });
  });
});

describe.skipIf(!existsSync(kcat))('kcat reads what the Cairn producer wrote', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
    it(`${codec} batches`, async () => {
      const topic = `interop-kcat-${codec}`;
      const producer = new Producer({ bootstrap: [test.broker.bootstrap], compression: codec });
      await producer.send(topic, records);
      await producer.close();
      const { stdout } = await run(
        kcat,
        ['-b', test.broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'],
        { timeout: 20_000 },
      );
      const lines = stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              offset: number;
              key: string;
              payload: string;
              headers: string[];
              ts: number;
            },
        );
      expect(lines.map((line) => [line.offset, line.key, line.payload, line.ts])).toEqual(
        records.map((record, index) => [index, record.key, record.value, record.timestamp]),
      );
      expect(lines[3]?.headers).toEqual(['index', '3', 'source', 'cairn']);
    });
  }
});
