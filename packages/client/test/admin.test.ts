// Proves each Admin call against the real broker over TCP: topics (create, list, describe, add
// partitions, delete), configs (describe, incremental alter), the cluster, offsets (list by
// earliest/latest/timestamp, delete records), and consumer groups with a live kafkajs member
// (list, describe, fetch offsets, lag, reset refused while it runs, reset once it left, delete).
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../src/admin.js';
import { KafkaClientError } from '../src/errors.js';
import { Producer } from '../src/producer.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';

let test: TestBroker;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  test = await startTestBroker();
  admin = new Admin({
    bootstrap: [test.broker.bootstrap],
    retry: { retries: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
  });
  producer = new Producer({ bootstrap: [test.broker.bootstrap] });
});

afterAll(async () => {
  await producer?.close();
  await admin?.close();
  await test?.stop();
});

describe('topics', () => {
  it('creates topics with partitions and configs, and refuses an existing one', async () => {
    await admin.createTopics([
      { topic: 'admin-a', numPartitions: 3, configs: { 'retention.ms': '3600000' } },
      { topic: 'admin-b' },
    ]);
    const error = await admin
      .createTopics([{ topic: 'admin-a', numPartitions: 1 }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KafkaClientError);
    expect(error).toMatchObject({ errorName: 'TOPIC_ALREADY_EXISTS', topic: 'admin-a' });
    await admin.createTopics([{ topic: 'admin-validate', numPartitions: 2 }], {
      validateOnly: true,
    });
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['admin-a', 'admin-b']));
    expect(await admin.listTopics()).not.toContain('admin-validate');
    expect(await admin.listTopics()).not.toContain('__consumer_offsets');
    expect(await admin.listTopics({ includeInternal: true })).toContain('__consumer_offsets');
  });

  it('describes topics without creating missing ones', async () => {
    const [described] = await admin.describeTopics(['admin-a']);
    expect(described).toMatchObject({ name: 'admin-a', isInternal: false });
    expect(described?.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
      [2, 0, [0], [0]],
    ]);
    await expect(admin.describeTopics(['admin-missing'])).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      topic: 'admin-missing',
    });
    expect(await admin.listTopics()).not.toContain('admin-missing');
  });

  it('adds partitions and refuses to remove any', async () => {
    await admin.createPartitions([{ topic: 'admin-b', count: 4 }]);
    const [described] = await admin.describeTopics(['admin-b']);
    expect(described?.partitions).toHaveLength(4);
    await expect(admin.createPartitions([{ topic: 'admin-b', count: 2 }])).rejects.toMatchObject({
      errorName: 'INVALID_PARTITIONS',
      topic: 'admin-b',
    });
  });

  it('deletes topics', async () => {
    await admin.createTopics([{ topic: 'admin-doomed' }]);
    await admin.deleteTopics(['admin-doomed']);
    expect(await admin.listTopics()).not.toContain('admin-doomed');
    await expect(admin.deleteTopics(['admin-doomed'])).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  });

  it('describes the cluster', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster).toEqual({
      clusterId: expect.any(String),
      controllerId: 0,
      brokers: [{ nodeId: 0, host: '127.0.0.1', port: test.broker.port, rack: null }],
    });
  });
});

describe('configs', () => {
  it('describes topic and broker configs', async () => {
    const [topic, broker] = await admin.describeConfigs([
      { type: 'topic', name: 'admin-a' },
      { type: 'broker', name: '0' },
    ]);
    const retention = topic?.configs.find((config) => config.name === 'retention.ms');
    expect(retention).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_TOPIC_CONFIG',
      isDefault: false,
    });
    const cleanup = topic?.configs.find((config) => config.name === 'cleanup.policy');
    expect(cleanup).toMatchObject({ value: 'delete', isDefault: true });
    expect(broker?.configs.length).toBeGreaterThan(0);
    const [only] = await admin.describeConfigs([
      { type: 'topic', name: 'admin-a', configNames: ['segment.bytes'] },
    ]);
    expect(only?.configs.map((config) => config.name)).toEqual(['segment.bytes']);
  });

  it('sets and deletes single keys, leaving the others', async () => {
    await admin.alterConfigs([
      { type: 'topic', name: 'admin-a', configs: [{ name: 'segment.bytes', value: '1048576' }] },
    ]);
    const [after] = await admin.describeConfigs([{ type: 'topic', name: 'admin-a' }]);
    const value = (name: string) => after?.configs.find((config) => config.name === name)?.value;
    expect(value('segment.bytes')).toBe('1048576');
    expect(value('retention.ms')).toBe('3600000');
    await admin.alterConfigs([
      {
        type: 'topic',
        name: 'admin-a',
        configs: [{ name: 'retention.ms', operation: 'delete' }],
      },
    ]);
    const [reset] = await admin.describeConfigs([
      { type: 'topic', name: 'admin-a', configNames: ['retention.ms'] },
    ]);
    expect(reset?.configs[0]).toMatchObject({ isDefault: true });
    await expect(
      admin.alterConfigs([
        { type: 'topic', name: 'admin-a', configs: [{ name: 'retention.ms', value: 'soon' }] },
      ]),
    ).rejects.toMatchObject({ errorName: 'INVALID_CONFIG', topic: 'admin-a' });
  });
});

describe('offsets and records', () => {
  it('lists earliest, latest and by-timestamp offsets, and deletes records', async () => {
    await admin.createTopics([{ topic: 'admin-offsets', numPartitions: 2 }]);
    const base = 1_700_000_000_000;
    await producer.send(
      'admin-offsets',
      Array.from({ length: 10 }, (_, index) => ({
        value: `r${index}`,
        partition: 0,
        timestamp: base + index * 1_000,
      })),
    );
    expect(await admin.listOffsets('admin-offsets', 'latest')).toEqual([
      { topic: 'admin-offsets', partition: 0, offset: 10, timestamp: -1 },
      { topic: 'admin-offsets', partition: 1, offset: 0, timestamp: -1 },
    ]);
    const [earliest] = await admin.listOffsets('admin-offsets', 'earliest', [0]);
    expect(earliest?.offset).toBe(0);
    const [atTime] = await admin.listOffsets('admin-offsets', { timestamp: base + 4_500 }, [0]);
    expect(atTime).toMatchObject({ offset: 5, timestamp: base + 5_000 });
    const [late] = await admin.listOffsets('admin-offsets', { timestamp: base + 99_000 }, [0]);
    expect(late?.offset).toBe(-1);

    const deleted = await admin.deleteRecords([
      { topic: 'admin-offsets', partition: 0, offset: 3 },
    ]);
    expect(deleted).toEqual([{ topic: 'admin-offsets', partition: 0, lowWatermark: 3 }]);
    const [afterDelete] = await admin.listOffsets('admin-offsets', 'earliest', [0]);
    expect(afterDelete?.offset).toBe(3);
    await expect(
      admin.deleteRecords([{ topic: 'admin-offsets', partition: 0, offset: 50 }]),
    ).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE', partition: 0 });
  });
});

describe('consumer groups', () => {
  let kafka: Kafka;
  let consumer: Consumer | undefined;

  beforeAll(() => {
    kafka = new Kafka({ brokers: [test.broker.bootstrap], logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    await consumer?.disconnect();
  });

  it('lists, describes, measures lag, resets and deletes a group', async () => {
    await admin.createTopics([{ topic: 'admin-group-topic', numPartitions: 2 }]);
    const base = 1_700_000_000_000;
    const records = Array.from({ length: 10 }, (_, index) => ({
      value: `m${index}`,
      partition: index % 2,
      timestamp: base + index * 1_000,
    }));
    await producer.send('admin-group-topic', records);

    // A live member reads everything and commits.
    consumer = kafka.consumer({
      groupId: 'admin-group',
      heartbeatInterval: 100,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: 'admin-group-topic', fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve) => {
      void consumer!.run({
        autoCommitThreshold: 1,
        eachMessage: async () => {
          seen++;
          if (seen === 10) resolve();
        },
      });
    });
    // kafkajs commits after eachMessage returns: wait until both partitions are committed.
    let committed = await admin.fetchOffsets('admin-group');
    for (let attempt = 0; attempt < 100; attempt++) {
      if (committed.length === 2 && committed.every((entry) => entry.offset === 5)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      committed = await admin.fetchOffsets('admin-group');
    }
    expect(committed).toEqual([
      { topic: 'admin-group-topic', partition: 0, offset: 5, metadata: expect.anything() },
      { topic: 'admin-group-topic', partition: 1, offset: 5, metadata: expect.anything() },
    ]);

    const listed = await admin.listGroups();
    expect(listed).toContainEqual({
      groupId: 'admin-group',
      protocolType: 'consumer',
      state: 'Stable',
    });
    const [group] = await admin.describeGroups(['admin-group']);
    expect(group).toMatchObject({
      groupId: 'admin-group',
      state: 'Stable',
      protocolType: 'consumer',
    });
    expect(group?.members).toHaveLength(1);
    expect(group?.members[0]?.assignment).toEqual([
      { topic: 'admin-group-topic', partitions: [0, 1] },
    ]);

    // While the member is in the group, a reset is refused.
    await expect(
      admin.resetOffsets('admin-group', 'admin-group-topic', 'earliest'),
    ).rejects.toMatchObject({ errorName: 'NON_EMPTY_GROUP' });

    await consumer.disconnect();
    consumer = undefined;
    await producer.send('admin-group-topic', [{ value: 'late', partition: 1 }]);
    const lag = await admin.groupLag('admin-group', ['admin-group-topic']);
    expect(lag).toEqual([
      {
        topic: 'admin-group-topic',
        partition: 0,
        committedOffset: 5,
        highWatermark: 5,
        lag: 0,
      },
      { topic: 'admin-group-topic', partition: 1, committedOffset: 5, highWatermark: 6, lag: 1 },
    ]);
    const [left] = await admin.describeGroups(['admin-group']);
    expect(left).toMatchObject({ state: 'Empty', members: [] });

    expect(await admin.resetOffsets('admin-group', 'admin-group-topic', 'earliest')).toEqual([
      { topic: 'admin-group-topic', partition: 0, offset: 0, metadata: null },
      { topic: 'admin-group-topic', partition: 1, offset: 0, metadata: null },
    ]);
    expect((await admin.fetchOffsets('admin-group')).map((entry) => entry.offset)).toEqual([0, 0]);
    // Record 4 (partition 0, offset 2) is the first at base + 4000 on partition 0.
    const byTime = await admin.resetOffsets('admin-group', 'admin-group-topic', {
      timestamp: base + 4_000,
    });
    expect(byTime.map((entry) => entry.offset)).toEqual([2, 2]);
    await admin.resetOffsets('admin-group', 'admin-group-topic', 'latest', [1]);
    await admin.resetOffsets('admin-group', 'admin-group-topic', { offsets: { 0: 4 } });
    expect(
      (await admin.groupLag('admin-group')).map((entry) => [entry.partition, entry.lag]),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
    await admin.deleteGroups(['admin-group']);
    expect((await admin.listGroups()).map((entry) => entry.groupId)).not.toContain('admin-group');
    expect(await admin.fetchOffsets('admin-group')).toEqual([]);
  });

  it('reports a group nobody knows as Dead with no lag to measure', async () => {
    const [group] = await admin.describeGroups(['admin-nobody']);
    expect(group).toMatchObject({ state: 'Dead', members: [] });
    expect(await admin.groupLag('admin-nobody')).toEqual([]);
  });
});
