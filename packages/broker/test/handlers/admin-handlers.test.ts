// Proves createAdminHandlers gives the dispatch table one handler for each of the seven admin
// APIs, by API key, each answering over the same registry.
import { ErrorCode } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminHandlers } from '../../src/handlers/admin-handlers.js';
import { AdminFixture, context } from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
});

afterEach(async () => {
  await fixture.close();
});

describe('createAdminHandlers', () => {
  it('returns the seven admin APIs over one registry', async () => {
    const handlers = createAdminHandlers(fixture.deps);
    expect(handlers.map(({ api }) => [api.apiKey, api.name])).toEqual([
      [19, 'CreateTopics'],
      [20, 'DeleteTopics'],
      [37, 'CreatePartitions'],
      [32, 'DescribeConfigs'],
      [33, 'AlterConfigs'],
      [44, 'IncrementalAlterConfigs'],
      [21, 'DeleteRecords'],
    ]);
    const createTopics = handlers[0];
    const response = await createTopics?.handle(
      {
        topics: [
          { name: 'a', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
        ],
        timeoutMs: 0,
        validateOnly: false,
      },
      context,
    );
    expect(response.topics[0].errorCode).toBe(ErrorCode.NONE);
    expect(fixture.registry.topic('a')).toBeDefined();
  });
});
