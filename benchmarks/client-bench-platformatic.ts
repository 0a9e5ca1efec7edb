/**
 * @platformatic/kafka 2.12 under client-bench's settings (client-bench-clients.ts). Like kafkajs
 * it has no linger on `send` (each call is one Produce request); its consumer joins a group and
 * delivers a stream of messages.
 *
 * It documents Node >= 22.22. On Node 20 the one thing missing is `Promise.withResolvers`
 * (V8 12.2), which it calls on every request: the polyfill below is the whole of it, so the
 * client runs its own code and pays the cost of a closure instead of the native call.
 */
import { Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka';
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

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

const promiseStatics = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
promiseStatics.withResolvers ??= <T>(): Resolvers<T> => {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
};

async function producer(settings: ProducerSettings): Promise<BenchProducer> {
  const producer = new Producer({
    clientId: 'client-bench-producer',
    bootstrapBrokers: [settings.bootstrap],
    acks: settings.acks,
  });
  return {
    prepare(topic, values) {
      const messages = values.map((value) => ({ topic, value }));
      return async () => {
        await producer.send({ messages });
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
    clientId: 'client-bench-consumer',
    groupId: settings.groupId,
    bootstrapBrokers: [settings.bootstrap],
    maxWaitTime: fetchMaxWaitMs,
    maxBytes: fetchBytes,
    maxBytesPerPartition: partitionFetchBytes,
  });
  const stream = await consumer.consume({
    topics: [settings.topic],
    autocommit: false,
    mode: settings.from === 'earliest' ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST,
  });
  stream.on('data', (message) => onValue(message.value));
  stream.on('error', onError);
  return { close: () => consumer.close(true) };
}

export const platformaticClient: BenchClient = { name: 'platformatic', producer, consumer };
