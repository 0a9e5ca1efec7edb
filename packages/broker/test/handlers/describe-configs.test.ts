// Proves DescribeConfigs over a real registry: a topic's configs come with their effective
// values, isDefault and ConfigSource (1 topic override, 4 broker flag, 5 Kafka default) and,
// when asked, synonyms; keys filter the answer; this broker answers with its few read-only
// settings; unknown topics, other brokers and other resource types get their error codes; and
// every version's codec carries the answer.
import {
  type DescribeConfigsRequestResource,
  type DescribeConfigsResponseResult,
  describeConfigsApi,
  ErrorCode,
} from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigResourceType,
  ConfigSource,
  createDescribeConfigsHandler,
} from '../../src/handlers/describe-configs.js';
import { topicConfigNames } from '../../src/topics/topic-config.js';
import {
  AdminFixture,
  context,
  defaultPartitionCount,
  nodeId,
  throughCodec,
} from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  // The broker's flags set one topic default away from Kafka's.
  fixture = await AdminFixture.open({ 'segment.bytes': '1048576' });
  await fixture.registry.createTopic('orders', {
    partitionCount: 1,
    configs: { 'retention.ms': '60000' },
  });
});

afterEach(async () => {
  await fixture.close();
});

const topic = (resourceName: string, configurationKeys: string[] | null = null) => ({
  resourceType: ConfigResourceType.TOPIC,
  resourceName,
  configurationKeys,
});

async function describeConfigs(
  resources: DescribeConfigsRequestResource[],
  includeSynonyms = false,
) {
  const handler = createDescribeConfigsHandler(fixture.deps);
  const response = await handler.handle({ resources, includeSynonyms }, context);
  if (response === null) throw new Error('DescribeConfigs always answers');
  return response;
}

async function describeOne(resource: DescribeConfigsRequestResource, includeSynonyms = false) {
  const { results } = await describeConfigs([resource], includeSynonyms);
  const [result] = results;
  if (result === undefined) throw new Error('no result');
  return result;
}

const byName = (result: DescribeConfigsResponseResult) =>
  new Map(result.configs.map((config) => [config.name, config]));

describe('DescribeConfigs handler', () => {
  it('describes every topic config with its value and source', async () => {
    const result = await describeOne(topic('orders'));
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(result.configs.map(({ name }) => name)).toEqual(topicConfigNames);
    const configs = byName(result);
    expect(configs.get('retention.ms')).toEqual({
      name: 'retention.ms',
      value: '60000',
      readOnly: false,
      isDefault: false,
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
      synonyms: [],
    });
    expect(configs.get('segment.bytes')).toMatchObject({
      value: '1048576',
      isDefault: true,
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    });
    expect(configs.get('cleanup.policy')).toMatchObject({
      value: 'delete',
      isDefault: true,
      configSource: ConfigSource.DEFAULT_CONFIG,
    });
    // Stored without effect (stored-topic-configs.ts), described like the others.
    expect(configs.get('min.insync.replicas')).toMatchObject({
      value: '1',
      readOnly: false,
      isDefault: true,
      configSource: ConfigSource.DEFAULT_CONFIG,
    });
  });

  it('lists synonyms, the value in effect first, when asked', async () => {
    const configs = byName(await describeOne(topic('orders'), true));
    expect(configs.get('retention.ms')?.synonyms).toEqual([
      { name: 'retention.ms', value: '60000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { name: 'log.retention.ms', value: '604800000', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(configs.get('segment.bytes')?.synonyms).toEqual([
      { name: 'log.segment.bytes', value: '1048576', source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
    ]);
  });

  it('answers only the requested keys that exist; an empty list means all', async () => {
    const some = await describeOne(topic('orders', ['retention.ms', 'no.such.key', 'flush.ms']));
    expect(some.configs.map(({ name }) => name)).toEqual(['retention.ms', 'flush.ms']);
    const all = await describeOne(topic('orders', []));
    expect(all.configs).toHaveLength(topicConfigNames.length);
  });

  it('describes an internal topic too', async () => {
    await fixture.registry.createTopic('__consumer_offsets', {
      partitionCount: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
    const result = await describeOne(topic('__consumer_offsets', ['cleanup.policy']));
    expect(result.configs).toMatchObject([{ value: 'compact', configSource: 1 }]);
  });

  it('describes this broker read-only, and nothing for the cluster default', async () => {
    const broker = (resourceName: string) => ({
      resourceType: ConfigResourceType.BROKER,
      resourceName,
      configurationKeys: null,
    });
    const own = await describeOne(broker(String(nodeId)));
    expect(own.errorCode).toBe(ErrorCode.NONE);
    const configs = byName(own);
    expect(configs.get('broker.id')).toMatchObject({ value: String(nodeId), readOnly: true });
    expect(configs.get('num.partitions')).toMatchObject({
      value: String(defaultPartitionCount),
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    });
    expect(configs.get('log.segment.bytes')).toMatchObject({
      value: '1048576',
      readOnly: true,
      isDefault: false,
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    });
    expect(configs.get('log.retention.ms')).toMatchObject({
      isDefault: true,
      configSource: ConfigSource.DEFAULT_CONFIG,
    });
    const cluster = await describeOne(broker(''));
    expect(cluster).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
    const other = await describeOne(broker(String(nodeId + 1)));
    expect(other).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, configs: [] });
    expect(other.errorMessage).toMatch(/broker id/);
  });

  it('answers unknown topics, bad names and other resource types each with its code', async () => {
    const { results } = await describeConfigs([
      topic('missing'),
      topic('bad/name'),
      { resourceType: 8, resourceName: 'logger', configurationKeys: null },
      topic('orders', ['retention.ms']),
    ]);
    expect(results.map(({ resourceName, errorCode }) => [resourceName, errorCode])).toEqual([
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['logger', ErrorCode.INVALID_REQUEST],
      ['orders', ErrorCode.NONE],
    ]);
    for (const result of results.slice(0, 3)) {
      expect(result.errorMessage).toBeTruthy();
      expect(result.configs).toEqual([]);
    }
  });

  it('is carried by v0 (isDefault) and v1-v2 (configSource, synonyms)', async () => {
    const response = await describeConfigs([topic('orders', ['retention.ms', 'flush.ms'])], true);
    const v0 = throughCodec(describeConfigsApi, 0, response);
    expect(v0.results[0]?.configs.map(({ isDefault }) => isDefault)).toEqual([false, true]);
    const v2 = throughCodec(describeConfigsApi, 2, response);
    expect(v2.results).toEqual(
      response.results.map((result) => ({
        ...result,
        configs: result.configs.map((config) => ({ ...config, isDefault: false })),
      })),
    );
  });
});
