// Proves the disk budget end to end against a real broker: kafkajs fills the data dir up to
// log.dir.bytes.max and gets KAFKA_STORAGE_ERROR, HTTP produce gets 503 with Retry-After and a
// JSON reason, nothing acknowledged is lost, and producing resumes by itself (a retrying
// kafkajs send completes) once DeleteRecords or retention frees space. topic.retained.bytes.max
// refuses one topic while others still take writes, until the topic is deleted. The usage the
// budget checks is the segments and indexes the logs hold, byte for byte what the files hold.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartitionLog } from '@cairn/log';
import { type Admin, ConfigResourceTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { countRecords } from '../../src/metrics/batch-records.js';

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
});

interface Setup {
  broker: RunningBroker;
  kafka: Kafka;
  admin: Admin;
}

async function setup(quotas: NonNullable<Parameters<typeof startBroker>[0]['quotas']>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-disk-budget-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const logger = pino({ level: 'error' });
  const broker = await startBroker({ dataDir, kafkaPort: 0, httpPort: 0, quotas, logger });
  cleanups.push(() => broker.close());
  const kafka = new Kafka({
    clientId: 'disk-budget',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  return { broker, kafka, admin } satisfies Setup;
}

async function connectedProducer(kafka: Kafka, retries = 0): Promise<Producer> {
  const producer = kafka.producer({ retry: { retries, initialRetryTime: 50, maxRetryTime: 100 } });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return producer;
}

/** The Kafka error name a kafkajs error carries, looking through its wrappers. */
function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const fields = current as Record<string, unknown>;
    if (typeof fields.type === 'string') return fields.type;
    current = fields.originalError ?? fields.cause;
  }
  return undefined;
}

const value = 'v'.repeat(300);

/** Sends one record at a time until the broker refuses one; returns how many were acked. */
async function fillUntilRefused(producer: Producer, topic: string): Promise<number> {
  for (let acked = 0; acked < 200; acked++) {
    try {
      await producer.send({ topic, acks: -1, messages: [{ value }] });
    } catch (error) {
      expect(kafkaErrorType(error)).toBe('KAFKA_STORAGE_ERROR');
      return acked;
    }
  }
  throw new Error('the disk budget never refused a produce');
}

async function httpProduce(broker: RunningBroker, topic: string): Promise<Response> {
  return fetch(`${broker.http!.url}/topics/${topic}/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Larger than a Kafka batch of `value`, so it does not fit where that one did not.
    body: JSON.stringify({ valueFormat: 'text', records: [{ value: value.repeat(2) }] }),
  });
}

/** Bytes of every partition's .log, .index and .timeindex files under `dataDir`. */
async function logFileBytes(dataDir: string): Promise<number> {
  let sizeBytes = 0;
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.(log|index|timeindex)$/.test(entry.name)) {
      sizeBytes += (await stat(join(entry.parentPath, entry.name))).size;
    }
  }
  return sizeBytes;
}

async function recordsIn(log: PartitionLog): Promise<number> {
  let count = 0;
  // One record per batch and no compaction: offsets are contiguous, one segment per read.
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const { records } = await log.read(offset, 1024 * 1024);
    const read = countRecords(records);
    if (read === 0) break;
    count += read;
    offset += read;
  }
  return count;
}

describe('log.dir.bytes.max', () => {
  it('refuses produce when full and resumes after DeleteRecords and retention free space', async () => {
    const { broker, kafka, admin } = await setup({ logDirBytesMax: 4_000 });
    const topic = 'budgeted';
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'segment.bytes', value: '1024' }] }],
    });
    const producer = await connectedProducer(kafka);
    const acked = await fillUntilRefused(producer, topic);
    expect(acked).toBeGreaterThanOrEqual(5);
    expect(broker.quotas.usage.usedBytes).toBeLessThanOrEqual(4_000);
    const log = broker.registry.partitionLog(topic, 0)!;
    expect(log.highWatermark).toBe(acked);
    expect(await recordsIn(log)).toBe(acked);

    const refused = await httpProduce(broker, topic);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const reason = (await refused.json()) as { error: string; message: string };
    expect(reason.error).toBe('DISK_BUDGET_EXCEEDED');
    expect(reason.message).toContain('log.dir.bytes.max=4000');

    // A producer that retries keeps being refused, then gets through once space is freed.
    const retrying = await connectedProducer(kafka, 30);
    const pending = retrying.send({ topic, acks: -1, messages: [{ value }] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(log.highWatermark).toBe(acked);
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({
      topic,
      partitions: [{ partition: 0, offset: String(acked) }],
    });
    const [metadata] = await pending;
    expect(Number(metadata!.baseOffset)).toBe(acked);
    expect((await httpProduce(broker, topic)).status).toBe(200);

    // Full again; this time retention.bytes frees the space.
    const more = await fillUntilRefused(producer, topic);
    expect(more).toBeGreaterThan(0);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'retention.bytes', value: '1000' }],
        },
      ],
    });
    const { deletedSegmentCount } = await log.applyRetention();
    expect(deletedSegmentCount).toBeGreaterThan(0);
    await producer.send({ topic, acks: -1, messages: [{ value }] });
    expect(log.highWatermark).toBe(acked + 1 + 1 + more + 1);
    // The usage kept from the logs' events equals what the logs hold.
    let segments = 0;
    let indexes = 0;
    for (const { partitions } of broker.registry.topics()) {
      for (const partition of partitions) {
        segments += partition.sizeBytes;
        indexes += partition.indexSizeBytes;
      }
    }
    expect(indexes).toBeGreaterThan(0);
    expect(broker.quotas.usage.usedBytes).toBe(segments + indexes);
    // ... and what the data dir's files hold once the broker has closed them.
    const used = broker.quotas.usage.usedBytes;
    await broker.close();
    expect(await logFileBytes(broker.dataDir)).toBe(used);
  });
});

describe('topic.retained.bytes.max', () => {
  it('refuses one full topic while others take writes, until the topic is deleted', async () => {
    const { broker, kafka, admin } = await setup({ topicRetainedBytesMax: 2_000 });
    await admin.createTopics({ topics: [{ topic: 'small' }, { topic: 'other' }] });
    const producer = await connectedProducer(kafka);
    const acked = await fillUntilRefused(producer, 'small');
    expect(acked).toBeGreaterThanOrEqual(3);
    await producer.send({ topic: 'other', acks: -1, messages: [{ value }] });
    const refused = await httpProduce(broker, 'small');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toContain(
      'topic.retained.bytes.max=2000',
    );

    await admin.deleteTopics({ topics: ['small'] });
    await admin.createTopics({ topics: [{ topic: 'small' }] });
    expect(broker.quotas.usage.topicUsedBytes('small')).toBe(0);
    await producer.send({ topic: 'small', acks: -1, messages: [{ value }] });
    expect(broker.registry.partitionLog('small', 0)!.highWatermark).toBe(1);
  });
});
