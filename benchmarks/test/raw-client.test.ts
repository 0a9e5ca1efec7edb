// Proves the raw load client speaks Kafka as the broker and the null broker expect: pipelined
// produces of one pre-built batch all land (the log end offset counts them), pipelined fetches
// read them back whole, and a fetch whose answer does not match the expected batch shape fails
// loudly instead of counting wrong.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@cairn/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOfShape } from '../batch-shape.js';
import { type NullBroker, startNullBroker } from '../null-broker.js';
import { rawFetch, rawProduce } from '../raw-client.js';

const recordsPerBatch = 500;
const recordBytes = 100;
const batch = batchOfShape(recordsPerBatch, recordBytes);

describe('the raw client', () => {
  let dataDir: string;
  let broker: RunningBroker;
  let nullBroker: NullBroker;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-raw-client-'));
    broker = await startBroker({ dataDir, kafkaPort: 0 });
    nullBroker = await startNullBroker();
  });

  afterAll(async () => {
    await nullBroker.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('produces pipelined batches to the broker and fetches them back', async () => {
    const load = { bootstrap: broker.bootstrap, topic: 'raw', batch, window: 4 };
    const produced = await rawProduce({ ...load, batchCount: 12, acks: 1 });
    expect(produced.recordCount).toBe(12 * recordsPerBatch);
    await rawProduce({ ...load, batchCount: 3, acks: -1 });
    expect(broker.registry.partitionLog('raw', 0)!.logEndOffset).toBe(15 * recordsPerBatch);

    const fetched = await rawFetch({
      bootstrap: broker.bootstrap,
      topic: 'raw',
      recordsPerBatch,
      batchBytes: batch.length,
      endOffset: 15 * recordsPerBatch,
      batchesPerFetch: 2,
      window: 3,
    });
    expect(fetched.recordCount).toBe(15 * recordsPerBatch);
  });

  it('fails when answers do not have the batch shape it was told', async () => {
    await rawProduce({
      bootstrap: broker.bootstrap,
      topic: 'misshapen',
      batch,
      batchCount: 4,
      window: 2,
      acks: 1,
    });
    const wrongShape = rawFetch({
      bootstrap: broker.bootstrap,
      topic: 'misshapen',
      recordsPerBatch: recordsPerBatch / 2,
      batchBytes: batch.length,
      endOffset: 4 * recordsPerBatch,
      batchesPerFetch: 1,
      window: 2,
    });
    await expect(wrongShape).rejects.toThrow(/records, \d+ expected|answered from/);
  });

  it('reads a null broker held topic to its end', async () => {
    nullBroker.holdTopic('held', batch, 9);
    const fetched = await rawFetch({
      bootstrap: nullBroker.bootstrap,
      topic: 'held',
      recordsPerBatch,
      batchBytes: batch.length,
      endOffset: 9 * recordsPerBatch,
      batchesPerFetch: 4,
      window: 2,
    });
    expect(fetched.recordCount).toBe(9 * recordsPerBatch);
  });
});
