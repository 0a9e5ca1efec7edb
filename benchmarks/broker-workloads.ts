/**
 * The workloads of broker-bench. Each repetition is one client run against the broker, the
 * same client run against the null broker (the client's ceiling: null-broker.ts), and the log
 * engine doing the broker's storage part of the same work in this process. A workload is
 * prepared untimed (topic created, warm-up runs, the batch shape the broker received read back
 * from its files), then `runOnce` does one timed repetition of the three back to back, so slow
 * drift on a shared machine touches all three alike.
 *
 * Two clients, each in a process of its own: kcat (librdkafka: a real client, whose own CPU
 * per record bounds it on a small machine), and the raw client (raw-client.ts: pre-built
 * batches, pipelined requests, no work per record), which measures the broker rather than
 * itself. The raw workloads write and read batches of one fixed shape (`rawRecordsPerBatch`,
 * about librdkafka's ~1 MB batches), and the log engine is given that shape too.
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
import { type RawBatchShape, rawFetchRun, rawProduceRun } from './raw-load.js';

export const workloadNames = [
  'produce-acks1',
  'produce-acksall',
  'consume',
  'produce-acks1-raw',
  'produce-acksall-raw',
  'consume-raw',
] as const;
export type WorkloadName = (typeof workloadNames)[number];
export type ClientName = 'kcat' | 'raw';

export function clientOf(name: WorkloadName): ClientName {
  return name.endsWith('-raw') ? 'raw' : 'kcat';
}

export interface WorkloadSettings {
  recordBytes: number;
  /** Records per produce run; the consumed topic holds `consumeCopies` times as many. */
  recordCount: number;
  consumeCopies: number;
  warmups: number;
  /** Appends in flight: the log engine's, and the raw client's produce requests. */
  appendWindow: number;
  /** Bytes per read: the log engine's, and the raw client's fetches (whole batches). */
  readBytesMax: number;
  produceSettings: KcatSettings;
  consumeSettings: KcatSettings;
  /** Records in each batch the raw client sends. */
  rawRecordsPerBatch: number;
  /** Fetches the raw client keeps in flight. */
  rawFetchWindow: number;
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
  /** kcat's produce input: `recordCount` lines (record-file.ts). */
  inputPath: string;
  /** Scratch space for the log engine's logs. */
  workDir: string;
}

export interface ClientSample {
  /** The client's time for the work (kcat: spawn to exit; raw client: first to last request). */
  seconds: number;
  recordCount: number;
  /** The listener's CPU seconds during the run (broker or null broker). */
  serverCpuSeconds: number;
  /** The client's CPU seconds over `seconds`. */
  clientCpuSeconds: number;
  /** CPU seconds the rest of the machine used: other processes, the kernel's threads. */
  otherCpuSeconds: number;
  /** Spawn to exit of the client, the span `otherCpuSeconds` was measured over. */
  processSeconds: number;
}

export interface Repetition {
  broker: ClientSample;
  /** The same client run against the null broker. */
  ceiling: ClientSample;
  logEngine: LogEngineSample;
}

export interface Workload {
  readonly name: WorkloadName;
  readonly batchShape: BatchShape;
  runOnce(): Promise<Repetition>;
  finish(): Promise<void>;
}

export function prepareWorkload(context: WorkloadContext, name: WorkloadName): Promise<Workload> {
  const client = clientOf(name);
  if (name === 'consume' || name === 'consume-raw') return prepareConsume(context, name, client);
  const acks = name.startsWith('produce-acks1') ? '1' : 'all';
  return prepareProduce(context, name, acks, client);
}

interface ClientRun {
  /** The client's time and CPU for the work; for kcat, its whole process's. */
  seconds: number;
  cpuSeconds: number;
  /** Spawn to exit, and the whole process's CPU. */
  processSeconds: number;
  processCpuSeconds: number;
  /** Consumers: the offset reached, from the partition's start. */
  endOffset?: number;
}

function kcatRun(run: { seconds: number; cpuSeconds: number; endOffset?: number }): ClientRun {
  return { ...run, processSeconds: run.seconds, processCpuSeconds: run.cpuSeconds };
}

type ClientRunner = () => Promise<ClientRun>;

/** Times one client run with the CPU of everyone involved; returns the records it moved. */
async function timedRun(
  server: BrokerProcess,
  topic: string,
  run: ClientRunner,
  countRecords: (endBefore: number, endAfter: number) => number,
): Promise<ClientSample> {
  const endBefore = Math.max(await kcatEndOffset(server.bootstrap, topic), 0);
  const serverBefore = server.cpuSeconds();
  const machineBefore = machineBusyCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const client = await run();
  const serverCpuSeconds = server.cpuSeconds() - serverBefore;
  const machineCpuSeconds = machineBusyCpuSeconds() - machineBefore;
  const ownCpu = ownCpuSeconds() - ownBefore;
  const endAfter = await kcatEndOffset(server.bootstrap, topic);
  return {
    seconds: client.seconds,
    recordCount: countRecords(endBefore, endAfter),
    serverCpuSeconds,
    clientCpuSeconds: client.cpuSeconds,
    otherCpuSeconds: machineCpuSeconds - serverCpuSeconds - client.processCpuSeconds - ownCpu,
    processSeconds: client.processSeconds,
  };
}

function rawShape(settings: WorkloadSettings): RawBatchShape {
  return { recordsPerBatch: settings.rawRecordsPerBatch, recordBytes: settings.recordBytes };
}

/** A produce run of the workload's client to `topic`, and the records one run appends. */
function produceLoad(
  context: WorkloadContext,
  client: ClientName,
  topic: string,
  acks: '1' | 'all',
): { runOn: (server: BrokerProcess) => ClientRunner; recordCount: number } {
  const { settings } = context;
  if (client === 'kcat') {
    const produce = { topic, inputPath: context.inputPath };
    const kcatSettings = { ...settings.produceSettings, acks };
    return {
      runOn: (server) => async () =>
        kcatRun(
          await kcatProduce({ ...produce, bootstrap: server.bootstrap, settings: kcatSettings }),
        ),
      recordCount: settings.recordCount,
    };
  }
  const shape = rawShape(settings);
  const batchCount = Math.ceil(settings.recordCount / shape.recordsPerBatch);
  const load = { topic, shape, batchCount, window: settings.appendWindow };
  return {
    runOn: (server) => () =>
      rawProduceRun({ ...load, bootstrap: server.bootstrap, acks: acks === '1' ? 1 : -1 }),
    recordCount: batchCount * shape.recordsPerBatch,
  };
}

async function prepareProduce(
  context: WorkloadContext,
  name: WorkloadName,
  acks: '1' | 'all',
  client: ClientName,
): Promise<Workload> {
  const { settings, broker } = context;
  const topic = name;
  const nullBroker = await context.startNullBroker();
  const load = produceLoad(context, client, topic, acks);
  const produced = (endBefore: number, endAfter: number) => {
    const recordCount = endAfter - endBefore;
    if (recordCount !== load.recordCount) {
      throw new Error(`${topic}: ${recordCount} records arrived of ${load.recordCount}`);
    }
    return recordCount;
  };
  for (let warmup = 0; warmup < settings.warmups; warmup++) {
    await load.runOn(broker)();
    await load.runOn(nullBroker)();
  }
  const batchShape = await readBatchShape(join(context.brokerDataDir, `${topic}-0`));
  const perBatch = recordsPerBatch(batchShape);
  const appendLoad = {
    batch: batchOfShape(perBatch, settings.recordBytes),
    batchCount: Math.ceil(load.recordCount / perBatch),
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
      broker: await timedRun(broker, topic, load.runOn(broker), produced),
      ceiling: await timedRun(nullBroker, topic, load.runOn(nullBroker), produced),
      logEngine: await appendToFreshLog(),
    }),
    finish: async () => {
      await nullBroker.stop();
    },
  };
}

/** Fills the consumed topic on the broker: `consumeCopies` produce runs of the client. */
async function fillConsumedTopic(context: WorkloadContext, client: ClientName, topic: string) {
  const load = produceLoad(context, client, topic, '1');
  for (let copy = 0; copy < context.settings.consumeCopies; copy++) {
    await load.runOn(context.broker)();
  }
}

/** A consume run of the client from offset 0 of `topic`; it must reach `endOffset`. */
function consumeRunner(
  context: WorkloadContext,
  client: ClientName,
  topic: string,
  server: BrokerProcess,
  endOffset: number,
): ClientRunner {
  const { settings } = context;
  return async () => {
    let run: ClientRun;
    if (client === 'kcat') {
      const load = { bootstrap: server.bootstrap, topic, settings: settings.consumeSettings };
      run = kcatRun(await kcatConsume(load));
    } else {
      const shape = rawShape(settings);
      const batchBytes = batchOfShape(shape.recordsPerBatch, shape.recordBytes).length;
      const fetched = await rawFetchRun({
        bootstrap: server.bootstrap,
        topic,
        shape,
        endOffset,
        batchesPerFetch: Math.max(1, Math.floor(settings.readBytesMax / batchBytes)),
        window: settings.rawFetchWindow,
      });
      run = { ...fetched, endOffset: fetched.recordCount };
    }
    if (run.endOffset !== endOffset) {
      throw new Error(`${topic}: consumed to ${run.endOffset} of ${endOffset}`);
    }
    return run;
  };
}

async function prepareConsume(
  context: WorkloadContext,
  name: WorkloadName,
  client: ClientName,
): Promise<Workload> {
  const { settings, broker } = context;
  const topic = name;
  await fillConsumedTopic(context, client, topic);
  const batchShape = await readBatchShape(join(context.brokerDataDir, `${topic}-0`));
  const perBatch = recordsPerBatch(batchShape);
  const batchCount = Math.ceil(batchShape.recordCount / perBatch);
  const { recordBytes } = settings;
  const held = { topic, recordsPerBatch: perBatch, batchCount, recordBytes };
  const nullBroker = await context.startNullBroker(held);
  const dir = join(context.workDir, `log-${topic}`);
  const log: PartitionLog = await openLog(dir);
  const batch = batchOfShape(perBatch, recordBytes);
  const appendWindow = settings.appendWindow;
  await measureLogAppend(log, { batch, batchCount, appendWindow, fsync: false });
  const fromBroker = consumeRunner(context, client, topic, broker, batchShape.recordCount);
  const fromNullBroker = consumeRunner(context, client, topic, nullBroker, perBatch * batchCount);
  const consumed = (_endBefore: number, endAfter: number) => endAfter;
  for (let warmup = 0; warmup < settings.warmups; warmup++) {
    await fromBroker();
    await fromNullBroker();
    await measureLogRead(log, settings.readBytesMax);
  }
  return {
    name,
    batchShape,
    runOnce: async () => ({
      broker: await timedRun(broker, topic, fromBroker, consumed),
      ceiling: await timedRun(nullBroker, topic, fromNullBroker, consumed),
      logEngine: await measureLogRead(log, settings.readBytesMax),
    }),
    finish: async () => {
      await nullBroker.stop();
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
