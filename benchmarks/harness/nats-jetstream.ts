/**
 * NATS JetStream driven by nats.js. The server runs on loopback with file storage in a
 * directory of the run. A topic is one stream with a subject per partition (`<topic>.<p>`).
 *
 * Durability: JetStream acknowledges a publish once the message is in its file store, and
 * fsyncs on an interval (2 minutes by default), which stands for acks=1. Only nats-server
 * 2.10 and later can fsync every write (`jetstream { sync_interval: always }`); on an older
 * server acks=all workloads are skipped with that reason rather than compared with a store
 * that does not fsync.
 *
 * Producers publish asynchronously, `natsPublishWindow` publishes awaiting their ack per
 * connection (counted on a reply inbox), sticking to one subject for `stickyRecords` records. Consumers are durable pull
 * consumers with `ack_policy: none` (like a Kafka consumer that commits offsets rather than
 * acknowledging each record): one consumer, or several sharing one durable (a group), or one
 * durable per group (fan-out); a replay starts its durable at a stream sequence.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  connect,
  createInbox,
  DeliverPolicy,
  type JetStreamManager,
  type NatsConnection,
  StorageType,
} from 'nats';
import { natsPublishWindow, natsPullBatch, readIdleMsMax, stickyRecords } from './constants.js';
import { runLatency } from './latency-run.js';
import { installedVersion } from './package-version.js';
import { newReadCounter, type ReadCounter, timedFanOut, timedRead } from './read-counter.js';
import { recordValue } from './record-values.js';
import { commandMissing, type ServerProcess, startServerProcess } from './server-process.js';
import {
  type Acks,
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
import type { WorkloadCase } from './workloads.js';

export function natsMissing(): string | null {
  return commandMissing('nats-server', 'scripts/install-peers.sh');
}

/** nats-server 2.10 added `sync_interval`, and with it fsync on every write. */
function canSyncAlways(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

async function startNatsServer(workDir: string, syncAlways: boolean): Promise<ServerProcess> {
  const storeDir = join(workDir, 'nats');
  const configPath = join(workDir, 'nats.conf');
  const sync = syncAlways ? ', sync_interval: always' : '';
  await writeFile(
    configPath,
    `listen: "127.0.0.1:-1"\njetstream { store_dir: ${JSON.stringify(storeDir)}${sync} }\n`,
  );
  return startServerProcess(
    'nats-server',
    ['-c', configPath],
    /Listening for client connections on 127\.0\.0\.1:(\d+)/,
  );
}

export async function startNatsJetStream(context: TargetContext): Promise<Target> {
  const target = new NatsJetStream(context.workDir);
  await target.start(false);
  return target;
}

const streamOf = (topic: Topic) => topic.name;
const subjectOf = (topic: Topic, partition: number) => `${topic.name}.${partition}`;

class NatsJetStream implements Target {
  readonly name = 'nats-jetstream';
  versions: Record<string, string> = {};
  serverPid = 0;
  private server: ServerProcess | undefined;
  private port = 0;
  private admin: NatsConnection | undefined;
  private manager: JetStreamManager | undefined;
  private syncAlways = false;
  private serverVersion = '';
  private consumerCount = 0;

  constructor(private readonly workDir: string) {}

  async start(syncAlways: boolean): Promise<void> {
    this.server = await startNatsServer(this.workDir, syncAlways);
    this.syncAlways = syncAlways;
    this.serverPid = this.server.pid;
    this.port = Number(this.server.ready[1]);
    this.admin = await this.connect();
    this.manager = await this.admin.jetstreamManager();
    this.serverVersion = this.admin.info?.version ?? 'unknown';
    this.versions = {
      server: `nats-server ${this.serverVersion}`,
      client: `nats.js ${installedVersion('nats')}`,
    };
  }

  unsupported(workload: WorkloadCase): string | null {
    if (workload.kind === 'produce' && workload.compression !== 'none') {
      return 'NATS JetStream has no client-side record compression';
    }
    if ('acks' in workload && workload.acks === 'all' && !canSyncAlways(this.serverVersion)) {
      return `nats-server ${this.serverVersion} cannot fsync every write (sync_interval needs >= 2.10)`;
    }
    return null;
  }

  /** Restarts the server when the fsync policy changes (it is server-wide configuration). */
  async setDurability(acks: Acks): Promise<void> {
    const syncAlways = acks === 'all' && canSyncAlways(this.serverVersion);
    if (syncAlways === this.syncAlways) return;
    await this.stop();
    await this.start(syncAlways);
  }

  async createTopic(topic: Topic): Promise<void> {
    await this.manager!.streams.add({
      name: streamOf(topic),
      subjects: [`${topic.name}.*`],
      storage: StorageType.File,
    });
  }

  async deleteTopic(topic: Topic): Promise<void> {
    await this.manager!.streams.delete(streamOf(topic)).catch(() => false);
  }

  async produce(load: ProduceLoad): Promise<Timed> {
    const shares = splitEvenly(load.recordCount, load.producers);
    const connections = await Promise.all(shares.map(() => this.connect()));
    try {
      const start = performance.now();
      await Promise.all(
        shares.map((share, producer) =>
          this.publishAll(connections[producer]!, load.topic, load.recordBytes, share),
        ),
      );
      return { records: load.recordCount, seconds: (performance.now() - start) / 1000 };
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  }

  fill(topic: Topic, recordBytes: number, recordCount: number): Promise<void> {
    return this.publishAll(this.admin!, topic, recordBytes, recordCount);
  }

  async consume(load: ConsumeLoad): Promise<Timed> {
    const durable = await this.addConsumer(load.topic, {});
    const counter = newCounter();
    await Promise.all(
      Array.from({ length: load.consumers }, () =>
        this.readUntil(load.topic, durable, load.recordCount, counter),
      ),
    );
    return timedRead(counter);
  }

  async fanOut(load: FanOutLoad): Promise<Timed> {
    const durables: string[] = [];
    for (let group = 0; group < load.groups; group++) {
      durables.push(await this.addConsumer(load.topic, {}));
    }
    const counters = durables.map(() => newCounter());
    await Promise.all(
      durables.map((durable, index) =>
        this.readUntil(load.topic, durable, load.recordCount, counters[index]!),
      ),
    );
    return timedFanOut(counters, load.recordCount * load.groups);
  }

  async replay(load: ReplayLoad): Promise<Timed> {
    const durable = await this.addConsumer(load.topic, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: load.fromIndex + 1,
    });
    const counter = newCounter();
    await this.readUntil(load.topic, durable, load.recordCount - load.fromIndex, counter);
    return timedRead(counter);
  }

  latency(load: LatencyLoad): Promise<number> {
    return runLatency(load, async (sink) => {
      const durable = await this.addConsumer(load.topic, {});
      const producer = await this.connect();
      const consumerConnection = await this.connect();
      const consumer = await consumerConnection
        .jetstream()
        .consumers.get(streamOf(load.topic), durable);
      const messages = await consumer.consume({ max_messages: natsPullBatch });
      const reading = (async () => {
        for await (const message of messages) sink(message.data);
      })();
      // Acks go to an inbox where only refusals are looked at; arrival is what is timed.
      const inbox = createInbox();
      const acks = producer.subscribe(inbox, {
        callback: (_error, message) => {
          if (message.data[2] === 0x65) {
            console.error(`nats-jetstream: ${new TextDecoder().decode(message.data)}`);
          }
        },
      });
      const subject = subjectOf(load.topic, 0);
      return {
        send(values) {
          for (const value of values) producer.publish(subject, value, { reply: inbox });
        },
        async close() {
          await producer.flush();
          acks.unsubscribe();
          await messages.close();
          await reading;
          await producer.close();
          await consumerConnection.close();
        },
      };
    });
  }

  async stop(): Promise<void> {
    await this.admin?.close();
    await this.server?.stop();
  }

  private connect(): Promise<NatsConnection> {
    return connect({ servers: `127.0.0.1:${this.port}`, maxReconnectAttempts: 0 });
  }

  private async addConsumer(topic: Topic, config: Partial<ConsumerConfig>): Promise<string> {
    const durable = `consumer-${++this.consumerCount}`;
    await this.manager!.consumers.add(streamOf(topic), {
      durable_name: durable,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      ...config,
    });
    return durable;
  }

  /**
   * Publishes with at most `natsPublishWindow` acks outstanding, each publish asking the stream
   * to send its ack to one reply inbox, where they are counted (what the Go client's
   * PublishAsync does; nats.js's `js.publish` awaits each ack as a request with its own timer,
   * which costs the client more than the server's work). Rejects on an error ack.
   */
  private async publishAll(
    connection: NatsConnection,
    topic: Topic,
    recordBytes: number,
    recordCount: number,
  ): Promise<void> {
    const inbox = createInbox();
    let acked = 0;
    let failure: string | null = null;
    let wake: (() => void) | null = null;
    const subscription = connection.subscribe(inbox, {
      callback: (error, message) => {
        // A stream's ack is {"stream":...,"seq":...}; a refusal is {"error":{...}}.
        if (error !== null) failure = error.message;
        else if (message.data[2] === 0x65) failure = new TextDecoder().decode(message.data);
        acked++;
        wake?.();
      },
    });
    const waitFor = async (done: () => boolean) => {
      while (!done() && failure === null) {
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const idle = setTimeout(() => {
          failure = `no ack for ${readIdleMsMax} ms after ${acked} of ${recordCount}`;
          wake?.();
        }, readIdleMsMax);
        await woken;
        clearTimeout(idle);
      }
      if (failure !== null) throw new Error(`${topic.name}: ${failure}`);
    };
    try {
      for (let index = 0; index < recordCount; index++) {
        if (index - acked >= natsPublishWindow)
          await waitFor(() => index - acked < natsPublishWindow);
        const partition = Math.floor(index / stickyRecords) % topic.partitions;
        connection.publish(subjectOf(topic, partition), recordValue(index, recordBytes), {
          reply: inbox,
        });
      }
      await waitFor(() => acked >= recordCount);
    } finally {
      subscription.unsubscribe();
    }
  }

  /**
   * A consumer on its own connection reading `durable` until `counter` (shared by the members
   * of a group) reaches `recordCount`; then every member stops.
   */
  private async readUntil(
    topic: Topic,
    durable: string,
    recordCount: number,
    counter: Counter,
  ): Promise<void> {
    const connection = await this.connect();
    try {
      const consumer = await connection.jetstream().consumers.get(streamOf(topic), durable);
      const messages: ConsumerMessages = await consumer.consume({
        max_messages: natsPullBatch,
        expires: readIdleMsMax,
      });
      counter.members.push(messages);
      for await (const _message of messages) {
        if (Number.isNaN(counter.first)) counter.first = performance.now();
        if (++counter.records < recordCount) continue;
        counter.last = performance.now();
        // Not awaited: close() settles when the iteration ends, which is after this break.
        for (const member of counter.members) void member.close();
        break;
      }
      if (counter.records < recordCount) {
        throw new Error(`${durable}: stopped after ${counter.records} of ${recordCount}`);
      }
    } finally {
      await connection.close();
    }
  }
}

/** A consumer's or a group's read counter, with the message streams of its members. */
interface Counter extends ReadCounter {
  members: ConsumerMessages[];
}

function newCounter(): Counter {
  return { ...newReadCounter(), members: [] };
}
