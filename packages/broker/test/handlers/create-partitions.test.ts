// Proves CreatePartitions over a real registry and log dir: a topic grows to the requested
// total (kept across a reopen), manual assignments must give one entry per new partition on
// this broker, every refusal carries its code and message, and validateOnly adds nothing.
import {
  type CreatePartitionsRequest,
  type CreatePartitionsRequestTopic,
  ErrorCode,
} from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCreatePartitionsHandler } from '../../src/handlers/create-partitions.js';
import { AdminFixture, context, nodeId } from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
  await fixture.registry.createTopic('orders', { partitionCount: 2 });
});

afterEach(async () => {
  await fixture.close();
});

function topic(
  name: string,
  count: number,
  assignments: number[][] | null = null,
): CreatePartitionsRequestTopic {
  return {
    name,
    count,
    assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null,
  };
}

function request(topics: CreatePartitionsRequestTopic[], validateOnly = false) {
  return { topics, timeoutMs: 30_000, validateOnly } satisfies CreatePartitionsRequest;
}

async function grow(topics: CreatePartitionsRequestTopic[], validateOnly = false) {
  const handler = createCreatePartitionsHandler(fixture.deps);
  const response = await handler.handle(request(topics, validateOnly), context);
  if (response === null) throw new Error('CreatePartitions always answers');
  for (const result of response.results) {
    if (result.errorCode !== ErrorCode.NONE) expect(result.errorMessage).toBeTruthy();
  }
  return response.results;
}

const partitionCount = (name: string) => fixture.registry.topic(name)?.partitions.length;

describe('CreatePartitions handler', () => {
  it('grows a topic to the new total, kept across a reopen', async () => {
    const [result] = await grow([topic('orders', 5)]);
    expect(result).toEqual({ name: 'orders', errorCode: ErrorCode.NONE, errorMessage: null });
    expect(partitionCount('orders')).toBe(5);
    expect((await fixture.reopen()).topic('orders')?.partitions).toHaveLength(5);
  });

  it('accepts one assignment per new partition on this broker', async () => {
    const [result] = await grow([topic('orders', 4, [[nodeId], [nodeId]])]);
    expect(result?.errorCode).toBe(ErrorCode.NONE);
    expect(partitionCount('orders')).toBe(4);
  });

  it.each([
    ['too few assignments', [[nodeId]]],
    ['too many assignments', [[nodeId], [nodeId], [nodeId]]],
    ['another broker', [[nodeId], [nodeId + 1]]],
    ['two replicas', [[nodeId], [nodeId, nodeId]]],
  ])('refuses %s with INVALID_REPLICA_ASSIGNMENT', async (_, assignments) => {
    const [result] = await grow([topic('orders', 4, assignments)]);
    expect(result?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(partitionCount('orders')).toBe(2);
  });

  it('answers each refusal with its own code and message', async () => {
    await fixture.registry.createTopic('__consumer_offsets', { partitionCount: 1 });
    const results = await grow([
      topic('orders', 2),
      topic('missing', 3),
      topic('__consumer_offsets', 3),
    ]);
    expect(results.map(({ errorCode }) => errorCode)).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    ]);
    const [fewer] = await grow([topic('orders', 1)]);
    expect(fewer?.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const [tooMany] = await grow([topic('orders', 1_000_000)]);
    expect(tooMany?.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(partitionCount('orders')).toBe(2);
    expect(partitionCount('__consumer_offsets')).toBe(1);
  });

  it('answers a topic listed twice with INVALID_REQUEST and grows neither', async () => {
    const results = await grow([topic('orders', 3), topic('orders', 4)]);
    expect(results.map(({ errorCode }) => errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(partitionCount('orders')).toBe(2);
  });

  it('validates without adding partitions when validateOnly is set', async () => {
    const [result] = await grow([topic('orders', 6)], true);
    expect(result?.errorCode).toBe(ErrorCode.NONE);
    expect(partitionCount('orders')).toBe(2);
    expect(fixture.registry.partitionLog('orders', 2)).toBeUndefined();
    expect((await fixture.reopen()).topic('orders')?.partitions).toHaveLength(2);
  });

  it('reports a whole-request failure for every topic', () => {
    const handler = createCreatePartitionsHandler(fixture.deps);
    expect(handler.errorResponse(request([topic('a', 2)]), ErrorCode.NOT_CONTROLLER)).toEqual({
      throttleTimeMs: 0,
      results: [{ name: 'a', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }],
    });
  });
});
