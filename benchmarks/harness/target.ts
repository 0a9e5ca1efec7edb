/**
 * A target is one system under test driven by one client: Cairn driven by kcat, Cairn driven
 * by its own client, Redis Streams by ioredis, NATS JetStream by nats.js. Every target does
 * the same operations on the same record values, so the workload runner can time them alike.
 *
 * A Kafka topic with P partitions is, on Redis, P stream keys `<topic>:<p>` (a stream is one
 * key; Redis partitions by key), and on NATS one stream with subjects `<topic>.<p>` (a
 * JetStream stream is NATS's unit of storage; it partitions by subject).
 */
import type { LatencyRecorder } from './stats.js';
import type { WorkloadCase } from './workloads.js';

export const targetNames = [
  'cairn-kcat',
  'cairn-client',
  'redis-streams',
  'nats-jetstream',
] as const;
export type TargetName = (typeof targetNames)[number];

export type Acks = '1' | 'all';
export type Compression = 'none' | 'lz4';

export interface Topic {
  name: string;
  partitions: number;
}

export interface ProduceLoad {
  topic: Topic;
  recordBytes: number;
  /** Records over all producers (each sends its share). */
  recordCount: number;
  producers: number;
  acks: Acks;
  compression: Compression;
}

export interface ConsumeLoad {
  topic: Topic;
  /** Records in the topic; the run ends when all were read. */
  recordCount: number;
  /** 1: one consumer reads every partition; more: they share the topic as one group. */
  consumers: number;
}

export interface FanOutLoad {
  topic: Topic;
  recordCount: number;
  /** Independent groups (one consumer each) that each read the whole topic at once. */
  groups: number;
}

export interface ReplayLoad {
  /** A topic of one partition. */
  topic: Topic;
  recordCount: number;
  /** The first record read (0-based); the run reads from it to the end. */
  fromIndex: number;
}

export interface LatencyLoad {
  /** A fresh topic of one partition. */
  topic: Topic;
  recordBytes: number;
  acks: Acks;
  ratePerSecond: number;
  recordCount: number;
  recorder: LatencyRecorder;
}

/** A timed run: `records` moved in `seconds` (wall time, from the first record to the last). */
export interface Timed {
  records: number;
  seconds: number;
}

export interface Target {
  readonly name: TargetName;
  /** Server and client versions, for results.json. */
  readonly versions: Readonly<Record<string, string>>;
  /** The server's pid, for its CPU time. */
  readonly serverPid: number;
  /** Why this target cannot run `workload` on equal terms (it is then skipped), or null. */
  unsupported(workload: WorkloadCase): string | null;
  /** Sets server-side durability to what `acks` means for Cairn (fsync per write or not). */
  setDurability(acks: Acks): Promise<void>;
  createTopic(topic: Topic): Promise<void>;
  deleteTopic(topic: Topic): Promise<void>;
  produce(load: ProduceLoad): Promise<Timed>;
  /** Untimed: appends `recordCount` records of `recordBytes` spread over the partitions. */
  fill(topic: Topic, recordBytes: number, recordCount: number): Promise<void>;
  consume(load: ConsumeLoad): Promise<Timed>;
  fanOut(load: FanOutLoad): Promise<Timed>;
  replay(load: ReplayLoad): Promise<Timed>;
  /** Sends on the schedule while consuming, recording each record's latency; returns received. */
  latency(load: LatencyLoad): Promise<number>;
  stop(): Promise<void>;
}

/** Where targets keep their files, and the flags that shape them. */
export interface TargetContext {
  workDir: string;
  /** Node flags for Cairn's broker process (e.g. --cpu-prof). */
  brokerNodeArgs: readonly string[];
  /** Use a broker that is already running here instead of starting one (tests). */
  cairnBootstrap?: string;
}

/** A target that could not start: the reason is printed and written to the report. */
export interface SkippedTarget {
  name: TargetName;
  reason: string;
}

/** `total` split into `parts` whole shares that differ by at most one. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  );
}
