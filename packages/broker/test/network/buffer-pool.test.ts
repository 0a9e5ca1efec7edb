// Fetch reads go into pooled slabs that come back only once the response is written. The unit
// tests pin the pool's sizes and bounds; the end-to-end test backs many large responses up in
// the broker (one client does not read) while another client fetches, so that, were a slab
// given back before its response reached the kernel, the other client's read would overwrite
// it and the stalled client would get the wrong batch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, encodeRecordBatch, fetchApi, produceApi } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBufferSlabBytesMax, fetchBufferSlabBytesMin } from '../../src/constants.js';
import { FetchBufferPool } from '../../src/handlers/fetch-buffer-pool.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { fetchRequest } from '../fetch-request.js';
import { WireClient } from '../wire-client.js';

describe('FetchBufferPool', () => {
  it('lends power-of-two slabs and reuses the ones given back', () => {
    const pool = new FetchBufferPool(1024 * 1024);
    const lease = pool.lease();
    const read = lease.allocate(100_000);
    expect(read.length).toBe(100_000);
    expect(read.buffer.byteLength).toBe(128 * 1024);
    lease.release();
    expect(pool.freeByteCount).toBe(128 * 1024);
    const again = pool.lease().allocate(70_000);
    expect(again.buffer).toBe(read.buffer);
    expect(pool.freeByteCount).toBe(0);
  });

  it('gives reads outside the pooled sizes buffers of their own', () => {
    const pool = new FetchBufferPool(64 * 1024 * 1024);
    const lease = pool.lease();
    const small = lease.allocate(fetchBufferSlabBytesMin - 1);
    const large = lease.allocate(fetchBufferSlabBytesMax + 1);
    expect(small.length).toBe(fetchBufferSlabBytesMin - 1);
    expect(large.length).toBe(fetchBufferSlabBytesMax + 1);
    lease.release();
    expect(pool.freeByteCount).toBe(0);
  });

  it('keeps at most its limit of free slabs', () => {
    const pool = new FetchBufferPool(256 * 1024);
    const lease = pool.lease();
    for (let index = 0; index < 3; index++) lease.allocate(128 * 1024);
    lease.release();
    expect(pool.freeByteCount).toBe(256 * 1024);
  });

  it('refuses a lease used after its release', () => {
    const lease = new FetchBufferPool(1024 * 1024).lease();
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
