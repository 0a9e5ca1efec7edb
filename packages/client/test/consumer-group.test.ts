// Proves group consumption is safe through rebalances, against the real broker: members join
// and leave while records are processed, and every record is processed at least once while no
// partition is ever in two live members' handlers at the same time (nor, within one
// generation, handled by two members at all). Also: cooperative-sticky keeps the partitions
// of existing members when one joins, and a static member's restart causes no rebalance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cooperativeStickyAssignor,
  type PartitionAssignor,
  rangeAssignor,
} from '../src/assignors/index.js';
import type { Cluster } from '../src/cluster.js';
import { Consumer } from '../src/consumer.js';
import type { TopicPartition } from '../src/consumer-options.js';
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
});

afterAll(async () => {
  await cluster?.close();
  await test?.stop();
});

function groupConsumer(groupId: string, assignors: PartitionAssignor[], extra = {}): Consumer {
  return new Consumer({
    bootstrap: [bootstrap],
    groupId,
    assignors,
    fromBeginning: true,
    heartbeatIntervalMs: 50,
    sessionTimeoutMs: 3_000,
    rebalanceTimeoutMs: 10_000,
    autoCommitIntervalMs: 200,
    maxWaitMs: 10,
    ...extra,
  });
}

interface Processed {
  member: string;
  generationId: number;
  partition: number;
  offset: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['eager (range)', rangeAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
])('a rebalance while consuming, %s', (_name, assignor) => {
  it('loses no record and never has a partition in two live members at once', async () => {
    const topic = `rebalance-${assignor.name}`;
    const groupId = `group-${assignor.name}`;
    const partitions = 6;
    const perPartition = 100;
    await createTopic(cluster, topic, partitions);
    await produceNumbered(cluster, topic, partitions, perPartition, 20);

    const processed: Processed[] = [];
    const busy = new Map<number, string>(); // partition -> member in its handler now
    const overlaps: string[] = [];
    const start = (name: string) => {
      const consumer = groupConsumer(groupId, [assignor]);
      const running = consumer.subscribe([topic]).then(() =>
        consumer.run({
          eachMessage: async (message) => {
            const other = busy.get(message.partition);
            if (other !== undefined) overlaps.push(`${name}/${other} on ${message.partition}`);
            busy.set(message.partition, name);
            processed.push({
              member: name,
              generationId: consumer.generationId,
              partition: message.partition,
              offset: message.offset,
            });
            // Some handlers take long enough for a rebalance to land in the middle of them.
            if (message.offset % 50 === 0) await sleep(150);
            else await new Promise((resolve) => setImmediate(resolve));
            busy.delete(message.partition);
          },
        }),
      );
      return { consumer, running };
    };

    // Records keep coming while members join and leave.
    let producing = true;
    let produced = perPartition;
    const producer = (async () => {
      while (producing) {
        await produceNumbered(cluster, topic, partitions, 5, 5);
        produced += 5;
        await sleep(100);
      }
    })();

    const a = start('a');
    await waitFor(() => processed.length >= 100, 'a to start');
    const b = start('b');
    await waitFor(() => b.consumer.assignment().length > 0, 'b to get partitions');
    await waitFor(() => processed.some(({ member }) => member === 'b'), 'b to process');
    const c = start('c');
    await waitFor(() => c.consumer.assignment().length > 0, 'c to get partitions');
    await waitFor(() => processed.some(({ member }) => member === 'c'), 'c to process');
    await b.consumer.close();
    await b.running;
    await sleep(200);
    producing = false;
    await producer;
    const unique = () =>
      new Set(processed.map(({ partition, offset }) => `${partition}:${offset}`));
    await waitFor(() => unique().size === partitions * produced, 'every record', 20_000);
    await Promise.all([a.consumer.close(), c.consumer.close()]);
    await Promise.all([a.running, c.running]);

    expect(overlaps).toEqual([]);
    for (let partition = 0; partition < partitions; partition++) {
      for (let offset = 0; offset < produced; offset++) {
        expect(unique().has(`${partition}:${offset}`)).toBe(true);
      }
    }
    const owners = new Map<string, Set<string>>(); // generation:partition -> members
    for (const { member, generationId, partition } of processed) {
      const key = `${generationId}:${partition}`;
      owners.set(key, (owners.get(key) ?? new Set()).add(member));
    }
    for (const [key, members] of owners) {
      expect([key, [...members]]).toEqual([key, [...members].slice(0, 1)]);
    }
    // The members really went through rebalances: b joining, c joining, b leaving.
    const generations = new Set(processed.map(({ generationId }) => generationId));
    expect(generations.size).toBeGreaterThanOrEqual(3);
  }, 30_000);
});

describe.each([
  ['eager (range)', rangeAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
])('a rebalance during a slow handler, %s', (_name, assignor) => {
  it('waits for the handler before its partition can move, and resumes after it', async () => {
    const topic = `slow-${assignor.name}`;
    const groupId = `slow-${assignor.name}`;
    await createTopic(cluster, topic, 2);
    await produceNumbered(cluster, topic, 2, 20);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: { partition: number; offset: number } | null = null;
    const seenByB: { partition: number; offset: number }[] = [];
    const a = groupConsumer(groupId, [assignor]);
    await a.subscribe([topic]);
    const aRun = a.run({
      eachMessage: async ({ partition, offset }) => {
        if (offset === 5 && holding === null) {
          holding = { partition, offset };
          await held;
        }
      },
    });
    await waitFor(() => holding !== null, 'a to hold a message');
    const b = groupConsumer(groupId, [assignor]);
    await b.subscribe([topic]);
    const bRun = b.run({
      eachMessage: ({ partition, offset }) => {
        seenByB.push({ partition, offset });
      },
    });
    await sleep(500); // many heartbeats: the group knows b, a knows it must rebalance
    expect(b.assignment()).toEqual([]);
    expect(seenByB).toEqual([]);
    release();
    await waitFor(() => b.assignment().length === 1, 'b to get a partition after a let go');
    await waitFor(() => seenByB.length > 0, 'b to consume');
    // If b took over the held partition, it starts right after the message a finished.
    const heldPartition = (holding as { partition: number } | null)?.partition;
    const first = seenByB.find(({ partition }) => partition === heldPartition);
    if (first !== undefined) expect(first.offset).toBe(6);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([aRun, bRun]);
  });
});

describe('cooperative-sticky', () => {
  it('keeps the partitions of existing members when one joins', async () => {
    const topic = 'sticky';
    await createTopic(cluster, topic, 6);
    const events: string[] = [];
    const listeners = (name: string) => ({
      onPartitionsAssigned: (partitions: TopicPartition[]) => {
        if (partitions.length > 0) events.push(`${name}+${list(partitions)}`);
      },
      onPartitionsRevoked: (partitions: TopicPartition[]) => {
        events.push(`${name}-${list(partitions)}`);
      },
    });
    const a = groupConsumer('sticky', [cooperativeStickyAssignor], listeners('a'));
    await a.subscribe([topic]);
    const aRun = a.run({ eachMessage: () => undefined });
    await waitFor(() => a.assignment().length === 6, 'a to hold all six');
    const b = groupConsumer('sticky', [cooperativeStickyAssignor], listeners('b'));
    await b.subscribe([topic]);
    const bRun = b.run({ eachMessage: () => undefined });
    await waitFor(() => b.assignment().length === 3 && a.assignment().length === 3, 'a 3 / b 3');
    const kept = list(a.assignment());
    const moved = list(b.assignment());
    // a gave up exactly what b got, once, before b got it; a never gave up the rest.
    expect(events).toEqual(['a+0,1,2,3,4,5', `a-${moved}`, `b+${moved}`]);
    expect(kept.split(',').every((partition) => !moved.includes(partition))).toBe(true);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([aRun, bRun]);
  });
});

describe('static membership', () => {
  it('lets a static member restart within its session without a rebalance', async () => {
    const topic = 'static';
    await createTopic(cluster, topic, 4);
    const assignedTo: string[] = [];
    const make = (instance: string) =>
      groupConsumer('static', [rangeAssignor], {
        groupInstanceId: instance,
        onPartitionsAssigned: (partitions: TopicPartition[]) => {
          assignedTo.push(`${instance}:${list(partitions)}`);
        },
      });
    const a = make('instance-a');
    const b = make('instance-b');
    await Promise.all([a.subscribe([topic]), b.subscribe([topic])]);
    await waitFor(
      () => a.assignment().length === 2 && b.assignment().length === 2,
      'two partitions each',
    );
    const generation = a.generationId;
    const bPartitions = list(b.assignment());
    await b.close(); // a static member does not leave the group
    const restarted = make('instance-b');
    await restarted.subscribe([topic]);
    await waitFor(() => restarted.assignment().length === 2, 'the restarted member');
    expect(list(restarted.assignment())).toBe(bPartitions);
    expect(restarted.generationId).toBe(generation);
    await sleep(300); // a few heartbeats: a rebalance would show here
    expect(a.generationId).toBe(generation);
    expect(assignedTo.filter((entry) => entry.startsWith('instance-a'))).toHaveLength(1);
    await Promise.all([a.close(), restarted.close()]);
  });
});

function list(partitions: TopicPartition[]): string {
  return partitions
    .map(({ partition }) => partition)
    .sort((x, y) => x - y)
    .join(',');
}
