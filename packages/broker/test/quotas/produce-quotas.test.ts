// Proves the byte-rate quota and the in-flight budget against a real broker with kafkajs: a
// client over producer_byte_rate gets a non-zero throttle_time_ms (read by kafkajs off the
// wire) and is slowed to about the rate while another client id is not; with a tiny
// queued.max.request.bytes, concurrent producers are paused and resumed by backpressure and
// every acknowledged record is in the log, none lost and none refused; HTTP produce bytes are
// charged to the same in-flight budget until their appends settle, and refused while it is spent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, type logCreator, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { parseMetrics, sampleValue } from '../metrics/scrape.js';

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
});

async function start(
  quotas: NonNullable<Parameters<typeof startBroker>[0]['quotas']>,
  httpPort?: number,
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-quotas-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const http = httpPort === undefined ? {} : { httpPort };
  const broker = await startBroker({ dataDir, kafkaPort: 0, quotas, ...http });
  cleanups.push(() => broker.close());
  return broker;
}

/** A kafkajs client whose debug log hands every Produce response's throttle time to `seen`. */
function client(broker: RunningBroker, clientId: string, seen: number[] = []): Kafka {
  const capture: logCreator = () => (entry) => {
    const data = (
      entry.log as { data?: { throttleTime?: number; clientSideThrottleTime?: number } }
    ).data;
    if (entry.log.message.startsWith('Response Produce') && data !== undefined) {
      seen.push(Math.max(data.throttleTime ?? 0, data.clientSideThrottleTime ?? 0));
    }
  };
  return new Kafka({
    clientId,
    brokers: [broker.bootstrap],
    logLevel: logLevel.DEBUG,
    logCreator: capture,
    retry: { retries: 3, initialRetryTime: 50 },
  });
}

describe('producer_byte_rate', () => {
  it('throttles a client over its byte rate to about the rate, and not other clients', async () => {
    const rate = 40_000;
    const broker = await start({ producerByteRate: rate });
    const throttles: number[] = [];
    const fast = client(broker, 'fast', throttles);
    const admin = fast.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'rated' }] });
    const producer = fast.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const sends = 10;
    const value = 'r'.repeat(10_000);
    const startedAt = performance.now();
    for (let i = 0; i < sends; i++) {
      await producer.send({ topic: 'rated', acks: 1, messages: [{ value }] });
    }
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    expect(Math.max(...throttles)).toBeGreaterThan(0);
    // A burst of one second's worth passes at once; the rest goes at about the rate.
    const totalBytes = broker.probe.topic('rated').producedBytes;
    const throttledRate = (totalBytes - rate) / elapsedSeconds;
    expect(throttledRate).toBeLessThan(rate * 1.25);
    expect(throttledRate).toBeGreaterThan(rate * 0.5);

    // Another client id has a bucket of its own: its burst passes at once.
    const other = client(broker, 'other').producer();
    await other.connect();
    cleanups.push(() => other.disconnect());
    const otherStart = performance.now();
    await other.send({ topic: 'rated', acks: 1, messages: [{ value }, { value }] });
    expect(performance.now() - otherStart).toBeLessThan(400);

    const samples = parseMetrics(await broker.metrics.scrape());
    expect(sampleValue(samples, 'cairn_produce_throttled_requests_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'cairn_produce_throttle_seconds_total')).toBeGreaterThan(0.5);
  });
});

describe('queued.max.request.bytes', () => {
  it('pauses and resumes concurrent producers by backpressure without losing a record', async () => {
    const broker = await start({ queuedMaxRequestBytes: 1 });
    const kafka = client(broker, 'many');
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'pressed', numPartitions: 2 }] });
    const producerCount = 4;
    const sendsEach = 15;
    const producers = await Promise.all(
      Array.from({ length: producerCount }, async () => {
        const producer = kafka.producer();
        await producer.connect();
        cleanups.push(() => producer.disconnect());
        return producer;
      }),
    );
    const value = 'p'.repeat(20_000);
    await Promise.all(
      producers.map(async (producer, index) => {
        for (let i = 0; i < sendsEach; i++) {
          await producer.send({
            topic: 'pressed',
            acks: -1,
            messages: [{ partition: i % 2, value: `${index}-${i}-${value}` }],
          });
        }
      }),
    );
    expect(broker.quotas.inflight.waitCount).toBeGreaterThan(0);
    expect(broker.quotas.inflight.inflightBytes).toBe(0);
    const stored =
      broker.registry.partitionLog('pressed', 0)!.highWatermark +
      broker.registry.partitionLog('pressed', 1)!.highWatermark;
    expect(stored).toBe(producerCount * sendsEach);
    const samples = parseMetrics(await broker.metrics.scrape());
    expect(sampleValue(samples, 'cairn_produce_backpressure_waits_total')).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'cairn_requests_total', { api: 'Produce', error_code: 'NONE' }),
    ).toBe(producerCount * sendsEach);
  });
});

describe('queued.max.request.bytes over HTTP', () => {
  it('charges HTTP produce bytes until the appends settle, and refuses while spent', async () => {
    const budget = 100_000;
    const broker = await start({ queuedMaxRequestBytes: budget }, 0);
    const url = broker.http!.url;
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/topics', { name: 'web', partitions: 2 })).status).toBe(201);
    const inflight = broker.quotas.inflight;
    const charged: number[] = [];
    const acquire = inflight.acquire.bind(inflight);
    inflight.acquire = (sizeBytes) => {
      charged.push(sizeBytes);
      acquire(sizeBytes);
    };
    const records = [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 1 },
    ];
    const produced = await post('/topics/web/records?acks=all', { records });
    expect(produced.status).toBe(200);
    // Both partitions' batches were charged, and released before the answer was sent.
    expect(charged).toHaveLength(1);
    expect(charged[0]).toBeGreaterThan(2 * 61);
    expect(inflight.inflightBytes).toBe(0);

    // Another producer (here: the test) holds the whole budget: HTTP is told to come back.
    acquire(budget);
    const refused = await post('/topics/web/records', { records });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      error: 'INFLIGHT_BYTES_EXCEEDED',
      message: expect.stringContaining(`queued.max.request.bytes=${budget}`),
    });
    inflight.release(budget);
    expect((await post('/topics/web/records?acks=0', { records })).status).toBe(202);
    await expect.poll(() => inflight.inflightBytes).toBe(0);
    expect(broker.registry.partitionLog('web', 0)!.logEndOffset).toBe(2);
  });
});
