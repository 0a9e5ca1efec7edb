// Proves DeleteTopics over a real registry and log dir: a topic goes with its data (a topic
// created again under its name starts empty, and a reopen does not bring it back), and unknown,
// repeated and internal names get their own error codes without stopping the others.
import { readdir } from 'node:fs/promises';
import { type DeleteTopicsRequest, ErrorCode } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeleteTopicsHandler } from '../../src/handlers/delete-topics.js';
import { AdminFixture, appendRecords, context } from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
});

afterEach(async () => {
  await fixture.close();
});

function request(topicNames: string[]): DeleteTopicsRequest {
  return { topicNames, timeoutMs: 30_000 };
}

async function deleteTopics(topicNames: string[]) {
  const response = await createDeleteTopicsHandler(fixture.registry).handle(
    request(topicNames),
    context,
  );
  if (response === null) throw new Error('DeleteTopics always answers');
  return response.responses.map(({ name, errorCode }) => [name, errorCode]);
}

describe('DeleteTopics handler', () => {
  it('deletes a topic and its data, for good', async () => {
    await fixture.registry.createTopic('orders', { partitionCount: 2 });
    const log = fixture.registry.partitionLog('orders', 0);
    if (log === undefined) throw new Error('no log');
    await appendRecords(log, 3);

    expect(await deleteTopics(['orders'])).toEqual([['orders', ErrorCode.NONE]]);
    expect(fixture.registry.topic('orders')).toBeUndefined();
    expect((await readdir(fixture.dataDir)).filter((entry) => entry.startsWith('orders'))).toEqual(
      [],
    );

    await fixture.registry.createTopic('orders', { partitionCount: 1 });
    expect(fixture.registry.partitionLog('orders', 0)?.logEndOffset).toBe(0);
    await deleteTopics(['orders']);
    expect((await fixture.reopen()).topic('orders')).toBeUndefined();
  });

  it('answers unknown, repeated and internal names each with its code', async () => {
    await fixture.registry.createTopic('kept', { partitionCount: 1 });
    await fixture.registry.createTopic('twice', { partitionCount: 1 });
    await fixture.registry.createTopic('gone', { partitionCount: 1 });
    await fixture.registry.createTopic('__consumer_offsets', { partitionCount: 1 });

    expect(await deleteTopics(['missing', 'twice', 'gone', 'twice', '__consumer_offsets'])).toEqual(
      [
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['twice', ErrorCode.INVALID_REQUEST],
        ['gone', ErrorCode.NONE],
        ['twice', ErrorCode.INVALID_REQUEST],
        ['__consumer_offsets', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    const remaining = [...fixture.registry.topics()].map(({ name }) => name).sort();
    expect(remaining).toEqual(['__consumer_offsets', 'kept', 'twice']);
  });

  it('reports a whole-request failure for every name', () => {
    const handler = createDeleteTopicsHandler(fixture.registry);
    expect(handler.errorResponse(request(['a', 'b']), ErrorCode.NOT_CONTROLLER)).toEqual({
      throttleTimeMs: 0,
      responses: [
        { name: 'a', errorCode: ErrorCode.NOT_CONTROLLER },
        { name: 'b', errorCode: ErrorCode.NOT_CONTROLLER },
      ],
    });
  });
});
