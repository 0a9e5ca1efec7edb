// Proves the Prometheus metrics move with real traffic: kafkajs produces, consumes in a group
// and deletes records against a real broker, and the registry's text exposition (what /metrics
// serves) shows the requests, bytes, records, offsets, sizes, fsyncs, rolls, deletions and a
// group lag that matches the committed offsets read back through the Kafka protocol; HTTP API
// requests are counted by route and status, and HTTP-produced records with the Kafka ones.
// Each scrape is a GET /metrics on the broker's HTTP API. Brokers started one after another
// share one set of Node process monitors instead of starting their own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import perfHooks from 'node:perf_hooks';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { parseMetrics, type Sample, sampleValue } from './scrape.js';

let dataDir: string;
let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-metrics-'));
  broker = await startBroker({
    dataDir,
    kafkaPort: 0,
    httpPort: 0,
    groupInitialRebalanceDelayMs: 20,
  });
  kafka = new Kafka({
    clientId: 'metrics-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 50 },
  });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** GET /metrics on the broker's HTTP API, as Prometheus scrapes it. */
async function scrape(): Promise<Sample[]> {
  const response = await fetch(`${broker.http!.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parseMetrics(await response.text());
}

describe('metrics', () => {
  it('count produced and fetched bytes and records, requests, offsets and fsyncs', async () => {
    const topic = 'metered';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const now = Date.now();
    const producer = kafka.producer();
    await producer.connect();
    // Partition 1's records are 100 s to 91 s old, for the time lag below.
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: `zero-${i}` })),
        ...Array.from({ length: 10 }, (_, i) => ({
          partition: 1,
          value: `one-${i}`,
          timestamp: String(now - (100 - i) * 1000),
        })),
      ],
    });
    const whileConnected = await scrape();
    await producer.disconnect();

    expect(sampleValue(whileConnected, 'cairn_connections_open')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(whileConnected, 'cairn_produced_records_total', { topic })).toBe(16);
    const producedBytes = sampleValue(whileConnected, 'cairn_produced_bytes_total', { topic });
    expect(producedBytes).toBeGreaterThan(16 * 5);
    const produceOk = { api: 'Produce', error_code: 'NONE' };
    expect(sampleValue(whileConnected, 'cairn_requests_total', produceOk)).toBe(1);
    const produceCount = { api: 'Produce' };
    expect(sampleValue(whileConnected, 'cairn_request_duration_seconds_count', produceCount)).toBe(
      1,
    );
    const inf = { api: 'Produce', le: '+Inf' };
    expect(sampleValue(whileConnected, 'cairn_request_duration_seconds_bucket', inf)).toBe(1);
    const offsets = (partition: string) => ({ topic, partition });
    expect(sampleValue(whileConnected, 'cairn_partition_log_end_offset', offsets('0'))).toBe(6);
    expect(sampleValue(whileConnected, 'cairn_partition_log_end_offset', offsets('1'))).toBe(10);
    expect(sampleValue(whileConnected, 'cairn_partition_size_bytes', offsets('0'))).toBe(
      broker.registry.partitionLog(topic, 0)!.sizeBytes,
    );
    // acks=-1 waits for an fsync of each partition.
    expect(sampleValue(whileConnected, 'cairn_fsync_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(whileConnected, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(whileConnected, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    const consumer = kafka.consumer({
      groupId: 'metered-readers',
      sessionTimeout: 6_000,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let received = 0;
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async () => {
          received += 1;
          if (received === 16) resolve();
        },
      });
    });
    await all;
    // Partition 1 is committed at offset 2: 8 records behind, the oldest unread one ~98 s old.
    await consumer.commitOffsets([
      { topic, partition: 0, offset: '6' },
      { topic, partition: 1, offset: '2' },
    ]);
    await consumer.disconnect();
    const afterFetch = await scrape();
    expect(
      sampleValue(afterFetch, 'cairn_fetched_records_total', { topic }),
    ).toBeGreaterThanOrEqual(16);
    expect(sampleValue(afterFetch, 'cairn_fetched_bytes_total', { topic })).toBeGreaterThanOrEqual(
      producedBytes!,
    );
    const fetches = sampleValue(afterFetch, 'cairn_requests_total', {
      api: 'Fetch',
      error_code: 'NONE',
    });
    expect(fetches).toBeGreaterThan(0);
  });

  it('report group lag in records and time matching the committed offsets', async () => {
    const topic = 'metered';
    const groupId = 'metered-readers';
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitions = committed[0]!.partitions;
    const samples = await scrape();
    for (const { partition, offset } of partitions) {
      const endOffset = broker.registry.partitionLog(topic, partition)!.highWatermark;
      const labels = { group: groupId, topic, partition: String(partition) };
      expect(sampleValue(samples, 'cairn_group_lag_records', labels)).toBe(
        endOffset - Number(offset),
      );
    }
    const lagged = { group: groupId, topic, partition: '1' };
    expect(sampleValue(samples, 'cairn_group_lag_records', lagged)).toBe(8);
    const lagSeconds = sampleValue(samples, 'cairn_group_lag_seconds', lagged)!;
    expect(lagSeconds).toBeGreaterThanOrEqual(98);
    expect(lagSeconds).toBeLessThan(98 + 60);
    const caughtUp = { group: groupId, topic, partition: '0' };
    expect(sampleValue(samples, 'cairn_group_lag_records', caughtUp)).toBe(0);
    expect(sampleValue(samples, 'cairn_group_lag_seconds', caughtUp)).toBe(0);
  });

  it('count requests by error code, segment rolls and deletions', async () => {
    const topic = 'rolling';
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '300' }] },
      ],
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }).catch(() => undefined);
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic, acks: -1, messages: [{ value: 'x'.repeat(150) }] });
    }
    await producer.disconnect();
    const before = await scrape();
    expect(sampleValue(before, 'cairn_segment_rolls_total')).toBeGreaterThanOrEqual(4);
    const exists = { api: 'CreateTopics', error_code: 'TOPIC_ALREADY_EXISTS' };
    expect(sampleValue(before, 'cairn_requests_total', exists)).toBe(1);
    const deletionsBefore = sampleValue(before, 'cairn_segment_deletions_total')!;

    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    const after = await scrape();
    expect(sampleValue(after, 'cairn_segment_deletions_total')).toBe(deletionsBefore + 4);
    expect(sampleValue(after, 'cairn_partition_log_start_offset', { topic, partition: '0' })).toBe(
      4,
    );
  });

  it('count HTTP requests by route and status, and HTTP-produced records by topic', async () => {
    const url = broker.http!.url;
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/topics', { name: 'web-metered' })).status).toBe(201);
    const records = [{ value: 'a' }, { value: 'b' }, { value: 'c' }];
    expect((await post('/topics/web-metered/records', { records })).status).toBe(200);
    expect((await post('/topics/web-metered/records', { records: [] })).status).toBe(400);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    const samples = await scrape();
    const produce = { route: '/topics/:topic/records', method: 'POST' };
    expect(
      sampleValue(samples, 'cairn_http_requests_total', { ...produce, status_code: '200' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'cairn_http_requests_total', { ...produce, status_code: '400' }),
    ).toBe(1);
    const unmatched = { route: 'unmatched', method: 'GET', status_code: '404' };
    expect(sampleValue(samples, 'cairn_http_requests_total', unmatched)).toBe(1);
    expect(sampleValue(samples, 'cairn_http_request_duration_seconds_count', produce)).toBe(2);
    const topic = { topic: 'web-metered' };
    expect(sampleValue(samples, 'cairn_produced_records_total', topic)).toBe(3);
  });

  it('are named by Prometheus conventions', async () => {
    const text = await broker.metrics.scrape();
    const types = [...text.matchAll(/^# TYPE (cairn_\S+) (\w+)$/gm)].map(([, name, type]) => ({
      name: name!,
      type: type!,
    }));
    expect(types.length).toBeGreaterThan(25);
    for (const { name, type } of types) {
      expect(name, name).toMatch(/^cairn_[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      // Counters end in _total, nothing else does; a unit comes last before it, in base units.
      expect(name.endsWith('_total'), name).toBe(type === 'counter');
      const base = name.replace(/_total$/, '');
      expect(base, name).not.toMatch(/_(ms|milliseconds|kb|mb|kib|mib|count|sum|bucket)$/);
      if (/_(bytes|seconds)_/.test(base)) expect.fail(`${name}: the unit is not last`);
      if (type === 'histogram') expect(base, name).toMatch(/_(seconds|bytes)$/);
    }
  });

  it('share one event-loop monitor among brokers started one after another', async () => {
    const monitors = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      for (let i = 0; i < 3; i++) {
        const dir = await mkdtemp(join(tmpdir(), 'cairn-metrics-more-'));
        const another = await startBroker({ dataDir: dir, kafkaPort: 0 });
        const samples = parseMetrics(await another.metrics.scrape());
        expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeDefined();
        await another.close();
        await rm(dir, { recursive: true, force: true });
      }
      // The first broker of this file made the process's monitor already.
      expect(monitors).not.toHaveBeenCalled();
    } finally {
      monitors.mockRestore();
    }
  });
});
