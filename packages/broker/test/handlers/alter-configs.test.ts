// Proves AlterConfigs over a real registry and log dir: a topic's whole override set is
// replaced (keys left out or null go back to the default), reaches the open logs and survives a
// reopen; a refused value changes nothing on disk; broker, unknown-type, repeated and internal
// resources get their codes and messages; validateOnly changes nothing.
import {
  type AlterConfigsRequestConfig,
  type AlterConfigsRequestResource,
  ErrorCode,
} from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlterConfigsHandler } from '../../src/handlers/alter-configs.js';
import { ConfigResourceType } from '../../src/handlers/describe-configs.js';
import { AdminFixture, context, nodeId } from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
  await fixture.registry.createTopic('orders', {
    partitionCount: 2,
    configs: { 'retention.ms': '60000', 'cleanup.policy': 'compact' },
  });
});

afterEach(async () => {
  await fixture.close();
});

function topic(
  resourceName: string,
  configs: Record<string, string | null>,
): AlterConfigsRequestResource {
  const entries: AlterConfigsRequestConfig[] = Object.entries(configs).map(([name, value]) => ({
    name,
    value,
  }));
  return { resourceType: ConfigResourceType.TOPIC, resourceName, configs: entries };
}

async function alter(resources: AlterConfigsRequestResource[], validateOnly = false) {
  const handler = createAlterConfigsHandler(fixture.registry);
  const response = await handler.handle({ resources, validateOnly }, context);
  if (response === null) throw new Error('AlterConfigs always answers');
  for (const result of response.responses) {
    if (result.errorCode !== ErrorCode.NONE) expect(result.errorMessage).toBeTruthy();
  }
  return response.responses;
}

const configsOf = (name: string) => fixture.registry.topic(name)?.configs;

describe('AlterConfigs handler', () => {
  it('replaces the whole override set, on the logs and across a reopen', async () => {
    const [result] = await alter([
      topic('orders', { 'segment.bytes': '1048576', 'retention.ms': null }),
    ]);
    expect(result).toEqual({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resourceType: ConfigResourceType.TOPIC,
      resourceName: 'orders',
    });
    expect(configsOf('orders')).toEqual({ 'segment.bytes': '1048576' });
    const log = fixture.registry.partitionLog('orders', 1);
    expect(log?.config).toMatchObject({ segmentBytes: 1_048_576, cleanupPolicy: 'delete' });

    const reopened = await fixture.reopen();
    expect(reopened.topic('orders')?.configs).toEqual({ 'segment.bytes': '1048576' });
    expect(reopened.partitionLog('orders', 0)?.config.retentionMs).toBe(7 * 24 * 3600 * 1000);
  });

  it('refuses bad values and unknown keys with INVALID_CONFIG, changing nothing', async () => {
    const results = await alter([
      topic('orders', { 'retention.ms': 'forever' }),
      topic('orders-too', {}),
    ]);
    expect(results[0]?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(results[0]?.errorMessage).toMatch(/retention\.ms/);
    expect(results[1]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [unknown] = await alter([topic('orders', { 'min.colour': 'blue' })]);
    expect(unknown?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const expected = { 'retention.ms': '60000', 'cleanup.policy': 'compact' };
    expect(configsOf('orders')).toEqual(expected);
    expect((await fixture.reopen()).topic('orders')?.configs).toEqual(expected);
  });

  it('refuses what the log refuses (regression: persisted, then unopenable)', async () => {
    const [huge] = await alter([topic('orders', { 'segment.bytes': String(2 ** 31) })]);
    expect(huge?.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(huge?.errorMessage).toMatch(/segment\.bytes/);
    const reopened = await fixture.reopen();
    expect(reopened.topic('orders')?.configs).toEqual({
      'retention.ms': '60000',
      'cleanup.policy': 'compact',
    });
  });

  it('refuses broker, unknown-type, repeated and internal resources', async () => {
    await fixture.registry.createTopic('__consumer_offsets', { partitionCount: 1 });
    await fixture.registry.createTopic('twice', { partitionCount: 1 });
    const broker = { resourceType: ConfigResourceType.BROKER, resourceName: String(nodeId) };
    const results = await alter([
      { ...broker, configs: [{ name: 'log.retention.ms', value: '1000' }] },
      { resourceType: 8, resourceName: 'logger', configs: [] },
      topic('twice', { 'retention.ms': '1000' }),
      topic('twice', { 'retention.ms': '2000' }),
      topic('__consumer_offsets', { 'retention.ms': '1000' }),
    ]);
    expect(results.map(({ resourceName, errorCode }) => [resourceName, errorCode])).toEqual([
      [String(nodeId), ErrorCode.INVALID_REQUEST],
      ['logger', ErrorCode.INVALID_REQUEST],
      ['twice', ErrorCode.INVALID_REQUEST],
      ['twice', ErrorCode.INVALID_REQUEST],
      ['__consumer_offsets', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    expect(results[0]?.errorMessage).toMatch(/flags/);
    expect(configsOf('twice')).toEqual({});
    expect(configsOf('__consumer_offsets')).toEqual({});
  });

  it('validates without changing anything when validateOnly is set', async () => {
    const [result] = await alter([topic('orders', { 'retention.ms': '1000' })], true);
    expect(result?.errorCode).toBe(ErrorCode.NONE);
    expect(configsOf('orders')).toEqual({ 'retention.ms': '60000', 'cleanup.policy': 'compact' });
    expect(fixture.registry.partitionLog('orders', 0)?.config.retentionMs).toBe(60_000);
  });

  it('reports a whole-request failure for every resource', () => {
    const handler = createAlterConfigsHandler(fixture.registry);
    const request = { resources: [topic('a', {})], validateOnly: false };
    expect(handler.errorResponse(request, ErrorCode.NOT_CONTROLLER)).toEqual({
      throttleTimeMs: 0,
      responses: [
        {
          errorCode: ErrorCode.NOT_CONTROLLER,
          errorMessage: null,
          resourceType: ConfigResourceType.TOPIC,
          resourceName: 'a',
        },
      ],
    });
  });
});
