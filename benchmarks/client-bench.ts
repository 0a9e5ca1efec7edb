/**
 * The Cairn client against kafkajs and @platformatic/kafka, in one run against one Cairn broker:
 * `pnpm bench:client` (`--quick` for a smoke run under 30 s; `--clients`, `--workloads`,
 * `--repetitions` to narrow it). The broker runs in a process of its own
 * (client-bench-broker.ts); each client runs each workload in a child process of its own
 * (client-bench-worker.ts), one after another, never two at once. Workloads
 * (client-bench-workloads.ts): produce 100 B and 1 KiB records with acks=1, 100 B with acks=all;
 * consume 100 B and 1 KiB records from the beginning of a pre-filled topic; end-to-end latency
 * p50/p99/p99.9 at a fixed rate, corrected for coordinated omission (client-bench-latency.ts).
 * Prints Markdown tables (rows, then Cairn's ratios) and writes
 * benchmarks/results/client-<timestamp>.json.
 *
 * Back of the envelope (2-core VM, Node 20). The broker takes ~3 ms of CPU per MB appended
 * (broker-bench), ~300 MB/s on one core, so the clients, not the broker, should bound these
 * runs. A JS client spends per record: building it into a batch (varints, a copy of the value:
 * ~0.3-1 us), and per 1 MiB batch a CRC-32C (~1 ms in JS, less with a native one) and a socket
 * write. So 100-byte records should produce at ~0.5-1.5 M records/s for a lean client, and 1 KiB
 * records at ~150-300 MB/s, where the CRC and copies dominate. Consuming costs about the same
 * per record (CRC check, varint decode, one object per record). kafkajs allocates several objects
 * per record and encodes through generic buffers: expect 3-5x slower than a lean client.
 * Latency at 5k records/s is a few ms per hop at worst (a 1 ms tick, a produce round trip, the
 * consumer's fetch long-poll returning on the append): expect p50 ~1-3 ms, p99 under 10 ms on a
 * quiet machine, with the event loop's pauses (GC) the tail.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, type as osType, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { type ClientName, clientNames } from './client-bench-clients.js';
import { kafkajsClient } from './client-bench-kafkajs.js';
import type { LatencySettings } from './client-bench-latency.js';
import {
  formatRate,
  type JobOutcome,
  latencyTable,
  ratios,
  ratioTable,
  summarise,
  throughputTable,
  warnings,
} from './client-bench-report.js';
import {
  type Job,
  type JobResult,
  runJob,
  type WorkloadName,
  workloadNames,
  workloadSpecs,
} from './client-bench-workloads.js';

export interface RunSettings {
  quick: boolean;
  clients: ClientName[];
  workloads: WorkloadName[];
  /** Records per produce pass and per pre-filled consume topic, by record size. */
  produceRecords: { small: number; large: number };
  consumeRecords: { small: number; large: number };
  warmups: number;
  repetitions: number;
  latency: LatencySettings;
  latencyRepetitions: number;
}

const smallRecordBytes = 100;
/** A job that has not finished by then has hung. */
const jobTimeoutMs = 10 * 60_000;

const fullRun = {
  produceRecords: { small: 500_000, large: 100_000 },
  consumeRecords: { small: 1_000_000, large: 200_000 },
  warmups: 1,
  repetitions: 5,
  latency: { ratePerSecond: 5_000, warmupSeconds: 2, measureSeconds: 10 },
  latencyRepetitions: 3,
};

const quickRun = {
  produceRecords: { small: 20_000, large: 4_000 },
  consumeRecords: { small: 20_000, large: 4_000 },
  warmups: 0,
  repetitions: 1,
  latency: { ratePerSecond: 5_000, warmupSeconds: 0.25, measureSeconds: 1 },
  latencyRepetitions: 1,
};

export function parseRunSettings(argv: string[]): RunSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      clients: { type: 'string' },
      workloads: { type: 'string' },
      repetitions: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const base = quick ? quickRun : fullRun;
  const clients = listOf(values.clients, clientNames, '--clients');
  const workloads = listOf(values.workloads, workloadNames, '--workloads');
  const repetitions = values.repetitions === undefined ? undefined : Number(values.repetitions);
  if (repetitions !== undefined && !(Number.isSafeInteger(repetitions) && repetitions > 0)) {
    throw new Error('--repetitions wants a count');
  }
  return {
    quick,
    clients,
    workloads,
    ...base,
    repetitions: repetitions ?? base.repetitions,
    latencyRepetitions: repetitions ?? base.latencyRepetitions,
  };
}

function listOf<T extends string>(value: string | undefined, all: readonly T[], flag: string): T[] {
  if (value === undefined) return [...all];
  const picked = value.split(',') as T[];
  for (const name of picked) {
    if (!all.includes(name)) throw new Error(`${flag}: unknown ${name} (known: ${all.join(',')})`);
  }
  return picked;
}

function recordCountOf(settings: RunSettings, workload: WorkloadName): number {
  const spec = workloadSpecs[workload];
  const counts = spec.kind === 'consume' ? settings.consumeRecords : settings.produceRecords;
  return spec.recordBytes === smallRecordBytes ? counts.small : counts.large;
}

function jobFor(settings: RunSettings, broker: BrokerProcess, workload: WorkloadName) {
  const spec = workloadSpecs[workload];
  return (client: ClientName, topic: string): Job => ({
    client,
    workload,
    bootstrap: broker.bootstrap,
    brokerPid: broker.pid,
    topic,
    recordCount: recordCountOf(settings, workload),
    warmups: spec.kind === 'latency' ? 0 : settings.warmups,
    repetitions: spec.kind === 'latency' ? settings.latencyRepetitions : settings.repetitions,
    latency: settings.latency,
  });
}

/** Runs a job in a worker child; its stderr is passed on. */
function runWorker(job: Job): Promise<JobResult> {
  const script = join(import.meta.dirname, 'client-bench-worker.js');
  const child = spawn(process.execPath, [script, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    process.stderr.write(`  ${job.client}: ${text}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), jobTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout) as JobResult);
      else reject(new Error(`exited with ${code ?? signal}: ${stderr.trim().split('\n')[0]}`));
    });
  });
}

async function endOffset(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

/** Runs one workload for each client in turn; checks produce runs delivered every record. */
async function runWorkload(
  settings: RunSettings,
  broker: BrokerProcess,
  admin: Admin,
  workload: WorkloadName,
): Promise<JobOutcome[]> {
  const spec = workloadSpecs[workload];
  const makeJob = jobFor(settings, broker, workload);
  const topicOf = (client: ClientName) => `${workload}-${client}`;
  let consumeTopic = '';
  if (spec.kind === 'consume') {
    consumeTopic = workload;
    await admin.createTopics({ topics: [{ topic: consumeTopic, numPartitions: 1 }] });
    // Filled once by kafkajs in this process, so every client reads the same batches.
    const fillWorkload: WorkloadName =
      spec.recordBytes === smallRecordBytes ? 'produce-100b-acks1' : 'produce-1kib-acks1';
    const fill = { ...makeJob('kafkajs', consumeTopic), workload: fillWorkload };
    await runJob({ ...fill, warmups: 0, repetitions: 1 }, kafkajsClient);
  } else {
    const topics = settings.clients.map((client) => ({ topic: topicOf(client), numPartitions: 1 }));
    await admin.createTopics({ topics });
  }
  const outcomes: JobOutcome[] = [];
  for (const client of settings.clients) {
    const job = makeJob(client, spec.kind === 'consume' ? consumeTopic : topicOf(client));
    try {
      const result = await runWorker(job);
      if (spec.kind === 'produce') {
        const expected = job.recordCount * (job.warmups + job.repetitions);
        const produced = await endOffset(admin, job.topic);
        if (produced !== expected) throw new Error(`${produced} records of ${expected} arrived`);
      }
      outcomes.push(result);
      console.error(`  ${workload} ${client}: ${describe(result)}`);
    } catch (error) {
      outcomes.push({ client, workload, error: (error as Error).message });
      console.error(`  ${workload} ${client}: failed: ${(error as Error).message}`);
    }
  }
  return outcomes;
}

function describe(result: JobResult): string {
  return result.samples
    .map((sample) =>
      'p99Ms' in sample
        ? `p50 ${sample.p50Ms.toFixed(2)} ms p99 ${sample.p99Ms.toFixed(2)} ms`
        : `${formatRate(sample.recordCount / sample.seconds)} records/s`,
    )
    .join(', ');
}

export async function runAll(settings: RunSettings, workDir: string): Promise<JobOutcome[]> {
  const broker = await startBrokerProcess({
    scriptPath: join(import.meta.dirname, 'client-bench-broker.js'),
    args: ['--data-dir', join(workDir, 'broker')],
    nodeArgs: [],
  });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const outcomes: JobOutcome[] = [];
  try {
    for (const workload of settings.workloads) {
      console.error(`${workload}:`);
      outcomes.push(...(await runWorkload(settings, broker, admin, workload)));
    }
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  return outcomes;
}

function machineInfo() {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

async function main(): Promise<void> {
  const settings = parseRunSettings(process.argv.slice(2));
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-client-bench-'));
  console.error(
    `client-bench: ${settings.clients.join(', ')}; ${settings.repetitions} repetitions ` +
      `(median) after ${settings.warmups} warm-up; latency at ` +
      `${settings.latency.ratePerSecond} records/s for ${settings.latency.measureSeconds} s x ` +
      `${settings.latencyRepetitions}; in ${workDir}`,
  );
  let outcomes: JobOutcome[];
  try {
    outcomes = await runAll(settings, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const rows = outcomes.map(summarise);
  const ratioRows = ratios(rows);
  const hasLatency = rows.some((row) => row.kind === 'latency');
  const tables = [
    hasLatency && rows.every((row) => row.kind === 'latency') ? '' : throughputTable(rows),
    hasLatency ? latencyTable(rows) : '',
    ratioTable(ratioRows),
  ];
  console.log(tables.filter((table) => table !== '').join('\n\n'));
  for (const warning of warnings(rows)) console.error(`warning: ${warning}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(import.meta.dirname, '..', 'results');
  await mkdir(resultsDir, { recursive: true });
  const path = join(resultsDir, `client-${stamp}.json`);
  const report = {
    benchmark: 'client-bench',
    machine: machineInfo(),
    settings,
    rows,
    ratios: ratioRows,
    outcomes,
  };
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${path}`);
}

if (process.argv[1] === import.meta.filename) await main();
