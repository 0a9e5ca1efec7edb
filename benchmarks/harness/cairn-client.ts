/**
 * Cairn driven by its own client (@cairn/client's Producer and Consumer): the like-for-like
 * comparison with the peers, whose clients are JavaScript too, in this same process.
 *
 * Producers send records in calls of `clientSendRecords`, `clientSendsInFlight` calls awaited
 * at once, with librdkafka's throughput settings (kcat's target uses the same): batches up to
 * 1 MiB, 5 ms linger; acks=1 producers are not idempotent, acks=all ones are (the client's
 * default). Latency runs keep the client's own linger of 0 (a batch leaves on the next turn of
 * the event loop). Consumers read with run({ eachBatch }): one consumer assigned every
 * partition from the earliest offset, a group subscribed with the client's default assignor,
 * one group per fan-out reader, or a consumer assigned partition 0 at the replay's offset.
 */
import { Consumer, type ConsumerOptions, Producer, type ProducerRecord } from '@cairn/client';
import { type CairnBroker, startCairnBroker } from './cairn-broker.js';
import { clientSendRecords, clientSendsInFlight } from './constants.js';
import { createTopic, deleteTopic } from './kafka-admin.js';
import { runLatency } from './latency-run.js';
import { newReadCounter, type ReadCounter, timedFanOut, timedRead } from './read-counter.js';
import { recordValue } from './record-values.js';
import {
  type Acks,
  type Compression,
  type ConsumeLoad,
  type FanOutLoad,
  type LatencyLoad,
  type ProduceLoad,
  type ReplayLoad,
  splitEvenly,
  type Target,
  type TargetContext,
  type Timed,
  type Topic,
} from './target.js';

const throughputProducer = { lingerMs: 5, batchBytes: 1024 * 1024 };

export async function cairnClientMissing(): Promise<string | null> {
  return typeof Producer === 'function' && typeof Consumer === 'function'
    ? null
    : 'packages/client does not export Producer and Consumer';
}

export async function startCairnClient(context: TargetContext): Promise<Target> {
  const broker = await startCairnBroker(context, 'cairn-client');
  return new CairnClient(broker);
}

class CairnClient implements Target {
  readonly name = 'cairn-client';
  readonly versions: Record<string, string>;
  readonly serverPid: number;
  private groupCount = 0;

  constructor(private readonly broker: CairnBroker) {
    this.serverPid = broker.pid;
    this.versions = { server: broker.version, client: '@cairn/client (this workspace)' };
  }

  unsupported(): string | null {
    return null;
  }

  async setDurability(): Promise<void> {}

  createTopic(topic: Topic): Promise<void> {
    return createTopic(this.broker.bootstrap, topic);
  }

  deleteTopic(topic: Topic): Promise<void> {
    return deleteTopic(this.broker.bootstrap, topic.name);
  }

  async produce(load: ProduceLoad): Promise<Timed> {
    const producers = splitEvenly(load.recordCount, load.producers).map((share) => ({
      share,
      producer: this.newProducer(load.acks, load.compression, throughputProducer),
    }));
    try {
      await Promise.all(producers.map(({ producer }) => producer.connect()));
      const start = performance.now();
      await Promise.all(
        producers.map(({ producer, share }) =>
          sendAll(producer, load.topic, load.recordBytes, share),
        ),
      );
      return { records: load.recordCount, seconds: (performance.now() - start) / 1000 };
    } finally {
      await Promise.all(producers.map(({ producer }) => producer.close()));
    }
  }

  async fill(topic: Topic, recordBytes: number, recordCount: number): Promise<void> {
    const producer = this.newProducer('1', 'none', throughputProducer);
    try {
      await sendAll(producer, topic, recordBytes, recordCount);
    } finally {
      await producer.close();
    }
  }

  async consume(load: ConsumeLoad): Promise<Timed> {
    const counter = newReadCounter();
    if (load.consumers === 1) {
      const partitions = Array.from({ length: load.topic.partitions }, (_, partition) => ({
        topic: load.topic.name,
        partition,
        offset: 'earliest' as const,
      }));
      await this.readUntil([{}], load.recordCount, counter, (consumer) =>
        consumer.assign(partitions),
      );
    } else {
      const groupId = this.newGroupId();
      const members = Array.from({ length: load.consumers }, () => ({ groupId }));
      await this.readUntil(members, load.recordCount, counter, (consumer) =>
        consumer.subscribe([load.topic.name]),
      );
    }
    return timedRead(counter);
  }

  async fanOut(load: FanOutLoad): Promise<Timed> {
    const counters = Array.from({ length: load.groups }, () => newReadCounter());
    await Promise.all(
      counters.map((counter) =>
        this.readUntil([{ groupId: this.newGroupId() }], load.recordCount, counter, (consumer) =>
          consumer.subscribe([load.topic.name]),
        ),
      ),
    );
    return timedFanOut(counters, load.recordCount * load.groups);
  }

  async replay(load: ReplayLoad): Promise<Timed> {
    const counter = newReadCounter();
    const partition = { topic: load.topic.name, partition: 0, offset: load.fromIndex };
    await this.readUntil([{}], load.recordCount - load.fromIndex, counter, (consumer) =>
      consumer.assign([partition]),
    );
    return timedRead(counter);
  }

  latency(load: LatencyLoad): Promise<number> {
    return runLatency(load, async (sink) => {
      const producer = this.newProducer(load.acks, 'none', {});
      await producer.connect();
      const consumer = new Consumer({ bootstrap: [this.broker.bootstrap] });
      await consumer.assign([{ topic: load.topic.name, partition: 0, offset: 'earliest' }]);
      const running = consumer.run({
        eachBatch: (batch) => {
          for (const message of batch.messages) sink(message.value!);
        },
      });
      const topic = load.topic.name;
      return {
        send(values) {
          const records = values.map((value) => ({ value, partition: 0 }));
          producer.send(topic, records).catch((error: unknown) => {
            console.error(`cairn-client: send failed: ${error}`);
          });
        },
        async close() {
          await producer.close();
          await consumer.close();
          await running;
        },
      };
    });
  }

  async stop(): Promise<void> {
    await this.broker.stop();
  }

  private newGroupId(): string {
    return `bench-group-${process.pid}-${++this.groupCount}`;
  }

  private newProducer(
    acks: Acks,
    compression: Compression,
    options: { lingerMs?: number; batchBytes?: number },
  ): Producer {
    return new Producer({
      bootstrap: [this.broker.bootstrap],
      acks: acks === 'all' ? 'all' : 1,
      compression,
      ...options,
    });
  }

  /**
   * Consumers (one per options object) read until `counter`, shared by them, reaches
   * `recordCount`; then all close. `start` assigns or subscribes each.
   */
  private async readUntil(
    members: readonly Partial<ConsumerOptions>[],
    recordCount: number,
    counter: ReadCounter,
    start: (consumer: Consumer) => Promise<void>,
  ): Promise<void> {
    const consumers = members.map(
      (options) =>
        new Consumer({ ...options, bootstrap: [this.broker.bootstrap], fromBeginning: true }),
    );
    try {
      await Promise.all(consumers.map(start));
      const closeAll = () => {
        for (const consumer of consumers) void consumer.close();
      };
      await Promise.all(
        consumers.map((consumer) =>
          consumer.run({
            eachBatch: (batch) => {
              const now = performance.now();
              if (Number.isNaN(counter.first)) counter.first = now;
              counter.records += batch.messages.length;
              if (counter.records >= recordCount && Number.isNaN(counter.last)) {
                counter.last = now;
                // Not awaited here: close() waits for this handler to return.
                setImmediate(closeAll);
              }
            },
          }),
        ),
      );
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.close()));
    }
    if (counter.records < recordCount) {
      throw new Error(`consumers stopped after ${counter.records} of ${recordCount} records`);
    }
  }
}

/** Sends `recordCount` records in calls of `clientSendRecords`, a bounded window at a time. */
async function sendAll(
  producer: Producer,
  topic: Topic,
  recordBytes: number,
  recordCount: number,
): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < recordCount; ) {
    const count = Math.min(clientSendRecords, recordCount - sent);
    const records: ProducerRecord[] = new Array(count);
    for (let index = 0; index < count; index++) {
      records[index] = { value: recordValue(sent + index, recordBytes) };
    }
    sent += count;
    const call = producer.send(topic.name, records);
    const tracked = call.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= clientSendsInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}
