// Proves the Cairn consumer interoperates, against the real broker: records produced by
// kafkajs (gzip) and by kcat (librdkafka; lz4 and snappy) are read with their keys, values,
// headers and timestamps; and a group mixing a kafkajs member and a Cairn member under
// 'roundrobin' splits the partitions, whichever of them leads.
import { spawn, spawnSync } from 'node:child_process';
import { CompressionTypes, Kafka, logLevel, PartitionAssigners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundRobinAssignor } from '../src/assignors/index.js';
import type { Cluster } from '../src/cluster.js';
import { Consumer } from '../src/consumer.js';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import { connectedCluster, createTopic, waitFor } from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;
let bootstrap: string;
let kafka: Kafka;

beforeAll(async () => {
  test = await startTestBroker({ groupConfig: { sessionTimeoutMsMin: 500 } });
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
  kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

async function readAll(topic: string, count: number): Promise<ConsumerMessage[]> {
  const consumer = new Consumer({ bootstrap: [bootstrap], maxWaitMs: 20 });
  await consumer.assign([{ topic, partition: 0, offset: 0 }]);
  const messages: ConsumerMessage[] = [];
  for await (const message of consumer) {
    messages.push(message);
    if (messages.length === count) break;
  }
  await consumer.close();
  return messages;
}

const hasKcat = spawnSync('kcat', ['-V']).status === 0;

/** Runs kcat without blocking the event loop: the broker runs in this process. */
function kcat(args: string[], input: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.end(input);
  });
}

describe('interop', () => {
  it('reads records produced by kafkajs', async () => {
    await createTopic(cluster, 'from-kafkajs', 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'from-kafkajs',
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k0', value: 'v0', timestamp: '1700000000000', headers: { h: 'x', other: 'y' } },
        { key: null, value: 'v1', timestamp: '1700000000123' },
        { key: 'k2', value: null, timestamp: '1700000000456', headers: { h: 'z' } },
      ],
    });
    await producer.disconnect();
    const messages = await readAll('from-kafkajs', 3);
    expect(messages.map((message) => message.toJSON())).toEqual([
      {
        topic: 'from-kafkajs',
        partition: 0,
        offset: 0,
        timestamp: 1_700_000_000_000,
        key: Buffer.from('k0'),
        value: Buffer.from('v0'),
        headers: [
          { key: 'h', value: Buffer.from('x') },
          { key: 'other', value: Buffer.from('y') },
        ],
      },
      {
        topic: 'from-kafkajs',
        partition: 0,
        offset: 1,
        timestamp: 1_700_000_000_123,
        key: null,
        value: Buffer.from('v1'),
        headers: [],
      },
      {
        topic: 'from-kafkajs',
        partition: 0,
        offset: 2,
        timestamp: 1_700_000_000_456,
        key: Buffer.from('k2'),
        value: null,
        headers: [{ key: 'h', value: Buffer.from('z') }],
      },
    ]);
  });

  it.skipIf(!hasKcat)('reads records produced by kcat (librdkafka), compressed', async () => {
    await createTopic(cluster, 'from-kcat', 1);
    const before = Date.now();
    for (const codec of ['lz4', 'snappy']) {
      const result = await kcat(
        [
          '-b',
          bootstrap,
          '-t',
          'from-kcat',
          '-p',
          '0',
          '-P',
          '-K:',
          '-z',
          codec,
          '-H',
          `codec=${codec}`,
          '-H',
          'n=1',
        ],
        `a:${codec}-1\nb:${codec}-2\n`,
      );
      expect(result.status, result.stderr).toBe(0);
    }
    const after = Date.now();
    const messages = await readAll('from-kcat', 4);
    expect(
      messages.map((message) => [String(message.key), String(message.value), message.offset]),
    ).toEqual([
      ['a', 'lz4-1', 0],
      ['b', 'lz4-2', 1],
      ['a', 'snappy-1', 2],
      ['b', 'snappy-2', 3],
    ]);
    expect(messages[2]?.headers.map(({ key, value }) => [key, String(value)])).toEqual([
      ['codec', 'snappy'],
      ['n', '1'],
    ]);
    for (const message of messages) {
      expect(message.timestamp).toBeGreaterThanOrEqual(before - 1_000);
      expect(message.timestamp).toBeLessThanOrEqual(after + 1_000);
    }
  });

  describe.each([
    ['the Cairn member', 'cairn'],
    ['the kafkajs member', 'kafkajs'],
  ])('a mixed group led by %s', (_name, first) => {
    it("splits the partitions under 'roundrobin'", async () => {
      const topic = `mixed-${first}`;
      const groupId = `mixed-${first}`;
      await createTopic(cluster, topic, 4);
      // kafkajs ships round-robin as 'RoundRobinAssigner'; registered as 'roundrobin' it is
      // Java's protocol, the one Cairn's assignor speaks.
      const roundrobin: typeof PartitionAssigners.roundRobin = (config) => ({
        ...PartitionAssigners.roundRobin(config),
        name: 'roundrobin',
      });
      const kafkajsConsumer = kafka.consumer({
        groupId,
        partitionAssigners: [roundrobin],
        heartbeatInterval: 100,
        sessionTimeout: 3_000,
        rebalanceTimeout: 5_000,
        maxWaitTimeInMs: 50, // kafkajs heartbeats between fetches, and disconnect waits for one
      });
      let kafkajsAssignment: number[] = [];
      kafkajsConsumer.on(kafkajsConsumer.events.GROUP_JOIN, (event) => {
        kafkajsAssignment = event.payload.memberAssignment[topic] ?? [];
      });
      const cairn = new Consumer({
        bootstrap: [bootstrap],
        groupId,
        assignors: [roundRobinAssignor],
        heartbeatIntervalMs: 100,
        sessionTimeoutMs: 3_000,
        rebalanceTimeoutMs: 5_000,
        maxWaitMs: 20,
      });
      const startKafkajs = async () => {
        await kafkajsConsumer.connect();
        await kafkajsConsumer.subscribe({ topic });
        await kafkajsConsumer.run({ eachMessage: async () => undefined });
      };
      // Wrapped: an async function returning run()'s promise would wait for it to settle.
      const startCairn = async () => {
        await cairn.subscribe([topic]);
        return { running: cairn.run({ eachMessage: () => undefined }) };
      };
      let cairnRun: { running: Promise<void> };
      if (first === 'cairn') {
        cairnRun = await startCairn();
        await waitFor(() => cairn.assignment().length === 4, 'cairn alone');
        await startKafkajs();
      } else {
        await startKafkajs();
        await waitFor(() => kafkajsAssignment.length === 4, 'kafkajs alone');
        cairnRun = await startCairn();
      }
      await waitFor(
        () => cairn.assignment().length === 2 && kafkajsAssignment.length === 2,
        'two partitions each',
        15_000,
      );
      const cairnPartitions = cairn.assignment().map(({ partition }) => partition);
      expect([...cairnPartitions, ...kafkajsAssignment].sort()).toEqual([0, 1, 2, 3]);
      await kafkajsConsumer.disconnect();
      await cairn.close();
      await cairnRun.running;
    }, 30_000);
  });
});
