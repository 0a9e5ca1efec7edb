/**
 * The Cairn client (packages/client) under client-bench's settings (client-bench-clients.ts).
 * Its producer gets lingerMs and batchBytes (batch.size) and otherwise its defaults:
 * idempotence is on with acks=all and off with acks=1, as in Kafka's producer. Its consumer
 * reads the partition without a group (assign), which kafkajs and @platformatic/kafka cannot;
 * the throughput clock starts at the first record, so the group join the others make is not
 * counted against them.
 */
import { Consumer, Producer } from '@cairn/client';
import {
  type BenchClient,
  type BenchConsumer,
  type BenchProducer,
  type ConsumerSettings,
  fetchBytes,
  fetchMaxWaitMs,
  type ProducerSettings,
  partitionFetchBytes,
  sendBatchBytes,
} from './client-bench-clients.js';

async function producer(settings: ProducerSettings): Promise<BenchProducer> {
  const producer = new Producer({
    bootstrap: [settings.bootstrap],
    clientId: 'client-bench-producer',
    acks: settings.acks,
    lingerMs: settings.lingerMs,
    batchBytes: sendBatchBytes,
    compression: 'none',
  });
  await producer.connect();
  return {
    prepare(topic, values) {
      const records = values.map((value) => ({ value }));
      return async () => {
        await producer.send(topic, records);
      };
    },
    close: () => producer.close(),
  };
}

async function consumer(
  settings: ConsumerSettings,
  onValue: (value: Buffer) => void,
  onError: (error: Error) => void,
): Promise<BenchConsumer> {
  const consumer = new Consumer({
    bootstrap: [settings.bootstrap],
    clusterOptions: { clientId: 'client-bench-consumer' },
    maxWaitMs: fetchMaxWaitMs,
    partitionMaxBytes: partitionFetchBytes,
    maxBytes: fetchBytes,
  });
  await consumer.assign([{ topic: settings.topic, partition: 0, offset: settings.from }]);
  consumer
    .run({
      eachBatch: (batch) => {
        for (const message of batch.messages) onValue(message.value!);
      },
    })
    .catch(onError);
  return { close: () => consumer.close() };
}

export const cairnClient: BenchClient = { name: 'cairn', producer, consumer };
