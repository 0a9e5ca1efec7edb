// Proves the consumer reads what was produced, in order, through both ways to consume (the
// async iterator and run()), with and without a group, against the real broker over TCP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import { Consumer } from '../src/consumer.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import {
  connectedCluster,
  createTopic,
  produceNumbered,
  waitFor,
} from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;
let bootstrap: string;

beforeAll(async () => {
  test = await startTestBroker({ groupConfig: { sessionTimeoutMsMin: 500 } });
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
  await createTopic(cluster, 'basic', 3);
  await produceNumbered(cluster, 'basic', 3, 50);
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

describe('consumer', () => {
  it('reads assigned partitions without a group through the async iterator', async () => {
    const consumer = new Consumer({ bootstrap: [bootstrap] });
    await consumer.assign([
      { topic: 'basic', partition: 0, offset: 0 },
      { topic: 'basic', partition: 2, offset: 45 },
    ]);
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(String(message.value));
      if (seen.length === 55) break;
    }
    await consumer.close();
    expect(seen.filter((value) => value.startsWith('p0-'))).toEqual(
      Array.from({ length: 50 }, (_, index) => `p0-${index}`),
    );
    expect(seen.filter((value) => value.startsWith('p2-'))).toEqual([
      'p2-45',
      'p2-46',
      'p2-47',
      'p2-48',
      'p2-49',
    ]);
  });

  it('delivers again the message in hand when the loop leaves (at-least-once)', async () => {
    const options = { bootstrap: [bootstrap], groupId: 'basic-iterator', fromBeginning: true };
    const consumer = new Consumer(options);
    await consumer.assign([{ topic: 'basic', partition: 1 }]);
    const seen: number[] = [];
    for await (const message of consumer) {
      seen.push(message.offset);
      if (seen.length === 10) break; // offsets 0-8 are processed; 9 is in hand
    }
    await consumer.commit();
    await consumer.close();
    const next = new Consumer(options);
    await next.assign([{ topic: 'basic', partition: 1 }]);
    for await (const message of next) {
      seen.push(message.offset);
      break;
    }
    await next.close();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
  });

  it('consumes a subscription with run({ eachMessage }) and commits last processed + 1', async () => {
    const consumer = new Consumer({
      bootstrap: [bootstrap],
      groupId: 'basic-run',
      fromBeginning: true,
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 6_000,
    });
    await consumer.subscribe(['basic']);
    const seen = new Map<number, number[]>();
    const running = consumer.run({
      eachMessage: (message) => {
        seen.set(message.partition, [...(seen.get(message.partition) ?? []), message.offset]);
      },
    });
    await waitFor(() => [...seen.values()].flat().length === 150, '150 messages');
    await consumer.commit();
    await consumer.close();
    await running;
    for (const offsets of seen.values()) {
      expect(offsets).toEqual(Array.from({ length: 50 }, (_, index) => index));
    }
    // A new member of the group starts where the first one's commit says.
    const next = new Consumer({
      bootstrap: [bootstrap],
      groupId: 'basic-run',
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 6_000,
    });
    await next.subscribe(['basic']);
    await waitFor(
      () => next.lag().length === 3 && next.lag().every(({ position }) => position === 50),
      'the committed positions',
    );
    await next.close();
  });
});
