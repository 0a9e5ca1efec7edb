// Proves that the keys and values the consumer hands out stay intact while it goes on reading:
// they are views of fetch responses, which the connection reads through a reused staging
// buffer (small responses, copied out) or into buffers of their own (large ones). Messages of
// many fetches of both kinds are kept unread until the end, then checked, over real TCP
// against the real broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import { responseOwnBufferBytesMin, responseStagingBytes } from '../src/constants.js';
import { Consumer } from '../src/consumer.js';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import { connectedCluster, createTopic, produceBatch } from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;

/** Value `index`: its own bytes, of a size that cycles from a few bytes to over the staging buffer. */
function recordValue(index: number): Buffer {
  const sizes = [3, 100, responseOwnBufferBytesMin - 50, 1_000, responseStagingBytes + 10];
  const value = Buffer.alloc(sizes[index % sizes.length]!, index & 0xff);
  value.write(`record-${index}`);
  return value;
}

const recordCount = 300;

beforeAll(async () => {
  test = await startTestBroker();
  cluster = await connectedCluster(test.broker.bootstrap);
  await createTopic(cluster, 'kept', 1);
  for (let start = 0; start < recordCount; start += 3) {
    const records = [start, start + 1, start + 2].map((index) => ({
      key: Buffer.from(`key-${index}`),
      value: recordValue(index),
    }));
    await produceBatch(cluster, 'kept', 0, records);
  }
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

describe('consumer values', () => {
  it('stay intact across later fetches, small responses and large alike', async () => {
    // A small partitionMaxBytes: one batch per fetch, so hundreds of responses of every size.
    const consumer = new Consumer({
      bootstrap: [test.broker.bootstrap],
      partitionMaxBytes: 1,
      maxWaitMs: 10,
    });
    await consumer.assign([{ topic: 'kept', partition: 0, offset: 0 }]);
    const kept: ConsumerMessage[] = [];
    for await (const message of consumer) {
      kept.push(message);
      if (kept.length === recordCount) break;
    }
    await consumer.close();
    expect(kept.map((message) => message.offset)).toEqual(
      Array.from({ length: recordCount }, (_, index) => index),
    );
    for (const [index, message] of kept.entries()) {
      expect(message.key?.toString()).toBe(`key-${index}`);
      expect(message.value?.equals(recordValue(index))).toBe(true);
    }
  });
});
