// Proves every config Kafka's TopicConfig knows is accepted: those Cairn implements take
// effect, the rest are checked for Kafka's type and range, stored, kept across a reopen and
// described with their source and synonyms; min.insync.replicas above the replication factor
// (1), a bad value and an unknown name are INVALID_CONFIG naming the key. Then kafkajs's admin,
// as an independent client over TCP, creates, alters and describes such a topic.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig } from '@cairn/log';
import { ErrorCode } from '@cairn/protocol';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/index.js';
import { storedTopicConfigKeys } from '../../src/topics/stored-topic-configs.js';
import {
  applyConfigOperations,
  describeBrokerLogConfigs,
  describeTopicConfigs,
  resolveLogConfig,
  topicConfigKeys,
  topicConfigNames,
  validateTopicConfigs,
} from '../../src/topics/topic-config.js';
import { AdminFixture } from '../handlers/admin-fixture.js';

/** What Kafka tools commonly send on create: harmless here, each valid. */
const kafkaToolConfigs = {
  'min.insync.replicas': '1',
  'compression.type': 'lz4',
  'unclean.leader.election.enable': 'false',
  'message.downconversion.enable': 'true',
  'file.delete.delay.ms': '60000',
  'flush.messages': '9223372036854775807',
  'index.interval.bytes': '4096',
  'segment.index.bytes': '10485760',
  'segment.jitter.ms': '0',
  'min.compaction.lag.ms': '0',
  'max.compaction.lag.ms': '9223372036854775807',
  'delete.retention.ms': '86400000',
  'min.cleanable.dirty.ratio': '0.5',
  preallocate: 'false',
  'message.timestamp.difference.max.ms': '9223372036854775807',
  'message.format.version': '3.0-IV1',
  'leader.replication.throttled.replicas': '',
  'follower.replication.throttled.replicas': '0:1, 1:1',
  'retention.ms': '9223372036854775807', // Kafka's Long.MAX_VALUE: forever
};

describe('topic configs Kafka knows', () => {
  it('are all accepted with valid values; the implemented ones take effect', () => {
    expect(() => validateTopicConfigs(kafkaToolConfigs)).not.toThrow();
    const config = resolveLogConfig(defaultLogConfig, kafkaToolConfigs);
    expect(config.retentionMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(config.deleteRetentionMs).toBe(86_400_000);
    expect({ ...config, retentionMs: defaultLogConfig.retentionMs }).toEqual(defaultLogConfig);
    for (const [name, key] of Object.entries(storedTopicConfigKeys)) {
      expect(key.check(key.kafkaDefault), `${name} accepts its default`).toBe(true);
    }
  });

  it.each([
    ['min.insync.replicas', '2', /min\.insync\.replicas.*replication factor, 1/],
    ['min.insync.replicas', '0', /min\.insync\.replicas/],
    ['compression.type', 'brotli', /compression\.type.*producer/],
    ['preallocate', 'yes', /preallocate/],
    ['min.cleanable.dirty.ratio', '1.5', /min\.cleanable\.dirty\.ratio/],
    ['flush.messages', '0', /flush\.messages/],
    ['max.compaction.lag.ms', '9223372036854775808', /max\.compaction\.lag\.ms/], // > Long.MAX
    ['segment.index.bytes', '2147483648', /segment\.index\.bytes/], // > Integer.MAX
    ['remote.storage.enable', 'true', /tiered storage/],
    ['leader.replication.throttled.replicas', '0-1', /throttled/],
    ['message.format.version', 'latest', /message\.format\.version/],
    ['retention.ms', '-2', /retention\.ms/],
    ['colour', 'blue', /unknown topic config 'colour'/],
  ])('%s=%s is INVALID_CONFIG naming the key', (name, value, message) => {
    expect(() => validateTopicConfigs({ [name]: value })).toThrow(
      expect.objectContaining({
        errorName: 'INVALID_CONFIG',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('describes a stored override as the topic source, the rest at Kafka defaults', () => {
    const overrides = { 'compression.type': ' gzip ', 'min.insync.replicas': '1' };
    const entries = new Map(
      describeTopicConfigs(defaultLogConfig, overrides).map((entry) => [entry.name, entry]),
    );
    expect([...entries.keys()]).toEqual(topicConfigNames);
    expect(entries.get('compression.type')).toEqual({
      name: 'compression.type',
      value: 'gzip',
      isDefault: false,
      source: 'topic',
      synonyms: [
        { name: 'compression.type', value: 'gzip', source: 'topic' },
        { name: 'compression.type', value: 'producer', source: 'default' },
      ],
    });
    expect(entries.get('min.cleanable.dirty.ratio')).toMatchObject({
      value: '0.5',
      isDefault: true,
      source: 'default',
      synonyms: [{ name: 'log.cleaner.min.cleanable.ratio', value: '0.5', source: 'default' }],
    });
    // No broker synonym in Kafka: the default with no synonyms.
    expect(entries.get('leader.replication.throttled.replicas')).toEqual({
      name: 'leader.replication.throttled.replicas',
      value: '',
      isDefault: true,
      source: 'default',
      synonyms: [],
    });
    const broker = describeBrokerLogConfigs(defaultLogConfig).map(({ name }) => name);
    expect(broker).toContain('log.cleaner.min.cleanable.ratio');
    expect(broker).toContain('min.insync.replicas');
    expect(broker).toHaveLength(new Set(broker).size);
    expect(topicConfigNames).toHaveLength(
      Object.keys(topicConfigKeys).length + Object.keys(storedTopicConfigKeys).length,
    );
  });

  it('appends to and subtracts from a stored list config', () => {
    const key = 'follower.replication.throttled.replicas';
    const appended = applyConfigOperations(defaultLogConfig, {}, [
      { op: 'append', name: key, value: '0:1,1:1' },
      { op: 'subtract', name: key, value: '0:1' },
    ]);
    expect(appended).toEqual({ [key]: '1:1' });
    expect(() =>
      applyConfigOperations(defaultLogConfig, {}, [
        { op: 'append', name: 'compression.type', value: 'gzip' },
      ]),
    ).toThrow(expect.objectContaining({ errorName: 'INVALID_CONFIG' }));
  });
});

describe('stored topic configs in the registry', () => {
  let fixture: AdminFixture;

  beforeEach(async () => {
    fixture = await AdminFixture.open();
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('are kept with the topic across a reopen, and altered like the others', async () => {
    await fixture.registry.createTopic('tooled', { partitionCount: 1, configs: kafkaToolConfigs });
    await fixture.registry.alterConfigs('tooled', [
      { op: 'set', name: 'compression.type', value: 'zstd' },
      { op: 'delete', name: 'preallocate' },
    ]);
    const reopened = await fixture.reopen();
    const { preallocate: _, ...expected } = { ...kafkaToolConfigs, 'compression.type': 'zstd' };
    expect(reopened.topic('tooled')?.configs).toEqual(expected);
    expect(reopened.partitionLog('tooled', 0)?.config.retentionMs).toBe(Number.MAX_SAFE_INTEGER);
    await expect(
      reopened.alterConfigs('tooled', [{ op: 'set', name: 'min.insync.replicas', value: '3' }]),
    ).rejects.toMatchObject({ errorName: 'INVALID_CONFIG' });
    expect(reopened.topic('tooled')?.configs['min.insync.replicas']).toBe('1');
  });
});

describe('kafkajs admin with Kafka topic configs', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-stored-configs-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates, alters and describes a topic with them', async () => {
    const broker = await startBroker({ dataDir, kafkaPort: 0 });
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const configEntries = Object.entries(kafkaToolConfigs).map(([name, value]) => ({
        name,
        value,
      }));
      expect(await admin.createTopics({ topics: [{ topic: 'tooled', configEntries }] })).toBe(true);
      const refused = admin.createTopics({
        topics: [
          { topic: 'two-isr', configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
        ],
      });
      await expect(refused).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
      });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'tooled',
            configEntries: [{ name: 'unclean.leader.election.enable', value: 'true' }],
          },
        ],
      });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'tooled',
            configNames: ['unclean.leader.election.enable', 'compression.type', 'preallocate'],
          },
        ],
      });
      const [resource] = described.resources;
      expect(resource?.errorCode).toBe(ErrorCode.NONE);
      const values = Object.fromEntries(
        (resource?.configEntries ?? []).map((entry) => [
          entry.configName,
          [entry.configValue, entry.isDefault, entry.readOnly],
        ]),
      );
      // AlterConfigs replaces the whole override set: compression.type went back to default.
      expect(values).toEqual({
        'unclean.leader.election.enable': ['true', false, false],
        'compression.type': ['producer', true, false],
        preallocate: ['false', true, false],
      });
    } finally {
      await admin.disconnect();
      await broker.close();
    }
  });
});
