// Fetch reads and Produce frames go into pooled slabs, given back only once nothing refers to
// them. The unit tests pin the pool's sizes and bounds. The end-to-end tests would fail were a
// slab given back early: one backs many large Fetch responses up in the broker (one client does
// not read) while another client fetches, whose reads would overwrite unwritten responses; the
// other pipelines large Produce frames on two connections, whose later frames would overwrite
// batches on their way to the file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, encodeRecordBatch, fetchApi, produceApi } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { BufferPool } from '../../src/network/buffer-pool.js';
import { fetchRequest } from '../fetch-request.js';
import { WireClient } from '../wire-client.js';

const slabBytesMin = 16 * 1024;
const slabBytesMax = 1024 * 1024;

function pool(freeBytesMax: number): BufferPool {
  return new BufferPool({ slabBytesMin, slabBytesMax, freeBytesMax });
}

describe('BufferPool', () => {
  it('lends power-of-two slabs and reuses the ones given back', () => {
    const buffers = pool(1024 * 1024);
    const lease = buffers.lease();
    const read = lease.allocate(100_000);
    expect(read.length).toBe(100_000);
    expect(read.buffer.byteLength).toBe(128 * 1024);
    lease.release();
    expect(buffers.freeByteCount).toBe(128 * 1024);
    const again = buffers.take(70_000);
    expect(again.buffer).toBe(read.buffer);
    expect(buffers.freeByteCount).toBe(0);
  });

  it('gives reads outside the pooled sizes buffers of their own', () => {
    const buffers = pool(64 * 1024 * 1024);
    const lease = buffers.lease();
    const small = lease.allocate(slabBytesMin - 1);
    const large = lease.allocate(slabBytesMax + 1);
    expect(small.length).toBe(slabBytesMin - 1);
    expect(large.length).toBe(slabBytesMax + 1);
    lease.release();
    expect(buffers.freeByteCount).toBe(0);
  });

  it('takes back only what it lent, once', () => {
    const buffers = pool(1024 * 1024);
    buffers.give(Buffer.allocUnsafeSlow(64 * 1024));
    expect(buffers.freeByteCount).toBe(0);
    const view = buffers.take(40_000);
    buffers.give(view);
    buffers.give(view);
    expect(buffers.freeByteCount).toBe(64 * 1024);
  });

  it('keeps at most its limit of free slabs', () => {
    const buffers = pool(256 * 1024);
    const lease = buffers.lease();
    for (let index = 0; index < 3; index++) lease.allocate(128 * 1024);
    lease.release();
    expect(buffers.freeByteCount).toBe(256 * 1024);
  });

  it('refuses a lease used after its release', () => {
    const lease = pool(1024 * 1024).lease();
    lease.release();
    expect(() => lease.allocate(32 * 1024)).toThrow(/released/);
    expect(() => lease.release()).toThrow(/twice/);
  });
});

describe('pooled fetch reads over a connection that does not read', () => {
  const batchCount = 48;
  const recordsPerBatch = 4;
  const valueBytes = 100 * 1024;
  let dataDir: string;
  let broker: RunningBroker;
  let wire: WireClient;
  const sent: Buffer[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-fetch-pool-'));
    broker = await startBroker({ dataDir, kafkaPort: 0, autoCreateTopics: false });
    wire = await WireClient.connect(broker.port);
    await broker.registry.createTopic('pooled', { partitionCount: 1 });
    for (let index = 0; index < batchCount; index++) {
      // Each batch's bytes differ from every other's: the value bytes are its index.
      const records = Array.from({ length: recordsPerBatch }, () => ({
        key: null,
        value: Buffer.alloc(valueBytes, index),
      }));
      const batch = encodeRecordBatch({ records });
      const response = await wire.request(produceApi, produceApi.maxVersion, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5_000,
        topicData: [{ name: 'pooled', partitionData: [{ index: 0, records: batch }] }],
      });
      expect(response.responses[0]?.partitionResponses[0]?.errorCode).toBe(ErrorCode.NONE);
      sent.push(batch);
    }
  });

  afterAll(async () => {
    wire?.close();
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function fetchBatch(client: WireClient, index: number) {
    return client.request(
      fetchApi,
      fetchApi.maxVersion,
      fetchRequest('pooled', [
        { partition: 0, fetchOffset: index * recordsPerBatch, partitionMaxBytes: sent[0]!.length },
      ]),
    );
  }

  function expectBatch(response: Awaited<ReturnType<typeof fetchBatch>>, index: number): void {
    const records = response.responses[0]!.partitions[0]!.records!;
    // The stored batch is the sent one with its baseOffset assigned.
    const expected = Buffer.from(sent[index]!);
    expected.writeBigInt64BE(BigInt(index * recordsPerBatch), 0);
    expect(records.equals(expected), `fetch of batch ${index}`).toBe(true);
  }

  it('keeps the buffers of unwritten responses while other connections fetch', async () => {
    // A asks for every batch and reads nothing: its responses back up in the broker, more
    // than the kernel's socket buffers hold. Then B reads every batch (in reverse order), in
    // buffers that must not be A's.
    const stalled = await WireClient.connect(broker.port);
    try {
      stalled.pauseReading();
      const answers = sent.map((_, index) => fetchBatch(stalled, index));
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let index = batchCount - 1; index >= 0; index--) {
        expectBatch(await fetchBatch(wire, index), index);
      }
      stalled.resumeReading();
      for (const [index, response] of (await Promise.all(answers)).entries()) {
        expectBatch(response, index);
      }
    } finally {
      stalled.close();
    }
  });
});

describe('pooled produce frames', () => {
  let dataDir: string;
  let broker: RunningBroker;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-frame-pool-'));
    broker = await startBroker({ dataDir, kafkaPort: 0, autoCreateTopics: false });
    await broker.registry.createTopic('frames', { partitionCount: 2 });
  });

  afterAll(async () => {
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every pipelined batch as sent, with two connections reusing frames', async () => {
    // Frames of ~200 KB span socket chunks, so they are assembled in pooled slabs. Were a
    // slab given back before its append was written, a later frame would overwrite the batch
    // on its way to the file, and the stored bytes would differ from those sent.
    const requestsPerConnection = 40;
    const clients = await Promise.all([0, 1].map(() => WireClient.connect(broker.port)));
    const sent: Buffer[][] = [[], []];
    try {
      await Promise.all(
        clients.map((client, partition) =>
          Promise.all(
            Array.from({ length: requestsPerConnection }, (_, index) => {
              const value = Buffer.alloc(200 * 1024, partition * requestsPerConnection + index);
              const batch = encodeRecordBatch({ records: [{ key: null, value }] });
              sent[partition]!.push(batch);
              return client.request(produceApi, produceApi.maxVersion, {
                transactionalId: null,
                acks: 1,
                timeoutMs: 5_000,
                topicData: [
                  { name: 'frames', partitionData: [{ index: partition, records: batch }] },
                ],
              });
            }),
          ),
        ),
      );
      for (const partition of [0, 1]) {
        const log = broker.registry.partitionLog('frames', partition)!;
        for (const [offset, batch] of sent[partition]!.entries()) {
          const { records } = await log.read(offset, 1);
          const expected = Buffer.from(batch);
          expected.writeBigInt64BE(BigInt(offset), 0);
          expect(records.equals(expected), `partition ${partition} offset ${offset}`).toBe(true);
        }
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
});
