// Proves a group notices partition changes of its topics after it was assigned, against the
// real broker: partitions added with CreatePartitions, and a subscribed topic created after the
// join, get assigned and consumed without a member joining or leaving (metadataMaxAgeMs, Kafka's
// metadata.max.age.ms, is short here). Every record written to the new partitions after the
// change is consumed (autoOffsetReset 'earliest').
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../src/admin.js';
import {
  cooperativeStickyAssignor,
  type PartitionAssignor,
  rangeAssignor,
} from '../src/assignors/index.js';
import type { Cluster } from '../src/cluster.js';
import { Consumer, type ConsumerOptions } from '../src/index.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import {
  connectedCluster,
  createTopic,
  produceNumbered,
  waitFor,
} from './helpers/consumer-fixtures.js';

let test: TestBroker;
let cluster: Cluster;
let admin: Admin;
let bootstrap: string;

beforeAll(async () => {
  test = await startTestBroker({ groupConfig: { sessionTimeoutMsMin: 500 } });
  bootstrap = test.broker.bootstrap;
  cluster = await connectedCluster(bootstrap);
  admin = new Admin({ bootstrap: [bootstrap] });
});

afterAll(async () => {
  await admin?.close();
  await cluster?.close();
  await test?.stop();
});

const metadataMaxAgeMs = 200;

/** A member that records every message it processes as 'partition:offset:value'. */
function startMember(
  groupId: string,
  topics: string[],
  assignor: PartitionAssignor,
  seen: Set<string>,
  extra: Partial<ConsumerOptions> = {},
): { consumer: Consumer; running: Promise<void> } {
  const consumer = new Consumer({
    bootstrap: [bootstrap],
    groupId,
    assignors: [assignor],
    fromBeginning: true,
    heartbeatIntervalMs: 50,
    sessionTimeoutMs: 3_000,
    rebalanceTimeoutMs: 10_000,
    maxWaitMs: 10,
    metadataMaxAgeMs,
    ...extra,
  });
  const running = consumer.subscribe(topics).then(() =>
    consumer.run({
      eachMessage: (message) => {
        seen.add(`${message.topic}:${message.partition}:${message.offset}:${message.value}`);
      },
    }),
  );
  return { consumer, running };
}

/** What produceNumbered(topic, partitions, count) writes, as startMember records it. */
function numbered(topic: string, partitions: number[], count: number): string[] {
  return partitions.flatMap((partition) =>
    Array.from(
      { length: count },
      (_, index) => `${topic}:${partition}:${index}:p${partition}-${index}`,
    ),
  );
}

function missing(seen: Set<string>, expected: string[]): string[] {
  return expected.filter((entry) => !seen.has(entry));
}

describe.each([
  ['eager (range)', rangeAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
])('partitions added to a subscribed topic, %s', (_name, assignor) => {
  it('are assigned across both members and consumed, none lost', async () => {
    const topic = `grow-${assignor.name}`;
    await createTopic(cluster, topic, 2);
    await produceNumbered(cluster, topic, 2, 20);
    const seen = new Set<string>();
    const members = [
      startMember(`grow-${assignor.name}`, [topic], assignor, seen),
      startMember(`grow-${assignor.name}`, [topic], assignor, seen),
    ];
    const assigned = () => members.flatMap(({ consumer }) => consumer.assignment());
    await waitFor(
      () => missing(seen, numbered(topic, [0, 1], 20)).length === 0 && assigned().length === 2,
      'the first two partitions consumed by the group',
    );

    await admin.createPartitions([{ topic, count: 5 }]);
    // Written at once, before the group can have noticed: the new partitions start at the
    // earliest offset, so none of these may be skipped.
    await produceNumbered(cluster, topic, 5, 20);
    const expected = numbered(topic, [0, 1, 2, 3, 4], 20);
    await waitFor(
      () => missing(seen, expected).length === 0,
      'the records of the added partitions',
      8_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(seen, expected).length}`);
    });

    const partitions = assigned()
      .map(({ partition }) => partition)
      .sort();
    expect(partitions).toEqual([0, 1, 2, 3, 4]);
    for (const { consumer } of members) expect(consumer.assignment().length).toBeGreaterThan(0);
    await Promise.all(members.map(({ consumer }) => consumer.close()));
    await Promise.all(members.map(({ running }) => running));
  });
});

describe('a subscribed topic that did not exist at the join', () => {
  it('is assigned and consumed once it is created', async () => {
    await createTopic(cluster, 'present', 1);
    await produceNumbered(cluster, 'present', 1, 5);
    const seen = new Set<string>();
    // Without topic auto-creation (a Metadata request would otherwise create it at the join).
    const member = startMember(
      'appears',
      ['present', 'appears-later'],
      cooperativeStickyAssignor,
      seen,
      {
        clusterOptions: { allowAutoTopicCreation: false },
      },
    );
    await waitFor(
      () => missing(seen, numbered('present', [0], 5)).length === 0,
      'the existing topic consumed',
    );
    expect(member.consumer.assignment()).toEqual([{ topic: 'present', partition: 0 }]);

    await createTopic(cluster, 'appears-later', 2);
    await produceNumbered(cluster, 'appears-later', 2, 10);
    await waitFor(
      () => missing(seen, numbered('appears-later', [0, 1], 10)).length === 0,
      'the records of the topic created later',
      8_000,
    );
    expect(member.consumer.assignment()).toHaveLength(3);
    await member.consumer.close();
    await member.running;
  });
});

describe('metadataMaxAgeMs', () => {
  it('must be a positive integer', () => {
    expect(
      () => new Consumer({ bootstrap: [bootstrap], groupId: 'g', metadataMaxAgeMs: 0 }),
    ).toThrow(RangeError);
  });
});
