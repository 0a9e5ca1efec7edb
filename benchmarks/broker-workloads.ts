/**
 * The workloads of broker-bench. Each repetition is one kcat run against the broker, the same
 * kcat run against the null broker (the client's ceiling: null-broker.ts), and the log engine
 * doing the broker's storage part of the same work in this process. A workload is prepared
 * untimed (topic created, warm-up runs, the batch shape the broker received read back from its
 * files), then `runOnce` does one timed repetition of the three back to back, so slow drift on
 * a shared machine touches all three alike.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartitionLog } from '@cairn/log';
import { type BatchShape, batchOfShape, readBatchShape, recordsPerBatch } from './batch-shape.js';
import type { BrokerProcess } from './broker-process.js';
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

/** A topic the null broker serves to consumers: `batchCount` batches of one shape. */
export interface HeldTopic {
  topic: string;
  recordsPerBatch: number;
  batchCount: number;
  recordBytes: number;
}

export interface WorkloadContext {
  settings: WorkloadSettings;
  broker: BrokerProcess;
  brokerDataDir: string;
  /** Starts a null broker process, holding `held` for consumers when given. */
  startNullBroker(held?: HeldTopic): Promise<BrokerProcess>;
  /** The produce input: `recordCount` lines (record-file.ts). */
  inputPath: string;
  /** Scratch space for the log engine's logs. */
  workDir: string;
}

export interface KcatSample {
  seconds: number;
  recordCount: number;
  /** The listener's CPU seconds during the run (broker or null broker). */
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

type KcatRunner = () => Promise<{ seconds: number; cpuSeconds: number }>;

/** Times one kcat run with the CPU of everyone involved; returns the records it moved. */
async function timedKcatRun(
  server: BrokerProcess,
  topic: string,
  run: KcatRunner,
  countRecords: (endBefore: number, endAfter: number) => number,
): Promise<KcatSample> {
  const endBefore = Math.max(await kcatEndOffset(server.bootstrap, topic), 0);
  const serverBefore = server.cpuSeconds();
  const machineBefore = machineBusyCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const kcat = await run();
  const serverCpuSeconds = server.cpuSeconds() - serverBefore;
  const machineCpuSeconds = machineBusyCpuSeconds() - machineBefore;
  const ownCpu = ownCpuSeconds() - ownBefore;
  const endAfter = await kcatEndOffset(server.bootstrap, topic);
  return {
    seconds: kcat.seconds,
    recordCount: countRecords(endBefore, endAfter),
    serverCpuSeconds,
    kcatCpuSeconds: kcat.cpuSeconds,
    otherCpuSeconds: machineCpuSeconds - serverCpuSeconds - kcat.cpuSeconds - ownCpu,
  };
}

async function prepareProduce(context: WorkloadContext, acks: '1' | 'all'): Promise<Workload> {
  const { settings, broker } = context;
  const topic = `produce-acks${acks}`;
  const nullBroker = await context.startNullBroker();
  const produceTo = (server: BrokerProcess) => () =>
    kcatProduce({
      bootstrap: server.bootstrap,
      topic,
      inputPath: context.inputPath,
      settings: { ...settings.produceSettings, acks },
    });
  const produced = (endBefore: number, endAfter: number) => {
    const recordCount = endAfter - endBefore;
    if (recordCount !== settings.recordCount) {
      throw new Error(`${topic}: ${recordCount} records arrived of ${settings.recordCount}`);
    }
    return recordCount;
  };
  for (let warmup = 0; warmup < settings.warmups; warmup++) {
    await produceTo(broker)();
    await produceTo(nullBroker)();
  }
  const batchShape = await readBatchShape(join(context.brokerDataDir, `${topic}-0`));
  const perBatch = recordsPerBatch(batchShape);
  const appendLoad = {
    batch: batchOfShape(perBatch, settings.recordBytes),
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
    name: acks === '1' ? 'produce-acks1' : 'produce-acksall',
    batchShape,
    runOnce: async () => ({
      broker: await timedKcatRun(broker, topic, produceTo(broker), produced),
      ceiling: await timedKcatRun(nullBroker, topic, produceTo(nullBroker), produced),
      logEngine: await appendToFreshLog(),
    }),
    finish: async () => {
      await nullBroker.stop();
    },
  };
}

async function prepareConsume(context: WorkloadContext): Promise<Workload> {
  const { settings, broker } = context;
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
  const batchCount = Math.ceil(batchShape.recordCount / perBatch);
  const { recordBytes } = settings;
  const held = { topic, recordsPerBatch: perBatch, batchCount, recordBytes };
  const nullBroker = await context.startNullBroker(held);
  const dir = join(context.workDir, 'log-consume');
  const log: PartitionLog = await openLog(dir);
  const batch = batchOfShape(perBatch, recordBytes);
  const appendWindow = settings.appendWindow;
  await measureLogAppend(log, { batch, batchCount, appendWindow, fsync: false });
  /** kcat reports where it stopped; it must be the end of the topic that server holds. */
  const consumeFrom = (server: BrokerProcess, endOffset: number) => async () => {
    const load = { bootstrap: server.bootstrap, topic, settings: settings.consumeSettings };
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
      await nullBroker.stop();
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
