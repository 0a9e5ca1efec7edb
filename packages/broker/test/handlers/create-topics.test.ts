// Proves CreateTopics over a real registry and log dir: topics are created with the requested
// or default partition count and their configs as overrides (kept across a reopen), each topic
// gets its own error code and message for every refusal Kafka makes, and validateOnly leaves
// nothing behind, in memory or on disk.
import { readdir } from 'node:fs/promises';
import {
  type CreateTopicsRequest,
  type CreateTopicsRequestTopic,
  createTopicsApi,
  ErrorCode,
} from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCreateTopicsHandler } from '../../src/handlers/create-topics.js';
import {
  AdminFixture,
  context,
  defaultPartitionCount,
  nodeId,
  throughCodec,
} from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
});

afterEach(async () => {
  await fixture.close();
});

function topic(name: string, fields: Partial<CreateTopicsRequestTopic> = {}) {
  return { name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...fields };
}

function request(topics: CreateTopicsRequestTopic[], validateOnly = false): CreateTopicsRequest {
  return { topics, timeoutMs: 30_000, validateOnly };
}

async function create(topics: CreateTopicsRequestTopic[], validateOnly = false) {
  const response = await createCreateTopicsHandler(fixture.deps).handle(
    request(topics, validateOnly),
    context,
  );
  if (response === null) throw new Error('CreateTopics always answers');
  return response;
}

/** The single topic's result, with the message checked to be present when it failed. */
async function createOne(entry: CreateTopicsRequestTopic, validateOnly = false) {
  const { topics } = await create([entry], validateOnly);
  expect(topics).toHaveLength(1);
  const [result] = topics;
  if (result === undefined) throw new Error('no result');
  if (result.errorCode !== ErrorCode.NONE) expect(result.errorMessage).toBeTruthy();
  return result;
}

describe('CreateTopics handler', () => {
  it('creates a topic with its partitions and config overrides, kept across a reopen', async () => {
    const result = await createOne(
      topic('orders', { numPartitions: 4, configs: [{ name: 'retention.ms', value: '60000' }] }),
    );
    expect(result).toEqual({ name: 'orders', errorCode: ErrorCode.NONE, errorMessage: null });
    expect(fixture.registry.topic('orders')?.partitions).toHaveLength(4);

    const reopened = await fixture.reopen();
    const orders = reopened.topic('orders');
    expect(orders?.partitions).toHaveLength(4);
    expect(orders?.configs).toEqual({ 'retention.ms': '60000' });
    expect(reopened.partitionLog('orders', 3)?.config.retentionMs).toBe(60_000);
  });

  it('uses the broker default partition count and replication for -1', async () => {
    const result = await createOne(topic('defaults', { numPartitions: -1, replicationFactor: -1 }));
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(fixture.registry.topic('defaults')?.partitions).toHaveLength(defaultPartitionCount);
  });

  it('accepts manual assignments that place every partition on this broker', async () => {
    const assignments = [1, 0].map((partitionIndex) => ({ partitionIndex, brokerIds: [nodeId] }));
    const result = await createOne(
      topic('placed', { numPartitions: -1, replicationFactor: -1, assignments }),
    );
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(fixture.registry.topic('placed')?.partitions).toHaveLength(2);
  });

  it.each([
    ['another broker', [{ partitionIndex: 0, brokerIds: [nodeId, nodeId + 1] }]],
    ['an unknown broker', [{ partitionIndex: 0, brokerIds: [nodeId + 1] }]],
    ['no broker', [{ partitionIndex: 0, brokerIds: [] }]],
    [
      'a gap in the partitions',
      [0, 2].map((partitionIndex) => ({ partitionIndex, brokerIds: [1] })),
    ],
  ])('refuses an assignment naming %s with INVALID_REPLICA_ASSIGNMENT', async (_, assignments) => {
    const result = await createOne(
      topic('misplaced', { numPartitions: -1, replicationFactor: -1, assignments }),
    );
    expect(result.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(fixture.registry.topic('misplaced')).toBeUndefined();
  });

  it('refuses assignments given with a partition count as INVALID_REQUEST', async () => {
    const assignments = [{ partitionIndex: 0, brokerIds: [nodeId] }];
    const result = await createOne(topic('both', { numPartitions: 1, assignments }));
    expect(result.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it.each([3, 0, -2])('refuses replication factor %i: one broker', async (replicationFactor) => {
    const result = await createOne(topic('replicated', { replicationFactor }));
    expect(result.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(fixture.registry.topic('replicated')).toBeUndefined();
  });

  it('answers each refusal with its own code and message', async () => {
    await createOne(topic('taken'));
    const cases: Array<[CreateTopicsRequestTopic, number]> = [
      [topic('taken'), ErrorCode.TOPIC_ALREADY_EXISTS],
      [topic('bad/name'), ErrorCode.INVALID_TOPIC_EXCEPTION],
      [topic('no-partitions', { numPartitions: 0 }), ErrorCode.INVALID_PARTITIONS],
      [topic('too-many', { numPartitions: 1_000_000 }), ErrorCode.INVALID_PARTITIONS],
      [topic('__consumer_offsets'), ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      [
        topic('bad-value', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        ErrorCode.INVALID_CONFIG,
      ],
      [
        topic('unknown-key', { configs: [{ name: 'colour', value: 'blue' }] }),
        ErrorCode.INVALID_CONFIG,
      ],
      [
        topic('null-value', { configs: [{ name: 'retention.ms', value: null }] }),
        ErrorCode.INVALID_CONFIG,
      ],
    ];
    for (const [entry, errorCode] of cases) {
      const result = await createOne(entry);
      expect({ name: result.name, errorCode: result.errorCode }).toEqual({
        name: entry.name,
        errorCode,
      });
    }
    expect([...fixture.registry.topics()].map(({ name }) => name)).toEqual(['taken']);
  });

  it('refuses a config named after an Object.prototype key (regression: TypeError)', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const result = await createOne(topic('proto', { configs: [{ name, value: '1' }] }));
      expect(result.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    }
  });

  it('refuses a value the log cannot open with, leaving nothing behind', async () => {
    const configs = [{ name: 'segment.bytes', value: String(2 ** 31) }];
    const result = await createOne(topic('huge-segments', { configs }));
    expect(result.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await fixture.reopen()).topic('huge-segments')).toBeUndefined();
  });

  it('answers every entry of a name listed twice with INVALID_REQUEST', async () => {
    const { topics } = await create([topic('twice'), topic('once'), topic('twice')]);
    expect(topics.map(({ name, errorCode }) => [name, errorCode])).toEqual([
      ['twice', ErrorCode.INVALID_REQUEST],
      ['once', ErrorCode.NONE],
      ['twice', ErrorCode.INVALID_REQUEST],
    ]);
    expect(fixture.registry.topic('twice')).toBeUndefined();
  });

  it('validates without creating anything when validateOnly is set', async () => {
    const configs = [{ name: 'cleanup.policy', value: 'compact' }];
    const result = await createOne(topic('dry-run', { configs }), true);
    expect(result.errorCode).toBe(ErrorCode.NONE);
    const refused = await createOne(topic('dry-run-bad', { replicationFactor: 2 }), true);
    expect(refused.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);

    expect(fixture.registry.topic('dry-run')).toBeUndefined();
    expect((await readdir(fixture.dataDir)).filter((entry) => entry.startsWith('dry-run'))).toEqual(
      [],
    );
    expect((await fixture.reopen()).topic('dry-run')).toBeUndefined();
  });

  it('encodes error messages from v1 and none in v0', async () => {
    const response = await create([topic('taken'), topic('taken-too', { numPartitions: 0 })]);
    const v0 = throughCodec(createTopicsApi, 0, response);
    const v4 = throughCodec(createTopicsApi, 4, response);
    expect(v0.topics.map((t) => t.errorMessage)).toEqual([null, null]);
    expect(v4.topics).toEqual(response.topics);
    expect(v4.topics[1]?.errorMessage).toMatch(/partition count 0/);
  });

  it('reports a whole-request failure for every topic', () => {
    const handler = createCreateTopicsHandler(fixture.deps);
    expect(
      handler.errorResponse(request([topic('a'), topic('b')]), ErrorCode.NOT_CONTROLLER),
    ).toEqual({
      throttleTimeMs: 0,
      topics: [
        { name: 'a', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null },
        { name: 'b', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null },
      ],
    });
  });
});
