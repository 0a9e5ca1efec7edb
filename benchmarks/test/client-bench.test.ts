// Proves client-bench's workload code measures what it claims, with one client (kafkajs) and tiny
// loads against a real broker in this process: a produce pass delivers every record (the end
// offset says so), a consume pass reads them all back from the beginning, the latency run
// receives every scheduled record with ordered percentiles, and the report turns the samples
// into table rows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@cairn/broker';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsClient } from '../client-bench-kafkajs.js';
import type { LatencySample } from '../client-bench-latency.js';
import { latencyTable, summarise, throughputTable } from '../client-bench-report.js';
import {
  type Job,
  recordValues,
  runJob,
  type ThroughputSample,
  type WorkloadName,
} from '../client-bench-workloads.js';

describe('client-bench workloads', () => {
  let dir: string;
  let broker: RunningBroker;
  let admin: Admin;
  const recordCount = 3_000;

  const job = (workload: WorkloadName, topic: string): Job => ({
    client: 'kafkajs',
    workload,
    bootstrap: broker.bootstrap,
    topic,
    recordCount,
    warmups: 0,
    repetitions: 1,
    latency: { ratePerSecond: 2_000, warmupSeconds: 0.1, measureSeconds: 0.3 },
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-client-bench-'));
    broker = await startBroker({ dataDir: dir, kafkaPort: 0, groupInitialRebalanceDelayMs: 0 });
    admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['produced', 'latency'].map((topic) => ({ topic, numPartitions: 1 })),
    });
  });

  afterAll(async () => {
    await admin.disconnect();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers each value and keeps it at its size', () => {
    const values = recordValues(3, 100);
    expect(values.map((value) => value.length)).toEqual([100, 100, 100]);
    expect(values[2]!.subarray(0, 12).toString()).toBe('000000000002');
  });

  it('produces every record, then consumes them all from the beginning', async () => {
    const produced = await runJob(job('produce-100b-acks1', 'produced'), kafkajsClient);
    const offsets = await admin.fetchTopicOffsets('produced');
    expect(offsets[0]!.high).toBe(String(recordCount));
    const produceSample = produced.samples[0] as ThroughputSample;
    expect(produceSample.recordCount).toBe(recordCount);
    expect(produceSample.seconds).toBeGreaterThan(0);

    const consumed = await runJob(job('consume-100b', 'produced'), kafkajsClient);
    const consumeSample = consumed.samples[0] as ThroughputSample;
    expect(consumeSample.recordCount).toBe(recordCount - 1);
    expect(consumeSample.seconds).toBeGreaterThan(0);

    const rows = [summarise(produced), summarise(consumed)];
    const table = throughputTable(rows);
    expect(table).toMatch(/produce-100b-acks1 \| +kafkajs \|/);
    expect(table).toMatch(/consume-100b \| +kafkajs \|/);
  });

  it('receives every record sent on schedule and reports ordered percentiles', async () => {
    const result = await runJob(job('latency-100b', 'latency'), kafkajsClient);
    const sample = result.samples[0] as LatencySample;
    expect(sample.sentCount).toBe(600);
    expect(sample.lostCount).toBe(0);
    expect(sample.sendErrorCount).toBe(0);
    expect(sample.p50Ms).toBeGreaterThan(0);
    expect(sample.p99Ms).toBeGreaterThanOrEqual(sample.p50Ms);
    expect(sample.p999Ms).toBeGreaterThanOrEqual(sample.p99Ms);
    // Every record is sent after it is due and received after it is sent.
    expect(sample.sendLagP99Ms).toBeGreaterThan(0);
    expect(sample.sendLagP99Ms).toBeLessThanOrEqual(sample.p99Ms);
    expect(latencyTable([summarise(result)])).toMatch(/latency-100b \| +kafkajs \|/);
  });
});
