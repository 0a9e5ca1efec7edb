// Proves the HTTP API and the Kafka protocol see one broker: records produced over HTTP are
// read by kafkajs (an independent Kafka client) with their keys, headers and partitions
// (murmur2 as kafkajs's default partitioner), records kafkajs produced are read over HTTP,
// a kafkajs group's committed offsets and lag show over HTTP as kafkajs's admin reads them,
// and an HTTP member is refused from a kafkajs group whose assignor it does not share.
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpFixture, startHttpFixture } from './http-fixture.js';

let http: HttpFixture;
let kafka: Kafka;
const consumers: Consumer[] = [];

beforeAll(async () => {
  http = await startHttpFixture();
  kafka = new Kafka({
    clientId: 'http-interop',
    brokers: [http.broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 50 },
  });
});

afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
  await http?.close();
});

interface Received {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads `count` messages of `topic` from the beginning with a kafkajs group consumer. */
async function consumeWithKafkajs(topic: string, groupId: string, count: number) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${count}`)), 20_000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(message.headers ?? {})) {
            headers[key] = String(value);
          }
          received.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers,
          });
          if (received.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  return { consumer, received };
}

describe('HTTP and kafkajs on one broker', () => {
  it('kafkajs reads HTTP-produced records; keys land where kafkajs puts them', async () => {
    await http.request('POST', '/topics', { name: 'from-http', partitions: 3 });
    const keys = Array.from({ length: 12 }, (_, index) => `key-${index}`);
    const produced = await http.request<{ offsets: Array<{ partition: number }> }>(
      'POST',
      '/topics/from-http/records',
      {
        valueFormat: 'text',
        records: keys.map((key) => ({
          key,
          value: `value of ${key}`,
          headers: [{ key: 'source', value: 'http' }],
        })),
      },
    );
    expect(produced.status).toBe(200);

    // The same keys through kafkajs's default (Java-compatible, murmur2) partitioner.
    await http.request('POST', '/topics', { name: 'from-kafkajs-keys', partitions: 3 });
    const producer = kafka.producer();
    await producer.connect();
    const metadata = await producer.send({
      topic: 'from-kafkajs-keys',
      acks: -1,
      messages: keys.map((key) => ({ key, value: key })),
    });
    await producer.disconnect();
    const kafkajsPartitions = new Map<string, number>();
    const lookup = await consumeWithKafkajs('from-kafkajs-keys', 'keys-reader', keys.length);
    for (const message of lookup.received) kafkajsPartitions.set(message.key!, message.partition);
    expect(metadata.length).toBeGreaterThan(0);
    keys.forEach((key, index) => {
      expect(produced.body.offsets[index]!.partition, key).toBe(kafkajsPartitions.get(key));
    });

    const { received } = await consumeWithKafkajs('from-http', 'http-reader', keys.length);
    const byKey = new Map(received.map((message) => [message.key, message]));
    keys.forEach((key, index) => {
      expect(byKey.get(key)).toMatchObject({
        value: `value of ${key}`,
        headers: { source: 'http' },
        partition: produced.body.offsets[index]!.partition,
      });
    });
  });

  it('reads kafkajs-produced records over HTTP', async () => {
    await http.request('POST', '/topics', { name: 'from-kafkajs', partitions: 1 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'from-kafkajs',
      acks: -1,
      messages: [
        { key: 'a', value: JSON.stringify({ n: 1 }), headers: { trace: 't-1' } },
        { key: null, value: 'plain' },
        { key: 'c', value: null },
      ],
    });
    await producer.disconnect();
    const read = await http.request<{
      records: Array<Record<string, unknown>>;
      nextOffset: number;
    }>('GET', '/topics/from-kafkajs/partitions/0/records');
    expect(read.body.nextOffset).toBe(3);
    expect(read.body.records).toEqual([
      expect.objectContaining({
        offset: 0,
        key: 'a',
        value: { n: 1 },
        headers: [{ key: 'trace', value: 't-1' }],
      }),
      expect.objectContaining({ offset: 1, key: null, value: 'plain', format: 'text' }),
      expect.objectContaining({ offset: 2, key: 'c', value: null }),
    ]);
  });

  it("shows a kafkajs group's members, committed offsets and lag as kafkajs's admin does", async () => {
    await http.request('POST', '/topics', { name: 'lag', partitions: 2 });
    await http.request('POST', '/topics/lag/records', {
      records: [
        ...Array.from({ length: 5 }, (_, n) => ({ value: n, partition: 0 })),
        ...Array.from({ length: 3 }, (_, n) => ({ value: n, partition: 1 })),
      ],
    });
    const { consumer } = await consumeWithKafkajs('lag', 'lag-group', 8);
    await consumer.commitOffsets([
      { topic: 'lag', partition: 0, offset: '2' },
      { topic: 'lag', partition: 1, offset: '3' },
    ]);

    const admin = kafka.admin();
    await admin.connect();
    const [fetched] = await admin.fetchOffsets({ groupId: 'lag-group', topics: ['lag'] });
    await admin.disconnect();
    const kafkajsOffsets = fetched!.partitions
      .map(({ partition, offset }) => ({ partition, offset: Number(offset) }))
      .sort((a, b) => a.partition - b.partition);
    expect(kafkajsOffsets).toEqual([
      { partition: 0, offset: 2 },
      { partition: 1, offset: 3 },
    ]);

    const lag = await http.request<{ partitions: Array<Record<string, number>> }>(
      'GET',
      '/groups/lag-group/offsets',
    );
    expect(
      lag.body.partitions.map(({ partition, committedOffset }) => ({
        partition,
        offset: committedOffset,
      })),
    ).toEqual(kafkajsOffsets);
    expect(lag.body.partitions.map((p) => [p.logEndOffset, p.lag])).toEqual([
      [5, 3],
      [3, 0],
    ]);
    expect(lag.body.partitions[0]!.timeLagMs).toBeGreaterThanOrEqual(0);

    const described = await http.request<{
      state: string;
      protocolType: string;
      members: Array<{ clientId: string; assignment: unknown }>;
    }>('GET', '/groups/lag-group');
    expect(described.body).toMatchObject({ state: 'Stable', protocolType: 'consumer' });
    expect(described.body.members).toEqual([
      expect.objectContaining({
        clientId: 'http-interop',
        assignment: [{ topic: 'lag', partitions: [0, 1] }],
      }),
    ]);

    // kafkajs offers only RoundRobinAssigner: an HTTP member ('range') cannot join.
    const joined = await http.request('POST', '/groups/lag-group/members', {
      topics: ['lag'],
      sessionTimeoutMs: 10_000,
    });
    expect(joined).toMatchObject({ status: 409, body: { error: 'INCONSISTENT_GROUP_PROTOCOL' } });
    expect((joined.body as { message: string }).message).toContain("'range'");
  });
});
