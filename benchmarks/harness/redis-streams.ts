/**
 * Redis Streams driven by ioredis. The server runs on loopback in a directory of the run with
 * the append-only file on, as durable as Cairn: `appendfsync everysec` stands for acks=1
 * (written, fsync'd within a second) and `appendfsync always` for acks=all (fsync'd before the
 * reply). RDB snapshots and AOF rewrites are off: both fork the server and rewrite everything,
 * work Cairn does not do for these topics, and they would land at random in the runs.
 *
 * Producers pipeline XADDs (`redisPipelineRecords` a pipeline, `redisPipelinesInFlight` at
 * once per connection), sticking to one stream key per pipeline as librdkafka sticks to a
 * partition per batch. One consumer reads with XREAD over every key; a group, and each group
 * of a fan-out, reads with XREADGROUP ... NOACK (no pending-entries list: like a Kafka consumer
 * that commits offsets rather than acknowledging each record). A replay reads with XRANGE.
 * Untimed fills give entries explicit ids `0-<n>` (n from 1), so a replay can start at any
 * record.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  readIdleMsMax,
  redisPipelineRecords,
  redisPipelinesInFlight,
  redisReadCount,
} from './constants.js';
import { runLatency } from './latency-run.js';
import { installedVersion } from './package-version.js';
import { newReadCounter, type ReadCounter, timedFanOut, timedRead } from './read-counter.js';
import { recordValue } from './record-values.js';
import {
  commandMissing,
  freePort,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';
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

/** An entry as RESP2 returns it with Buffers: [id, [field, value, ...]]. */
type Entry = [Buffer, Buffer[]];
/**
 * XREAD / XREADGROUP reply: null when nothing came; with RESP3 (ioredis 6's default) a map,
 * which arrives flattened as [key, entries, key, entries, ...]; with RESP2 [[key, entries]].
 */
type StreamReply = (Buffer | Entry[] | [Buffer, Entry[]])[] | null;

function streamsOf(reply: StreamReply): [Buffer, Entry[]][] {
  if (reply === null || reply.length === 0) return [];
  if (!Buffer.isBuffer(reply[0])) return reply as [Buffer, Entry[]][];
  const pairs: [Buffer, Entry[]][] = [];
  for (let index = 0; index + 1 < reply.length; index += 2) {
    pairs.push([reply[index] as Buffer, reply[index + 1] as Entry[]]);
  }
  return pairs;
}

const field = 'v';
const blockMs = 100;

export function redisMissing(): string | null {
  return commandMissing('redis-server', 'scripts/install-peers.sh');
}

export async function startRedisStreams(context: TargetContext): Promise<Target> {
  const port = await freePort();
  const server = await startServerProcess(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      join(context.workDir),
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--auto-aof-rewrite-percentage',
      '0',
      '--protected-mode',
      'no',
    ],
    /Ready to accept connections/,
  );
  const admin = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
  const info = String(await admin.call('INFO', 'server'));
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return new RedisStreams(server, port, admin, {
    server: `redis ${version}`,
    client: `ioredis ${installedVersion('ioredis')}`,
  });
}

const keyOf = (topic: Topic, partition: number) => `${topic.name}:${partition}`;
const keysOf = (topic: Topic) =>
  Array.from({ length: topic.partitions }, (_, partition) => keyOf(topic, partition));

class RedisStreams implements Target {
  readonly name = 'redis-streams';
  readonly serverPid: number;
  private groupCount = 0;

  constructor(
    private readonly server: ServerProcess,
    private readonly port: number,
    private readonly admin: Redis,
    readonly versions: Record<string, string>,
  ) {
    this.serverPid = server.pid;
  }

  unsupported(workload: WorkloadCase): string | null {
    if (workload.kind === 'produce' && workload.compression !== 'none') {
      return 'Redis Streams has no record compression';
    }
    return null;
  }

  async setDurability(acks: Acks): Promise<void> {
    await this.admin.call('CONFIG', 'SET', 'appendfsync', acks === 'all' ? 'always' : 'everysec');
  }

  /** A stream key exists once written to; there is nothing to create. */
  async createTopic(): Promise<void> {}

  async deleteTopic(topic: Topic): Promise<void> {
    await this.admin.call('DEL', ...keysOf(topic));
  }

  async produce(load: ProduceLoad): Promise<Timed> {
    const shares = splitEvenly(load.recordCount, load.producers);
    const connections = await Promise.all(shares.map(() => this.connect()));
    try {
      const start = performance.now();
      await Promise.all(
        shares.map((share, producer) =>
          this.pipelineXadds(connections[producer]!, load.topic, load.recordBytes, share, null),
        ),
      );
      return { records: load.recordCount, seconds: (performance.now() - start) / 1000 };
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  }

  async fill(topic: Topic, recordBytes: number, recordCount: number): Promise<void> {
    await this.pipelineXadds(
      this.admin,
      topic,
      recordBytes,
      recordCount,
      new Array(topic.partitions).fill(0),
    );
  }

  async consume(load: ConsumeLoad): Promise<Timed> {
    if (load.consumers === 1) return this.xreadAll(load.topic, load.recordCount);
    const group = await this.createGroup(load.topic);
    const counter = newReadCounter();
    await Promise.all(
      Array.from({ length: load.consumers }, (_, member) =>
        this.readGroup(load.topic, group, `c${member}`, load.recordCount, counter),
      ),
    );
    return timedRead(counter, load.recordCount);
  }

  async fanOut(load: FanOutLoad): Promise<Timed> {
    const groups = await Promise.all(
      Array.from({ length: load.groups }, () => this.createGroup(load.topic)),
    );
    const counters = groups.map(() => newReadCounter());
    await Promise.all(
      groups.map((group, index) =>
        this.readGroup(load.topic, group, 'c0', load.recordCount, counters[index]!),
      ),
    );
    return timedFanOut(counters, load.recordCount * load.groups);
  }

  async replay(load: ReplayLoad): Promise<Timed> {
    const connection = await this.connect();
    try {
      const key = keyOf(load.topic, 0);
      let start = `0-${load.fromIndex + 1}`;
      let records = 0;
      let first = Number.NaN;
      const wanted = load.recordCount - load.fromIndex;
      while (records < wanted) {
        const entries = (await connection.callBuffer(
          'XRANGE',
          key,
          start,
          '+',
          'COUNT',
          redisReadCount,
        )) as Entry[];
        if (Number.isNaN(first)) first = performance.now();
        if (entries.length === 0)
          throw new Error(`${key}: XRANGE ended at ${records} of ${wanted}`);
        records += entries.length;
        start = `(${entries.at(-1)![0].toString('latin1')}`;
      }
      return { records, seconds: (performance.now() - first) / 1000 };
    } finally {
      connection.disconnect();
    }
  }

  latency(load: LatencyLoad): Promise<number> {
    return runLatency(load, async (sink) => {
      const key = keyOf(load.topic, 0);
      const producer = await this.connect();
      const consumer = await this.connect();
      let running = true;
      const reading = (async () => {
        let lastId = '0';
        while (running) {
          const reply = (await consumer.callBuffer(
            'XREAD',
            'COUNT',
            redisReadCount,
            'BLOCK',
            blockMs,
            'STREAMS',
            key,
            lastId,
          )) as StreamReply;
          for (const [, entries] of streamsOf(reply)) {
            for (const [id, fields] of entries) {
              sink(fields[1]!);
              lastId = id.toString('latin1');
            }
          }
        }
      })();
      return {
        send(values) {
          const commands = values.map((value) => ['xadd', key, '*', field, value]);
          producer
            .pipeline(commands)
            .exec()
            .catch((error: unknown) => {
              console.error(`redis-streams: XADD failed: ${error}`);
            });
        },
        async close() {
          running = false;
          await reading;
          producer.disconnect();
          consumer.disconnect();
        },
      };
    });
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.server.stop();
  }

  private async connect(): Promise<Redis> {
    const connection = new Redis(this.port, '127.0.0.1', {
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    await connection.connect();
    return connection;
  }

  /**
   * XADDs `recordCount` records in pipelines, `redisPipelinesInFlight` at once, each pipeline
   * to one stream key in turn; with `ids` (one counter per partition) the ids are explicit.
   */
  private async pipelineXadds(
    connection: Redis,
    topic: Topic,
    recordBytes: number,
    recordCount: number,
    ids: number[] | null,
  ): Promise<void> {
    let sent = 0;
    let partition = 0;
    const inFlight = new Set<Promise<void>>();
    while (sent < recordCount) {
      const count = Math.min(redisPipelineRecords, recordCount - sent);
      const key = keyOf(topic, partition);
      const commands = Array.from({ length: count }, (_, index) => {
        const id = ids === null ? '*' : `0-${++ids[partition]!}`;
        return ['xadd', key, id, field, recordValue(sent + index, recordBytes)];
      });
      sent += count;
      partition = (partition + 1) % topic.partitions;
      const pipeline = connection
        .pipeline(commands)
        .exec()
        .then((results) => {
          const failed = results?.find(([error]) => error !== null);
          if (failed !== undefined) throw failed[0];
        });
      const tracked = pipeline.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= redisPipelinesInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  private async xreadAll(topic: Topic, recordCount: number): Promise<Timed> {
    const connection = await this.connect();
    try {
      const keys = keysOf(topic);
      const lastIds = keys.map(() => '0');
      let records = 0;
      let first = Number.NaN;
      while (records < recordCount) {
        const reply = (await connection.callBuffer(
          'XREAD',
          'COUNT',
          redisReadCount,
          'STREAMS',
          ...keys,
          ...lastIds,
        )) as StreamReply;
        const streams = streamsOf(reply);
        if (streams.length === 0) {
          throw new Error(`${topic.name}: XREAD ended at ${records} of ${recordCount}`);
        }
        if (Number.isNaN(first)) first = performance.now();
        for (const [key, entries] of streams) {
          records += entries.length;
          lastIds[keys.indexOf(key.toString('latin1'))] = entries.at(-1)![0].toString('latin1');
        }
      }
      return { records, seconds: (performance.now() - first) / 1000 };
    } finally {
      connection.disconnect();
    }
  }

  private async createGroup(topic: Topic): Promise<string> {
    const group = `group-${++this.groupCount}`;
    for (const key of keysOf(topic)) await this.admin.call('XGROUP', 'CREATE', key, group, '0');
    return group;
  }

  /**
   * One group member reading until its group has read `recordCount` (`counter` is shared by
   * the members), which sets `counter.last`.
   */
  private async readGroup(
    topic: Topic,
    group: string,
    consumer: string,
    recordCount: number,
    counter: ReadCounter,
  ): Promise<void> {
    const connection = await this.connect();
    try {
      const keys = keysOf(topic);
      const ids = keys.map(() => '>');
      let idleSince = performance.now();
      while (counter.records < recordCount) {
        const reply = (await connection.callBuffer(
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          redisReadCount,
          'BLOCK',
          blockMs,
          'NOACK',
          'STREAMS',
          ...keys,
          ...ids,
        )) as StreamReply;
        const now = performance.now();
        const streams = streamsOf(reply);
        if (streams.length === 0) {
          if (now - idleSince > readIdleMsMax) {
            throw new Error(`${group}: nothing more after ${counter.records} of ${recordCount}`);
          }
          continue;
        }
        idleSince = now;
        if (Number.isNaN(counter.first)) counter.first = now;
        for (const [, entries] of streams) counter.records += entries.length;
        if (counter.records >= recordCount && Number.isNaN(counter.last)) counter.last = now;
      }
    } finally {
      connection.disconnect();
    }
  }
}
