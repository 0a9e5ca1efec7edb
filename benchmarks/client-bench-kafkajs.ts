/**
 * kafkajs 2.2 under client-bench's settings (client-bench-clients.ts). kafkajs has no linger:
 * each `send` becomes one Produce request with one batch per partition. Its consumer always
 * joins a group; `eachBatch` is its fast path.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  type BenchClient,
  type BenchConsumer,
  type BenchProducer,
  type ConsumerSettings,
  fetchBytes,
  fetchMaxWaitMs,
  type ProducerSettings,
  partitionFetchBytes,
} from './client-bench-clients.js';

function kafka(bootstrap: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.ERROR });
}

async function producer(settings: ProducerSettings): Promise<BenchProducer> {
  const client = kafka(settings.bootstrap, 'client-bench-producer');
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    prepare(topic, values) {
      const messages = values.map((value) => ({ value }));
      return async () => {
        await producer.send({ topic, messages, acks: settings.acks });
      };
    },
    close: () => producer.disconnect(),
  };
}

async function consumer(
  settings: ConsumerSettings,
  onValue: (value: Buffer) => void,
  onError: (error: Error) => void,
): Promise<BenchConsumer> {
  const client = kafka(settings.bootstrap, 'client-bench-consumer');
  const consumer = client.consumer({
    groupId: settings.groupId,
    maxWaitTimeInMs: fetchMaxWaitMs,
    maxBytesPerPartition: partitionFetchBytes,
    maxBytes: fetchBytes,
  });
  await consumer.connect();
  consumer.on(consumer.events.CRASH, (event) => onError(event.payload.error));
  await consumer.subscribe({ topic: settings.topic, fromBeginning: settings.from === 'earliest' });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) onValue(message.value!);
    },
  });
  return { close: () => consumer.disconnect() };
}

export const kafkajsClient: BenchClient = { name: 'kafkajs', producer, consumer };
