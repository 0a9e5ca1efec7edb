/**
 * What client-bench asks of each Kafka client, so that the workloads (client-bench-workloads.ts)
 * are one piece of application code run unchanged over the Cairn client, kafkajs and
 * @platformatic/kafka. An adapter only translates: it makes the client's producer and consumer
 * with the settings below under the client's own option names, and passes values through.
 *
 * Comparable settings: compression off; acks as the workload says; idempotence left at each
 * client's documented default (Cairn: on; kafkajs and @platformatic/kafka: off). Batching: the
 * application hands each send call up to `sendBatchBytes` of records, which kafkajs and
 * @platformatic/kafka (no linger of their own) turn into one batch each; Cairn gets the same
 * calls and `lingerMs`/`batchBytes` for its own accumulator. Consumers fetch with Kafka's
 * defaults (max.partition.fetch.bytes 1 MiB, fetch.max.bytes 50 MiB), fetch.max.wait.ms 100 and
 * no offset commits.
 */

export const clientNames = ['cairn', 'kafkajs', 'platformatic'] as const;
export type ClientName = (typeof clientNames)[number];

/** Kafka's acks: 1 (the leader wrote it) or -1 (all, fsync'd on Cairn). */
export type Acks = 1 | -1;

/** Kafka's batch.size for the run; a send call carries at most this many bytes of batch. */
export const sendBatchBytes = 1024 * 1024;
/** Bytes a record adds to its value in a v2 batch, at most, with no key and no headers. */
export const recordOverheadBytesMax = 16;
/** A v2 batch's header (61 bytes) and the log overhead (12), rounded up. */
export const batchOverheadBytes = 80;
/** Kafka's max.partition.fetch.bytes and fetch.max.bytes defaults. */
export const partitionFetchBytes = 1024 * 1024;
export const fetchBytes = 50 * 1024 * 1024;
/** fetch.max.wait.ms: a consumer at the end of the log waits this long for new records. */
export const fetchMaxWaitMs = 100;

export interface ProducerSettings {
  bootstrap: string;
  acks: Acks;
  /** linger.ms, for clients that have one (Cairn). */
  lingerMs: number;
}

export interface ConsumerSettings {
  bootstrap: string;
  topic: string;
  /** Clients that consume only in a group get this (unique per consumer) group id. */
  groupId: string;
  /** From the first offset, or from the end of the log (only records produced later). */
  from: 'earliest' | 'latest';
}

/** A send of records prepared ahead (the client's message objects built, untimed). */
export type PreparedSend = () => Promise<void>;

export interface BenchProducer {
  /** Builds one send call's messages for `values`; the returned function sends them. */
  prepare(topic: string, values: readonly Buffer[]): PreparedSend;
  close(): Promise<void>;
}

export interface BenchConsumer {
  close(): Promise<void>;
}

export interface BenchClient {
  readonly name: ClientName;
  producer(settings: ProducerSettings): Promise<BenchProducer>;
  /**
   * Starts consuming the topic's single partition and calls `onValue` for each record, in
   * offset order; `onError` for an error that stops consumption.
   */
  consumer(
    settings: ConsumerSettings,
    onValue: (value: Buffer) => void,
    onError: (error: Error) => void,
  ): Promise<BenchConsumer>;
}

/** Records of `recordBytes` per send call so a call's batch stays within `sendBatchBytes`. */
export function recordsPerSend(recordBytes: number): number {
  return Math.floor((sendBatchBytes - batchOverheadBytes) / (recordBytes + recordOverheadBytesMax));
}

/** The adapters are loaded on demand, so one that fails to load stops only its own runs. */
export async function loadClient(name: ClientName): Promise<BenchClient> {
  switch (name) {
    case 'cairn':
      return (await import('./client-bench-cairn.js')).cairnClient;
    case 'kafkajs':
      return (await import('./client-bench-kafkajs.js')).kafkajsClient;
    case 'platformatic':
      return (await import('./client-bench-platformatic.js')).platformaticClient;
  }
}
