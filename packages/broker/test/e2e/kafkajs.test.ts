// Proves real Kafka clients work against Cairn unchanged: kafkajs 2.2 (an independent
// implementation) produces, consumes, joins groups, commits and replays against a broker
// started in-process on an ephemeral port with a temporary data dir, over real sockets. An
// idempotent producer whose Produce response is lost (its connection cut) retries, and the
// broker appends the batch once; a transactional producer fails at once (no coordinator).
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Consumer,
  type EachMessagePayload,
  type ISocketFactory,
  Kafka,
  logLevel,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';

let dataDir: string;
let broker: RunningBroker;
let kafka: Kafka;
const consumers: Consumer[] = [];

async function start(): Promise<void> {
  broker = await startBroker({ dataDir, kafkaPort: 0, groupInitialRebalanceDelayMs: 50 });
  kafka = new Kafka({
    clientId: 'e2e',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 50 },
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-e2e-'));
  await start();
});

afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  await admin.disconnect();
}

async function produce(
  topic: string,
  messages: Array<{
    key?: string;
    value: string;
    partition?: number;
    headers?: Record<string, string>;
  }>,
  idempotent = false,
): Promise<void> {
  const producer = kafka.producer(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {});
  await producer.connect();
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
}

interface Received {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  member: string;
}

/** Runs a group member that collects messages until `until` says stop. */
async function consume(
  groupId: string,
  topic: string,
  received: Received[],
  member = 'a',
  fromBeginning = true,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6_000,
    heartbeatInterval: 300,
    rebalanceTimeout: 6_000,
    maxWaitTimeInMs: 100,
  });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        headers[name] = String(value);
      }
      received.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? '',
        headers,
        member,
      });
    },
  });
  return consumer;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const PRODUCE_API_KEY = 0;
const SIZE_BYTES = 4;

/**
 * kafkajs's socket, but the first Produce response that comes back on any connection is
 * dropped and that connection cut, as if the network lost it after the broker appended.
 * Requests are written one frame per write by kafkajs; responses are re-framed here.
 */
function losingFirstProduceResponse(): { socketFactory: ISocketFactory; dropped: () => number } {
  let droppedCount = 0;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket: Socket = connect({ host, port }, onConnect);
    const produceIds = new Set<number>();
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.readInt16BE(SIZE_BYTES) === PRODUCE_API_KEY) {
        produceIds.add(chunk.readInt32BE(SIZE_BYTES + 4));
      }
      return write(chunk, ...rest);
    }) as Socket['write'];
    const emit = socket.emit.bind(socket) as (
      event: string | symbol,
      ...args: unknown[]
    ) => boolean;
    let pending = Buffer.alloc(0);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'data') return emit(event, ...args);
      pending = Buffer.concat([pending, args[0] as Buffer]);
      while (pending.length >= SIZE_BYTES + 4) {
        const frameBytes = SIZE_BYTES + pending.readInt32BE(0);
        if (pending.length < frameBytes) break;
        const frame = pending.subarray(0, frameBytes);
        pending = pending.subarray(frameBytes);
        if (droppedCount === 0 && produceIds.has(frame.readInt32BE(SIZE_BYTES))) {
          droppedCount += 1;
          // With an error, as a reset connection: kafkajs notices 'error', not a bare 'close'.
          socket.destroy(new Error('connection lost before the Produce response'));
          return true;
        }
        emit('data', frame);
      }
      return true;
    }) as Socket['emit'];
    return socket;
  };
  return { socketFactory, dropped: () => droppedCount };
}

describe('kafkajs against Cairn', () => {
  it('produces and consumes with keys and headers, in order per partition', async () => {
    await createTopic('orders', 3);
    const messages = Array.from({ length: 60 }, (_, index) => ({
      key: `customer-${index % 5}`,
      value: `order-${index}`,
      headers: { source: 'e2e', index: String(index) },
    }));
    await produce('orders', messages);
    const received: Received[] = [];
    await consume('orders-reader', 'orders', received);
    await until(() => received.length >= 60);
    expect(received).toHaveLength(60);
    expect(new Set(received.map((m) => m.value)).size).toBe(60);
    for (const message of received) {
      expect(message.headers.source).toBe('e2e');
      expect(message.value).toBe(`order-${message.headers.index}`);
    }
    // The same key always lands on the same partition, and each partition reads in order.
    const partitionOfKey = new Map<string, number>();
    for (const message of received) {
      const seen = partitionOfKey.get(message.key!) ?? message.partition;
      expect(message.partition).toBe(seen);
      partitionOfKey.set(message.key!, seen);
    }
    for (let partition = 0; partition < 3; partition++) {
      const indexes = received
        .filter((m) => m.partition === partition)
        .map((m) => Number(m.headers.index));
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    }
  });

  it('fans out to two groups that each read everything', async () => {
    await createTopic('fanout', 2);
    await produce(
      'fanout',
      Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })),
    );
    const first: Received[] = [];
    const second: Received[] = [];
    await Promise.all([consume('fan-1', 'fanout', first), consume('fan-2', 'fanout', second)]);
    await until(() => first.length >= 20 && second.length >= 20);
    expect(first.map((m) => m.value).sort()).toEqual(second.map((m) => m.value).sort());
  });

  it('splits partitions between two members of one group', async () => {
    await createTopic('shared', 4);
    const received: Received[] = [];
    await consume('sharers', 'shared', received, 'a');
    await consume('sharers', 'shared', received, 'b');
    // Produce after both joined so the second member's partitions are not drained by the first.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await produce(
      'shared',
      Array.from({ length: 40 }, (_, i) => ({ value: `s${i}`, partition: i % 4 })),
    );
    await until(() => new Set(received.map((m) => m.value)).size >= 40);
    const membersByPartition = new Map<number, Set<string>>();
    for (const message of received) {
      const members = membersByPartition.get(message.partition) ?? new Set();
      members.add(message.member);
      membersByPartition.set(message.partition, members);
    }
    const membersSeen = new Set(received.map((m) => m.member));
    expect(membersSeen).toEqual(new Set(['a', 'b']));
    // Split, not shared: each partition went to one member, and no record was read twice.
    expect([...membersByPartition.values()].map((members) => members.size)).toEqual([1, 1, 1, 1]);
    expect(received).toHaveLength(40);
  });

  it('resumes from committed offsets in a new member', async () => {
    await createTopic('resume', 1);
    await produce(
      'resume',
      Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })),
    );
    const firstRun: Received[] = [];
    const consumer = await consume('resumers', 'resume', firstRun);
    await until(() => firstRun.length >= 10);
    await consumer.disconnect();
    await produce(
      'resume',
      Array.from({ length: 5 }, (_, i) => ({ value: `r${10 + i}` })),
    );
    const secondRun: Received[] = [];
    await consume('resumers', 'resume', secondRun);
    await until(() => secondRun.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondRun.map((m) => m.value)).toEqual(['r10', 'r11', 'r12', 'r13', 'r14']);
  });

  it('seeks to an offset and to a timestamp', async () => {
    await createTopic('replay', 1);
    await produce(
      'replay',
      Array.from({ length: 10 }, (_, i) => ({ value: `early${i}` })),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await produce(
      'replay',
      Array.from({ length: 10 }, (_, i) => ({ value: `late${i}` })),
    );

    const admin = kafka.admin();
    await admin.connect();
    const byTime = await admin.fetchTopicOffsetsByTimestamp('replay', middle);
    await admin.disconnect();
    expect(byTime).toEqual([expect.objectContaining({ partition: 0, offset: '10' })]);

    const received: Received[] = [];
    const consumer = kafka.consumer({ groupId: 'seeker', maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'replay' });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          partition,
          offset: Number(message.offset),
          key: null,
          value: message.value?.toString() ?? '',
          headers: {},
          member: 'seeker',
        });
      },
    });
    consumer.seek({ topic: 'replay', partition: 0, offset: '15' });
    await until(() => received.length >= 5);
    expect(received[0]).toMatchObject({ offset: 15, value: 'late5' });
  });

  it('keeps consuming when a member leaves and another joins mid-stream', async () => {
    await createTopic('churn', 2);
    const received: Received[] = [];
    const first = await consume('churners', 'churn', received, 'a');
    await produce(
      'churn',
      Array.from({ length: 20 }, (_, i) => ({ value: `c${i}`, partition: i % 2 })),
    );
    await until(() => received.length >= 20);
    await consume('churners', 'churn', received, 'b');
    await first.disconnect();
    await produce(
      'churn',
      Array.from({ length: 20 }, (_, i) => ({ value: `c${20 + i}`, partition: i % 2 })),
    );
    await until(() => new Set(received.map((m) => m.value)).size >= 40);
    const late = received.filter((m) => Number(m.value.slice(1)) >= 20);
    expect(late.every((m) => m.member === 'b')).toBe(true);
  });

  it('accepts an idempotent producer', async () => {
    await createTopic('idempotent', 1);
    await produce(
      'idempotent',
      Array.from({ length: 5 }, (_, i) => ({ value: `i${i}` })),
      true,
    );
    await produce(
      'idempotent',
      Array.from({ length: 5 }, (_, i) => ({ value: `j${i}` })),
      true,
    );
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('idempotent');
    await admin.disconnect();
    expect(offsets[0]).toMatchObject({ partition: 0, high: '10', low: '0' });
  });

  it('retries an idempotent produce whose response was lost, appending it once', async () => {
    await createTopic('idempotent-retry', 1);
    const { socketFactory, dropped } = losingFirstProduceResponse();
    const lossy = new Kafka({
      clientId: 'e2e-lossy',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 50 },
      socketFactory,
    });
    const producer = lossy.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 5 }, (_, i) => ({ value: `r${i}` }));
    const [first] = await producer.send({ topic: 'idempotent-retry', messages, acks: -1 });
    expect(dropped()).toBe(1);
    expect(first).toMatchObject({ partition: 0, baseOffset: '0' });
    const [second] = await producer.send({ topic: 'idempotent-retry', messages, acks: -1 });
    expect(second).toMatchObject({ partition: 0, baseOffset: '5' });
    await producer.disconnect();

    const read: Received[] = [];
    await consume('idempotent-retry-readers', 'idempotent-retry', read);
    await until(() => read.length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(read.map((m) => m.value)).toEqual([...messages, ...messages].map((m) => m.value));
  });

  it('fails a transactional producer at once, and idempotent producers still work', async () => {
    const producer = kafka.producer({
      transactionalId: 'tx-e2e',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const startedAt = Date.now();
    // Cairn refuses the transaction coordinator lookup with TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    // kafkajs's broker pool drops that code and reports the lookup as failed, not retriable.
    await expect(producer.transaction()).rejects.toMatchObject({
      name: 'KafkaJSGroupCoordinatorNotFound',
      retriable: false,
    });
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    await producer.disconnect();

    await produce('after-tx-refusal', [{ value: 'idempotent' }], true);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('after-tx-refusal');
    await admin.disconnect();
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, high: '1' })]);
  });

  it('keeps data and committed offsets across a broker restart', async () => {
    await createTopic('durable', 1);
    await produce(
      'durable',
      Array.from({ length: 8 }, (_, i) => ({ value: `d${i}` })),
    );
    const firstRun: Received[] = [];
    const consumer = await consume('durables', 'durable', firstRun);
    await until(() => firstRun.length >= 8);
    await consumer.disconnect();

    await broker.close();
    await start();

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'durables', topics: ['durable'] });
    const offsets = await admin.fetchTopicOffsets('durable');
    await admin.disconnect();
    expect(committed[0]?.partitions[0]).toMatchObject({ partition: 0, offset: '8' });
    expect(offsets[0]).toMatchObject({ high: '8', low: '0' });

    await produce('durable', [{ value: 'after-restart' }]);
    const secondRun: Received[] = [];
    await consume('durables', 'durable', secondRun);
    await until(() => secondRun.length >= 1);
    expect(secondRun.map((m) => m.value)).toEqual(['after-restart']);
  });
});
