// Proves IncrementalAlterConfigs over a real registry and log dir: SET and DELETE change single
// keys and leave the rest, APPEND and SUBTRACT edit cleanup.policy as a list and are refused for
// other keys, malformed operations are INVALID_REQUEST as in Kafka, the resource rules are
// AlterConfigs', validateOnly changes nothing, and the result survives a reopen.
import {
  ErrorCode,
  type IncrementalAlterConfigsRequestConfig,
  type IncrementalAlterConfigsRequestResource,
  incrementalAlterConfigsApi,
} from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigResourceType } from '../../src/handlers/describe-configs.js';
import * as incremental from '../../src/handlers/incremental-alter-configs.js';
import { AdminFixture, context, nodeId, throughCodec } from './admin-fixture.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
  await fixture.registry.createTopic('orders', {
    partitionCount: 1,
    configs: { 'retention.ms': '60000', 'segment.ms': '3600000' },
  });
});

afterEach(async () => {
  await fixture.close();
});

const op = (name: string, configOperation: number, value: string | null = null) => ({
  name,
  configOperation,
  value,
});

function topic(
  resourceName: string,
  configs: IncrementalAlterConfigsRequestConfig[],
): IncrementalAlterConfigsRequestResource {
  return { resourceType: ConfigResourceType.TOPIC, resourceName, configs };
}

async function alter(resources: IncrementalAlterConfigsRequestResource[], validateOnly = false) {
  const handler = incremental.createIncrementalAlterConfigsHandler(fixture.registry);
  const response = await handler.handle({ resources, validateOnly }, context);
  if (response === null) throw new Error('IncrementalAlterConfigs always answers');
  for (const result of response.responses) {
    if (result.errorCode !== ErrorCode.NONE) expect(result.errorMessage).toBeTruthy();
  }
  return response;
}

async function alterOne(configs: IncrementalAlterConfigsRequestConfig[], validateOnly = false) {
  const { responses } = await alter([topic('orders', configs)], validateOnly);
  return responses[0]?.errorCode;
}

const configsOf = (name: string) => fixture.registry.topic(name)?.configs;

describe('IncrementalAlterConfigs handler', () => {
  it('sets and deletes single keys, leaving the others, across a reopen', async () => {
    const code = await alterOne([op('retention.ms', SET, '1000'), op('segment.ms', DELETE)]);
    expect(code).toBe(ErrorCode.NONE);
    expect(configsOf('orders')).toEqual({ 'retention.ms': '1000' });
    expect(fixture.registry.partitionLog('orders', 0)?.config.retentionMs).toBe(1000);
    expect((await fixture.reopen()).topic('orders')?.configs).toEqual({ 'retention.ms': '1000' });
  });

  it('appends to and subtracts from cleanup.policy as a list', async () => {
    expect(await alterOne([op('cleanup.policy', APPEND, 'compact')])).toBe(ErrorCode.NONE);
    expect(configsOf('orders')?.['cleanup.policy']).toBe('delete,compact');
    expect(fixture.registry.partitionLog('orders', 0)?.config.cleanupPolicy).toBe('compact,delete');
    expect(await alterOne([op('cleanup.policy', APPEND, 'delete')])).toBe(ErrorCode.NONE);
    expect(configsOf('orders')?.['cleanup.policy']).toBe('delete,compact');
    expect(await alterOne([op('cleanup.policy', SUBTRACT, 'delete')])).toBe(ErrorCode.NONE);
    expect(configsOf('orders')?.['cleanup.policy']).toBe('compact');
    // An empty policy is not a value Cairn accepts.
    expect(await alterOne([op('cleanup.policy', SUBTRACT, 'compact')])).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect(configsOf('orders')?.['cleanup.policy']).toBe('compact');
  });

  it('refuses APPEND and SUBTRACT of a non-list key with INVALID_CONFIG', async () => {
    expect(await alterOne([op('retention.ms', APPEND, '1')])).toBe(ErrorCode.INVALID_CONFIG);
    expect(await alterOne([op('segment.ms', SUBTRACT, '1')])).toBe(ErrorCode.INVALID_CONFIG);
    expect(await alterOne([op('colour', APPEND, 'blue')])).toBe(ErrorCode.INVALID_CONFIG);
    expect(await alterOne([op('retention.ms', SET, 'x')])).toBe(ErrorCode.INVALID_CONFIG);
    expect(configsOf('orders')).toEqual({ 'retention.ms': '60000', 'segment.ms': '3600000' });
  });

  it('refuses malformed operations with INVALID_REQUEST, applying none of them', async () => {
    const cases = [
      [op('retention.ms', SET, '1'), op('retention.ms', DELETE)],
      [op('retention.ms', SET, null)],
      [op('retention.ms', 7, '1')],
      [op('segment.ms', DELETE), op('retention.ms', -1, '1')],
    ];
    for (const configs of cases) {
      expect(await alterOne(configs)).toBe(ErrorCode.INVALID_REQUEST);
    }
    expect(configsOf('orders')).toEqual({ 'retention.ms': '60000', 'segment.ms': '3600000' });
  });

  it('follows the AlterConfigs rules for resources', async () => {
    await fixture.registry.createTopic('__consumer_offsets', { partitionCount: 1 });
    const { responses } = await alter([
      { resourceType: ConfigResourceType.BROKER, resourceName: String(nodeId), configs: [] },
      { resourceType: 16, resourceName: 'metrics', configs: [] },
      topic('missing', [op('retention.ms', SET, '1')]),
      topic('__consumer_offsets', [op('retention.ms', SET, '1')]),
    ]);
    expect(responses.map(({ errorCode }) => errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    ]);
  });

  it('validates without changing anything when validateOnly is set', async () => {
    const code = await alterOne([op('retention.ms', DELETE), op('cleanup.policy', APPEND, 'x')]);
    expect(code).toBe(ErrorCode.INVALID_CONFIG);
    expect(await alterOne([op('retention.ms', DELETE)], true)).toBe(ErrorCode.NONE);
    expect(configsOf('orders')).toEqual({ 'retention.ms': '60000', 'segment.ms': '3600000' });
    expect((await fixture.reopen()).topic('orders')?.configs).toEqual({
      'retention.ms': '60000',
      'segment.ms': '3600000',
    });
  });

  it('is carried by v0 and by the flexible v1', async () => {
    const response = await alter([topic('missing', [op('retention.ms', SET, '1')])]);
    expect(throughCodec(incrementalAlterConfigsApi, 0, response)).toEqual(response);
    expect(throughCodec(incrementalAlterConfigsApi, 1, response)).toEqual(response);
  });
});
