// Proves what leaving a `for await` loop does to the message in hand, against the real broker:
// a break or a throw leaves it unprocessed, so it is delivered again (at-least-once: the
// iterator cannot tell the two apart), unless markProcessed(message) was called before the
// break; then the next loop, and after close() the next consumer of the group, start after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.js';
import { Consumer } from '../src/consumer.js';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import { connectedCluster, createTopic, produceNumbered } from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;
let bootstrap: string;

beforeAll(async () => {
  test = await startTestBroker({ groupConfig: { sessionTimeoutMsMin: 500 } });
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
  await createTopic(cluster, 'exit', 1);
  await produceNumbered(cluster, 'exit', 1, 30);
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

function assignedConsumer(groupId: string): Consumer {
  return new Consumer({ bootstrap: [bootstrap], groupId, fromBeginning: true, maxWaitMs: 10 });
}

/** The offset a new consumer of `groupId` is handed first (the group's committed offset). */
async function firstOffsetFor(groupId: string): Promise<number> {
  const consumer = assignedConsumer(groupId);
  await consumer.assign([{ topic: 'exit', partition: 0 }]);
  try {
    for await (const message of consumer) return message.offset;
    throw new Error('the consumer ended without a message');
  } finally {
    await consumer.close();
  }
}

/** Reads offsets 0..`upTo` and leaves the loop at `upTo`, after `beforeBreak(message)`. */
async function readAndBreak(
  consumer: Consumer,
  upTo: number,
  beforeBreak: (message: ConsumerMessage) => void,
): Promise<void> {
  for await (const message of consumer) {
    if (message.offset === upTo) {
      beforeBreak(message);
      break;
    }
  }
}

describe('leaving a for await loop', () => {
  it('delivers the message in hand again after a break, not after markProcessed + break', async () => {
    const plain = assignedConsumer('exit-plain');
    await plain.assign([{ topic: 'exit', partition: 0 }]);
    await readAndBreak(plain, 9, () => undefined);
    await plain.close(); // commits what was processed: offsets 0-8
    expect(await firstOffsetFor('exit-plain')).toBe(9);

    const marked = assignedConsumer('exit-marked');
    await marked.assign([{ topic: 'exit', partition: 0 }]);
    await readAndBreak(marked, 9, (message) => marked.markProcessed(message));
    await marked.close();
    expect(await firstOffsetFor('exit-marked')).toBe(10);
  });

  it('delivers the message in hand again after a throw in the loop body', async () => {
    const consumer = assignedConsumer('exit-throw');
    await consumer.assign([{ topic: 'exit', partition: 0 }]);
    await expect(
      (async () => {
        for await (const message of consumer) {
          if (message.offset === 4) throw new Error('handler failed');
        }
      })(),
    ).rejects.toThrow('handler failed');
    // The same consumer, in a new loop, starts with the message that failed.
    for await (const message of consumer) {
      expect(message.offset).toBe(4);
      break;
    }
    await consumer.close();
    expect(await firstOffsetFor('exit-throw')).toBe(4);
  });

  it('goes on after the marked message in the next loop of the same consumer', async () => {
    const consumer = assignedConsumer('exit-again');
    await consumer.assign([{ topic: 'exit', partition: 0 }]);
    await readAndBreak(consumer, 2, (message) => consumer.markProcessed(message));
    const next: number[] = [];
    for await (const message of consumer) {
      next.push(message.offset);
      if (next.length === 3) break;
    }
    expect(next).toEqual([3, 4, 5]);
    await consumer.close();
  });

  it('commits the marked message when a group member closes after the break', async () => {
    const options = {
      bootstrap: [bootstrap],
      groupId: 'exit-group',
      fromBeginning: true,
      maxWaitMs: 10,
      heartbeatIntervalMs: 50,
      sessionTimeoutMs: 3_000,
    };
    const first = new Consumer(options);
    await first.subscribe(['exit']);
    await readAndBreak(first, 6, (message) => first.markProcessed(message));
    await first.close();
    const second = new Consumer(options);
    await second.subscribe(['exit']);
    let offset = -1;
    for await (const message of second) {
      offset = message.offset;
      break;
    }
    await second.close();
    expect(offset).toBe(7);
  });

  it('markProcessed refuses a message the loop no longer holds', async () => {
    const consumer = assignedConsumer('exit-refuse');
    await consumer.assign([{ topic: 'exit', partition: 0 }]);
    let previous: ConsumerMessage | undefined;
    let last: ConsumerMessage | undefined;
    for await (const message of consumer) {
      if (message.offset === 1) {
        expect(() => consumer.markProcessed(previous as ConsumerMessage)).toThrow(RangeError);
        last = message;
        break;
      }
      previous = message;
    }
    expect(() => consumer.markProcessed(last as ConsumerMessage)).toThrow(RangeError);
    await consumer.close();
  });
});
