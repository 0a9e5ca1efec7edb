/**
 * The workloads of broker-bench, each a kcat run against the broker, the same kcat run against
 * the null broker (the client's ceiling: null-broker.ts), and the log engine doing the broker's
 * storage part of the same work in this process. A workload is prepared untimed (topic
 * created, warm-up runs, the batch shape the broker received read back from its files), then
 * `runOnce` does one timed repetition of each, back to back, so slow drift on a shared
 * machine touches all three alike.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartitionLog } from '@cairn/log';
import { encodeRecordBatch } from '@cairn/protocol';
import { type BatchShape, readBatchShape, recordsPerBatch } from './batch-shape.js';
import { machineBusyCpuSeconds, ownCpuSeconds } from './cpu-time.js';
import { type KcatSettings, kcatConsume, kcatEndOffset, kcatProduce } from './kcat.js';
import {
  type LogEngineSample,
  measureLogAppend,
  measureLogRead,
  openLog,
} from './log-engine-rates.js';

export const workloadNames = ['produce-acks1', 'produce-acksall', 'consume'] as const;
export type WorkloadName = (typeof workloadNames)[number];

/** A Kafka listener whose CPU time can be read: the broker's process, or the null broker. */
export interface KafkaEndpoint {
  readonly bootstrap: string;
  cpuSeconds(): number;
  /** True when it runs in this process (its CPU is then this process's). */
  readonly inProcess: boolean;
}

/** The null broker, which can also hold a topic for consumers. */
export interface NullEndpoint extends KafkaEndpoint {
  holdTopic(topic: string, batch: Buffer, batchCount: number): void;
}

export interface WorkloadSettings {
  recordBytes: number;
  /** Records per produce run; the consumed topic holds `consumeCopies` times as many. */
  recordCount: number;
  consumeCopies: number;
  warmups: number;
  appendWindow: number;
  readBytesMax: number;
  produceSettings: KcatSettings;
  consumeSettings: KcatSettings;
}

export interface WorkloadContext {
  settings: WorkloadSettings;
  broker: KafkaEndpoint;
  nullBroker: NullEndpoint;
  brokerDataDir: string;
  /** The produce input: `recordCount` lines (record-file.ts). */
  inputPath: string;
  /** Scratch space for the log engine's logs. */
  workDir: string;
}

export interface KcatSample {
  seconds: number;
  recordCount: number;
  /** The endpoint's CPU seconds during the run. */
  serverCpuSeconds: number;
  kcatCpuSeconds: number;
  /** CPU seconds the rest of the machine used: other processes, the kernel's threads. */
  otherCpuSeconds: number;
}

export interface Repetition {
  broker: KcatSample;
  /** The same kcat run against the null broker. */
  ceiling: KcatSample;
  logEngine: LogEngineSample;
}

export interface Workload {
  readonly name: WorkloadName;
  readonly batchShape: BatchShape;
  runOnce(): Promise<Repetition>;
  finish(): Promise<void>;
}

export function prepareWorkload(context: WorkloadContext, name: WorkloadName): Promise<Workload> {
  if (name === 'consume') return prepareConsume(context);
  return prepareProduce(context, name === 'produce-acks1' ? '1' : 'all');
}

function makeBatch(recordCount: number, recordBytes: number): Buffer {
  const records = Array.from({ length: recordCount }, (_, index) => ({
    value: Buffer.alloc(recordBytes, 0x61 + (index % 26)),
  }));
  return encodeRecordBatch({ records });
}

/** Times one kcat run with the CPU of everyone involved; returns the records it moved. */
async function timedKcatRun(
  endpoint: KafkaEndpoint,
  topic: string,
  run: () => Promise<{ seconds: number; cpuSeconds: number }>,
  countRecords: (endBefore: number, endAfter: number) => number,
): Promise<KcatSample> {
  const endBefore = Math.max(await kcatEndOffset(endpoint.bootstrap, topic), 0);
  const serverBefore = endpoint.cpuSeconds();
  const machineBefore = machineBusyCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const kcat = await run();
  const serverCpuSeconds = endpoint.cpuSeconds() - serverBefore;
  const machineCpuSeconds = machineBusyCpuSeconds() - machineBefore;
  const benchCpuSeconds = endpoint.inProcess ? 0 : ownCpuSeconds() - ownBefore;
  const endAfter = await kcatEndOffset(endpoint.bootstrap, topic);
  return {
    seconds: kcat.seconds,
    recordCount: countRecords(endBefore, endAfter),
    serverCpuSeconds,
    kcatCpuSeconds: kcat.cpuSeconds,
    otherCpuSeconds: machineCpuSeconds - serverCpuSeconds - kcat.cpuSeconds - benchCpuSeconds,
  };
}

async function prepareProduce(context: WorkloadContext, acks: '1' | 'all'): Promise<Workload> {
  const { settings } = context;
  const name: WorkloadName = acks === '1' ? 'produce-acks1' : 'produce-acksall';
  const topic = `produce-acks${acks}`;
  const kcatSettings = { ...settings.produceSettings, acks };
  const produceTo = (endpoint: KafkaEndpoint) => () =>
    kcatProduce({
      bootstrap: endpoint.bootstrap,
      topic,
      inputPath: context.inputPath,
      settings: kcatSettings,
    });
  const produced = (endBefore: number, endAfter: number) => {
    const recordCount = endAfter - endBefore;
    if (recordCount !== settings.recordCount) {
      throw new Error(`${topic}: ${recordCount} records arrived of ${settings.recordCount}`);
    }
    return recordCount;
  };
  for (let warmup = 0; warmup < settings.warmups; warmup++) {
    await produceTo(context.broker)();
    await produceTo(context.nullBroker)();
  }
  const batchShape = await readBatchShape(join(context.brokerDataDir, `${topic}-0`));
  const perBatch = recordsPerBatch(batchShape);
  const appendLoad = {
    batch: makeBatch(perBatch, settings.recordBytes),
    batchCount: Math.ceil(settings.recordCount / perBatch),
    appendWindow: settings.appendWindow,
    fsync: acks === 'all',
  };
  let logIndex = 0;
  const appendToFreshLog = async () => {
    const dir = join(context.workDir, `log-${topic}-${logIndex++}`);
    const log = await openLog(dir);
    try {
      return await measureLogAppend(log, appendLoad);
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  for (let warmup = 0; warmup < settings.warmups; warmup++) await appendToFreshLog();
  return {
    name,
    batchShape,
    runOnce: async () => ({
      broker: await timedKcatRun(context.broker, topic, produceTo(context.broker), produced),
      ceiling: await timedKcatRun(
        context.nullBroker,
        topic,
        produceTo(context.nullBroker),
        produced,
      ),
      logEngine: await appendToFreshLog(),
    }),
    finish: async () => undefined,
  };
}

async function prepareConsume(context: WorkloadContext): Promise<Workload> {
  const { settings, broker, nullBroker } = context;
  const topic = 'consume';
  const fill = {
    bootstrap: broker.bootstrap,
    topic,
    inputPath: context.inputPath,
    settings: { ...settings.produceSettings, acks: '1' },
  };
  for (let copy = 0; copy < settings.consumeCopies; copy++) await kcatProduce(fill);
  const batchShape = await readBatchShape(join(context.brokerDataDir, `${topic}-0`));
  const perBatch = recordsPerBatch(batchShape);
  const batch = makeBatch(perBatch, settings.recordBytes);
  const batchCount = Math.ceil(batchShape.recordCount / perBatch);
  nullBroker.holdTopic(topic, batch, batchCount);
  const dir = join(context.workDir, 'log-consume');
  const log: PartitionLog = await openLog(dir);
  const append = { batch, batchCount, appendWindow: settings.appendWindow, fsync: false };
  await measureLogAppend(log, append);
  /** kcat reports where it stopped; it must be the end of the topic that endpoint holds. */
  const consumeFrom = (endpoint: KafkaEndpoint, endOffset: number) => async () => {
    const load = { bootstrap: endpoint.bootstrap, topic, settings: settings.consumeSettings };
    const run = await kcatConsume(load);
    if (run.endOffset !== endOffset) {
      throw new Error(`${topic}: consumed to ${run.endOffset} of ${endOffset}`);
    }
    return run;
  };
  const fromBroker = consumeFrom(broker, batchShape.recordCount);
  const fromNullBroker = consumeFrom(nullBroker, perBatch * batchCount);
  const consumed = (_endBefore: number, endAfter: number) => endAfter;
  for (let warmup = 0; warmup < settings.warmups; warmup++) {
    await fromBroker();
    await fromNullBroker();
    await measureLogRead(log, settings.readBytesMax);
  }
  return {
    name: 'consume',
    batchShape,
    runOnce: async () => ({
      broker: await timedKcatRun(broker, topic, fromBroker, consumed),
      ceiling: await timedKcatRun(nullBroker, topic, fromNullBroker, consumed),
      logEngine: await measureLogRead(log, settings.readBytesMax),
    }),
    finish: async () => {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
