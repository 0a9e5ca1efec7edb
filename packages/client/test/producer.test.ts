// Proves the producer against the real broker over TCP: acks 0/1/all, every compression codec,
// keyed records on their murmur2 partition, sticky partitioning of unkeyed records, a custom
// partitioner, bufferBytes backpressure, flush and close, refreshing metadata when a topic
// gains partitions, that fatal errors fail at once while retriable ones are retried, and that
// batches sent by reference from reused (pooled) buffers arrive intact. Records are read back with plain Fetch requests and the protocol package's decoder.
import { CompressionType, createPartitionsApi, ErrorCode, keyPartition } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster.js';
import { BufferExhaustedError, ClosedError } from '../src/errors.js';
import { Producer, type ProducerOptions } from '../src/producer.js';
import type { ProducerBufferPool } from '../src/producer-buffer-pool.js';
import { createTopic, startTestBroker, type TestBroker } from './helpers/broker.js';
import { readBatches, readRecords } from './helpers/read-records.js';

let test: TestBroker;
let cluster: Cluster;
const producers: Producer[] = [];

beforeAll(async () => {
  test = await startTestBroker();
  cluster = new Cluster({ bootstrap: [test.broker.bootstrap] });
});

afterAll(async () => {
  await Promise.all(producers.map((producer) => producer.close({ timeoutMs: 1_000 })));
  await cluster?.close();
  await test?.stop();
});

function newProducer(options: Omit<ProducerOptions, 'bootstrap'> = {}): Producer {
  const producer = new Producer({
    bootstrap: [test.broker.bootstrap],
    retry: { retries: 5, initialBackoffMs: 20, maxBackoffMs: 100 },
    ...options,
  });
  producers.push(producer);
  return producer;
}

describe('acks', () => {
  it('acks=all (idempotent by default) returns each record its offset', async () => {
    const producer = newProducer();
    const results = await producer.send('acks-all', [
      { key: 'a', value: 'one', headers: { h: 'x' } },
      { value: Buffer.from('two'), timestamp: 1_600_000_000_000 },
    ]);
    expect(results).toEqual([
      { topic: 'acks-all', partition: 0, offset: 0 },
      { topic: 'acks-all', partition: 0, offset: 1 },
    ]);
    const more = await producer.send('acks-all', [{ value: 'three' }]);
    expect(more[0]?.offset).toBe(2);
    const records = await readRecords(cluster, 'acks-all', 0);
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'a', 'one'],
      [1, null, 'two'],
      [2, null, 'three'],
    ]);
    expect(records[0]?.headers).toEqual({ h: 'x' });
    expect(records[1]?.timestamp).toBe(1_600_000_000_000);
    const batches = await readBatches(cluster, 'acks-all', 0);
    expect(producer.idempotent).toBe(true);
    expect(batches.map((b) => [b.producerId, b.baseSequence])).toEqual([
      [producer.producerIdentity.producerId, 0],
      [producer.producerIdentity.producerId, 2],
    ]);
  });

  it('acks=1 is not idempotent and returns offsets', async () => {
    const producer = newProducer({ acks: 1 });
    expect(producer.idempotent).toBe(false);
    const results = await producer.send('acks-one', [{ value: 'a' }, { value: 'b' }]);
    expect(results.map((r) => r.offset)).toEqual([0, 1]);
    const batches = await readBatches(cluster, 'acks-one', 0);
    expect(batches[0]).toMatchObject({ producerId: -1, baseSequence: -1 });
  });

  it('acks=0 gets no answer: offsets are -1 and the records still arrive', async () => {
    const producer = newProducer({ acks: 0 });
    const results = await producer.send('acks-zero', [{ value: 'a' }, { value: 'b' }]);
    expect(results.map((r) => r.offset)).toEqual([-1, -1]);
    // Nothing acknowledges acks=0: wait for the broker to have them.
    for (let attempt = 0; attempt < 50; attempt++) {
      const log = test.broker.registry.partitionLog('acks-zero', 0);
      if (log !== undefined && log.logEndOffset === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const records = await readRecords(cluster, 'acks-zero', 0);
    expect(records.map((r) => r.value)).toEqual(['a', 'b']);
  });

  it('refuses idempotence with acks other than all', () => {
    expect(() => newProducer({ acks: 1, idempotence: true })).toThrow(/acks=all/);
  });
});

describe('batch buffers', () => {
  /** Counts the pool's allocations that handed out a buffer it had before. */
  function countReuse(producer: Producer): { reused: number } {
    const pool = (producer as unknown as { bufferPool: ProducerBufferPool }).bufferPool;
    const seen = new Set<Buffer>();
    const counts = { reused: 0 };
    const allocate = pool.allocate.bind(pool);
    pool.allocate = (wantedBytes) => {
      const buffer = allocate(wantedBytes);
      if (seen.has(buffer)) counts.reused++;
      seen.add(buffer);
      return buffer;
    };
    return counts;
  }

  const values = Array.from({ length: 3000 }, (_, index) => `record-${index}-`.padEnd(100, 'v'));

  for (const acks of [1, 0] as const) {
    it(`sends reused buffers by reference with every record intact (acks=${acks})`, async () => {
      const topic = `pooled-acks-${acks}`;
      const producer = newProducer({ acks, batchBytes: 8 * 1024, maxInFlight: 5 });
      const counts = countReuse(producer);
      const sends: Promise<unknown>[] = [];
      for (let first = 0; first < values.length; first += 100) {
        sends.push(
          producer.send(
            topic,
            values.slice(first, first + 100).map((value) => ({ value })),
          ),
        );
        // Some calls after acknowledgements, so that freed buffers are taken again.
        if (first % 1000 === 900) await Promise.all(sends);
      }
      await Promise.all(sends);
      for (let attempt = 0; attempt < 100; attempt++) {
        if (test.broker.registry.partitionLog(topic, 0)?.logEndOffset === values.length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(counts.reused).toBeGreaterThan(0);
      const records = await readRecords(cluster, topic, 0);
      expect(records.map((record) => record.value)).toEqual(values);
    });
  }
});

describe('compression', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
    it(`writes ${codec} batches the broker stores and the decoder reads`, async () => {
      const topic = `codec-${codec}`;
      const producer = newProducer({ compression: codec });
      const records = Array.from({ length: 200 }, (_, index) => ({
        key: `k${index}`,
        value: `value ${index} `.repeat(10),
        headers: { index: String(index) },
      }));
      const results = await producer.send(topic, records);
      expect(results.map((r) => r.offset)).toEqual(records.map((_, index) => index));
      const batches = await readBatches(cluster, topic, 0);
      expect(new Set(batches.map((b) => b.compression))).toEqual(new Set([CompressionType[codec]]));
      const read = batches.flatMap((b) => b.records);
      expect(read.map((r) => r.value?.toString())).toEqual(records.map((r) => r.value));
      expect(read.map((r) => r.headers[0]?.value?.toString())).toEqual(
        records.map((r) => r.headers.index),
      );
    });
  }
});

describe('partitioning', () => {
  it('puts keyed records on toPositive(murmur2(key)) % partitions', async () => {
    await createTopic(cluster, 'keyed', 6);
    const producer = newProducer();
    const keys = Array.from({ length: 120 }, (_, index) => `customer-${index}`);
    const results = await producer.send(
      'keyed',
      keys.map((key) => ({ key, value: key })),
    );
    results.forEach((result, index) => {
      expect(result.partition).toBe(keyPartition(keys[index]!, 6));
    });
    for (let partition = 0; partition < 6; partition++) {
      const records = await readRecords(cluster, 'keyed', partition);
      const expected = keys.filter((key) => keyPartition(key, 6) === partition);
      expect(records.map((r) => r.key)).toEqual(expected);
    }
    // Known Java value: murmur2("21") = -973932308, so key "21" goes to partition 2 of 6.
    const [java] = await producer.send('keyed', [{ key: '21', value: 'x' }]);
    expect(java?.partition).toBe((-973932308 & 0x7fffffff) % 6);
  });

  it('fills one partition at a time with unkeyed records (sticky)', async () => {
    await createTopic(cluster, 'sticky', 4);
    const producer = newProducer({ batchBytes: 1_024 });
    const value = 'v'.repeat(100);
    const results = await producer.send(
      'sticky',
      Array.from({ length: 200 }, () => ({ value })),
    );
    const runs: { partition: number; length: number }[] = [];
    for (const { partition } of results) {
      const last = runs[runs.length - 1];
      if (last?.partition === partition) last.length++;
      else runs.push({ partition, length: 1 });
    }
    // About 1 KiB of ~110-byte records per batch, then the next partition.
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs.slice(0, -1)) {
      expect(run.length).toBeGreaterThanOrEqual(8);
      expect(run.length).toBeLessThanOrEqual(10);
    }
    for (let index = 1; index < runs.length; index++) {
      expect(runs[index]!.partition).not.toBe(runs[index - 1]!.partition);
    }
    expect(new Set(results.map((r) => r.partition)).size).toBeGreaterThan(1);
    // One record per send: the sticky partition moves on when its batch is sent.
    const spread = new Set<number>();
    for (let index = 0; index < 20; index++) {
      const [result] = await producer.send('sticky', [{ value }]);
      spread.add(result!.partition);
    }
    expect(spread.size).toBeGreaterThan(1);
  });

  it('uses a custom partitioner, and an explicit partition over it', async () => {
    await createTopic(cluster, 'custom', 3);
    const producer = newProducer({ partitioner: (_topic, _key, count) => count - 1 });
    const results = await producer.send('custom', [
      { key: 'a', value: '1' },
      { value: '2' },
      { value: '3', partition: 0 },
    ]);
    expect(results.map((r) => r.partition)).toEqual([2, 2, 0]);
  });

  it('refreshes metadata to reach a partition added after it started', async () => {
    await createTopic(cluster, 'growing', 1);
    const producer = newProducer();
    await producer.send('growing', [{ value: 'before' }]);
    const grown = await cluster.request('any', createPartitionsApi, {
      topics: [{ name: 'growing', count: 3, assignments: null }],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    expect(grown.results[0]?.errorCode).toBe(ErrorCode.NONE);
    const [result] = await producer.send('growing', [{ value: 'after', partition: 2 }]);
    expect(result).toEqual({ topic: 'growing', partition: 2, offset: 0 });
    await expect(producer.send('growing', [{ value: 'x', partition: 9 }])).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      topic: 'growing',
    });
  });
});

describe('backpressure, flush and close', () => {
  it('blocks send() while bufferBytes is used, then fails it after maxBlockMs', async () => {
    const producer = newProducer({ bufferBytes: 2_000, maxBlockMs: 150, lingerMs: 60_000 });
    const value = 'x'.repeat(500);
    const first = producer.send('pressure', [{ value }, { value }, { value }]);
    // The topic is created on first use; the records are appended once its metadata is in.
    for (let attempt = 0; attempt < 100 && producer.bufferedBytes === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(producer.bufferedBytes).toBeGreaterThan(1_500);
    // Below the limit: appended (the limit is soft by at most one call).
    const second = producer.send('pressure', [{ value }, { value }]);
    expect(producer.bufferedBytes).toBeGreaterThan(2_000);
    // At the limit: waits, and the lingering batches never free the buffer.
    const started = Date.now();
    const error = await producer.send('pressure', [{ value }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BufferExhaustedError);
    expect((error as Error).message).toMatch(/bufferBytes 2000.*maxBlockMs 150/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    // The earlier calls' records were only lingering: flush sends them.
    await producer.flush();
    expect((await first).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect((await second).map((r) => r.offset)).toEqual([3, 4]);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('lets a blocked send() through once acknowledgements free the buffer', async () => {
    const producer = newProducer({ bufferBytes: 1_000, maxBlockMs: 5_000, lingerMs: 20 });
    const value = 'y'.repeat(400);
    const calls = Array.from({ length: 10 }, () =>
      producer.send('pressure-2', [{ value }, { value }]),
    );
    const results = await Promise.all(calls);
    expect(results.flat().map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('flush() sends lingering batches at once and waits for them', async () => {
    const producer = newProducer({ lingerMs: 60_000 });
    let settled = false;
    const pending = producer.send('flushed', [{ value: 'a' }]).then((results) => {
      settled = true;
      return results;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await producer.flush();
    expect(settled).toBe(true);
    expect(await pending).toEqual([{ topic: 'flushed', partition: 0, offset: 0 }]);
  });

  it('close() delivers what is pending, then refuses sends', async () => {
    const producer = newProducer({ lingerMs: 60_000 });
    const pending = producer.send('closing', [{ value: 'last words' }]);
    await producer.close();
    expect(await pending).toEqual([{ topic: 'closing', partition: 0, offset: 0 }]);
    await expect(producer.send('closing', [{ value: 'late' }])).rejects.toBeInstanceOf(ClosedError);
    expect(producer.cluster.isClosed).toBe(true);
  });

  it('refuses a record larger than maxRequestBytes without sending anything', async () => {
    const producer = newProducer({ maxRequestBytes: 1_000 });
    await expect(
      producer.send('too-large', [{ value: 'ok' }, { value: 'z'.repeat(2_000) }]),
    ).rejects.toMatchObject({ errorName: 'MESSAGE_TOO_LARGE', retriable: false });
    expect(test.broker.registry.partitionLog('too-large', 0)).toBeUndefined();
  });
});

describe('errors', () => {
  it('fails at once on a fatal error, naming topic and partition', async () => {
    const producer = newProducer({ retry: { retries: 5, initialBackoffMs: 500 } });
    const started = Date.now();
    const error = await producer
      .send('__consumer_offsets', [{ value: 'not allowed', partition: 0 }])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
      retriable: false,
      topic: '__consumer_offsets',
      partition: 0,
    });
    // No retry: the first backoff alone would be 400 ms or more.
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('refuses a bad record before sending anything', async () => {
    const producer = newProducer();
    await expect(producer.send('bad', [{ value: 'a', timestamp: 1.5 }])).rejects.toMatchObject({
      errorName: 'INVALID_RECORD',
    });
    await expect(producer.send('bad', [{ value: 'a', partition: -1 }])).rejects.toMatchObject({
      errorName: 'INVALID_RECORD',
    });
  });
});
