/**
 * The broker under a real client's load, against the log engine's own rates, in one run:
 * `pnpm bench:broker` (`pnpm bench:broker --quick` for a short run). kcat (librdkafka)
 * produces 100-byte records with acks=1 and with acks=all, and consumes a larger topic from
 * its beginning; then the raw client (raw-client.ts: pre-built ~1 MB batches, pipelined
 * requests, no work per record) does the same three, so the broker is measured where kcat's
 * own CPU is the limit. Each repetition runs the same load against the broker and against a
 * null broker that does no storage work (the client's own ceiling), and has the log engine
 * append or read batches of the shape the broker received, in this process. The broker (from
 * its CLI), the null broker and the clients are child processes, as in production.
 * Prints a Markdown table and writes benchmarks/results/<timestamp>/broker-bench.json.
 * `--cpu-prof-dir DIR` runs the broker under `node --cpu-prof` (summarise the profile with
 * cpu-profile-summary.js); `--workloads produce-acks1,consume` picks workloads.
 *
 * Back of the envelope (2-core VM, Node 20, page cache). librdkafka packs ~9,000 records of
 * 100 bytes (~109 bytes each in a batch) into ~1 MB requests (batch.size). Per MB the broker
 * copies the frame out of its socket chunks (~0.1 ms), checks the CRC-32C in JS (~1 ms at
 * ~1 GB/s) and writes to the page cache (~1.5 ms of kernel time in libuv's pool): ~3 ms of CPU
 * per MB, so one core takes ~300 MB/s, ~3 M records/s. The log engine alone does the same CRC
 * and write without the socket, so it appends at ~300-400 MB/s; with acks=all each append
 * waits for its fsync, and 16 appends in flight share one (group commit), so about as fast
 * unless fsync is slow. kcat spends ~0.5 us per record reading lines and queueing them, on a
 * core it shares with the broker's pool threads: it, not the broker, should bound produce at
 * ~1-1.5 M records/s, 30-50% of the log engine, short of the 60% target; against the null
 * broker it should be no more than ~20% faster. Consuming, the broker reads 1 MB per fetch
 * (max.partition.fetch.bytes) into a pooled buffer and writes it to the socket as it is (writev,
 * no copy, no CRC); kcat formats and
 * writes every value (~0.3 us each), so ~2-3 M records/s, against a log engine that reads the
 * page cache at >= 1 GB/s (~10 M records/s). The broker's own number is therefore also given
 * per CPU second (records per broker CPU-second over records per log-engine CPU-second):
 * expect >= 70% for produce, the socket and request handling being the difference.
 * The raw client costs ~0.1 us of CPU per record: against it the broker should produce at
 * >= 60% of the log engine (the socket copy and request handling on top of the same CRC and
 * page-cache write), and consume at what one Node thread can move through pread and a socket
 * writev (~0.5 ms of CPU per MB: ~2 GB/s, ~18 M records/s), against a log engine that only
 * preads (into one reused buffer: ~5 GB/s). One TCP connection between two Node processes
 * carries ~3 GB/s here, so no broker can consume at more than ~55% of that read rate; the run
 * ends by measuring that ceiling.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatRate,
  printTable,
  type Row,
  summarise,
  type WorkloadResult,
  warnAboutNoise,
} from './broker-bench-report.js';
import { brokerCliArgs, startBrokerProcess } from './broker-process.js';
import {
  type HeldTopic,
  prepareWorkload,
  type WorkloadContext,
  type WorkloadName,
  type WorkloadSettings,
  workloadNames,
} from './broker-workloads.js';
import { loopbackTcp } from './harness/machine-limits.js';
import { kcatVersion } from './kcat.js';
import { machineInfo } from './machine-info.js';
import { writeRecordFile } from './record-file.js';

const recordBytes = 100;
/** How long the loopback TCP ceiling is measured. */
const loopbackSeconds = 3;
/** librdkafka's max.partition.fetch.bytes default; the log engine reads as much at a time. */
const readBytesMax = 1024 * 1024;
const workloadDefaults = {
  recordBytes,
  consumeCopies: 2,
  warmups: 1,
  /** Appends in flight in the log engine runs (librdkafka pipelines produce requests). */
  appendWindow: 16,
  readBytesMax,
  produceSettings: {
    'linger.ms': '5',
    'batch.num.messages': '10000',
    'queue.buffering.max.messages': '1000000',
  },
  consumeSettings: {
    'fetch.wait.max.ms': '10',
    'max.partition.fetch.bytes': String(readBytesMax),
  },
  /** ~1 MB batches, as librdkafka makes of 100-byte records with these settings. */
  rawRecordsPerBatch: 9_000,
  rawFetchWindow: 4,
};

interface RunSettings {
  workload: WorkloadSettings;
  repetitions: number;
  workloads: WorkloadName[];
  brokerNodeArgs: string[];
}

function parseRunSettings(argv: string[]): RunSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      records: { type: 'string' },
      repetitions: { type: 'string' },
      workloads: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const workloads = (values.workloads?.split(',') ?? [...workloadNames]) as WorkloadName[];
  for (const name of workloads) {
    if (!workloadNames.includes(name)) throw new Error(`unknown workload ${name}`);
  }
  const profileDir = values['cpu-prof-dir'];
  const recordCount = positive(values.records, quick ? 200_000 : 2_000_000, '--records');
  return {
    workload: { ...workloadDefaults, recordCount },
    repetitions: positive(values.repetitions, quick ? 3 : 5, '--repetitions'),
    workloads,
    brokerNodeArgs: profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  };
}

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${flag} wants a count`);
  return parsed;
}

async function runWorkload(
  context: WorkloadContext,
  name: WorkloadName,
  repetitions: number,
): Promise<WorkloadResult> {
  const workload = await prepareWorkload(context, name);
  const result: WorkloadResult = {
    workload: name,
    batchShape: workload.batchShape,
    repetitions: [],
  };
  try {
    for (let index = 0; index < repetitions; index++) {
      const repetition = await workload.runOnce();
      result.repetitions.push(repetition);
      const rate = (sample: { recordCount: number; seconds: number }) =>
        formatRate(sample.recordCount / sample.seconds);
      console.error(
        `  ${name} ${index + 1}/${repetitions}: records/s broker ${rate(repetition.broker)}, ` +
          `null broker ${rate(repetition.ceiling)}, log engine ${rate(repetition.logEngine)}`,
      );
    }
  } finally {
    await workload.finish();
  }
  return result;
}

/** The machine, and the kcat version every workload's client runs. */
function benchMachine() {
  let kcat: string;
  try {
    kcat = kcatVersion();
  } catch (error) {
    throw new Error(`kcat is missing: run bash scripts/install-interop-tools.sh (${error})`);
  }
  return { ...machineInfo(), kcat };
}

/** Starts the broker, runs every workload (each starts its null broker), stops the broker. */
async function runAll(settings: RunSettings, workDir: string) {
  const inputPath = join(workDir, 'records.txt');
  await writeRecordFile(inputPath, settings.workload.recordCount, recordBytes);
  const root = join(import.meta.dirname, '..', '..');
  const brokerDataDir = join(workDir, 'broker');
  const broker = await startBrokerProcess({
    scriptPath: join(root, 'packages', 'broker', 'dist', 'cli.js'),
    args: brokerCliArgs(brokerDataDir),
    nodeArgs: settings.brokerNodeArgs,
  });
  const startNullBroker = (held?: HeldTopic) =>
    startBrokerProcess({
      scriptPath: join(import.meta.dirname, 'null-broker-cli.js'),
      args: held === undefined ? [] : heldTopicArgs(held),
      nodeArgs: [],
    });
  const results: WorkloadResult[] = [];
  let brokerExitCode: number | null = null;
  try {
    const context = { settings: settings.workload, broker, brokerDataDir, startNullBroker };
    for (const name of settings.workloads) {
      results.push(
        await runWorkload({ ...context, inputPath, workDir }, name, settings.repetitions),
      );
    }
  } finally {
    brokerExitCode = await broker.stop();
  }
  return { results, brokerExitCode };
}

function heldTopicArgs(held: HeldTopic): string[] {
  return [
    '--hold-topic',
    held.topic,
    '--records-per-batch',
    String(held.recordsPerBatch),
    '--batch-count',
    String(held.batchCount),
    '--record-bytes',
    String(held.recordBytes),
  ];
}

/**
 * No broker can serve a consumer faster than one TCP connection carries bytes: loopback TCP
 * from this process to another Node process, measured after the workloads, as records/s of
 * each consume workload's batch shape and as a share of the log engine's read rate.
 */
async function networkCeiling(results: WorkloadResult[], rows: Row[]) {
  const bytesPerSecond = await loopbackTcp(loopbackSeconds);
  const consume = rows.flatMap((row, index) => {
    const shape = results[index]!.batchShape;
    if (!row.workload.startsWith('consume') || shape.recordCount === 0) return [];
    const recordsPerSecond = bytesPerSecond / (shape.sizeBytes / shape.recordCount);
    const ofLogEngine = recordsPerSecond / row.logRecordsPerSecond.median;
    return [{ workload: row.workload, recordsPerSecond, ofLogEngine }];
  });
  console.log(
    `\nloopback TCP, one connection between Node processes: ${Math.round(bytesPerSecond / 1e6)} MB/s` +
      consume
        .map(
          (row) =>
            `; ${row.workload}: ${formatRate(row.recordsPerSecond)} records/s, ` +
            `${Math.round(row.ofLogEngine * 100)}% of the log engine's read rate`,
        )
        .join(''),
  );
  return { loopbackTcpBytesPerSecond: bytesPerSecond, consume };
}

async function main(): Promise<void> {
  const settings = parseRunSettings(process.argv.slice(2));
  const machine = benchMachine();
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-broker-bench-'));
  const { recordCount, consumeCopies } = settings.workload;
  console.error(
    `broker-bench: ${recordCount} records of ${recordBytes} bytes per produce run, ` +
      `${consumeCopies}x that consumed, ${settings.repetitions} repetitions (median) after ` +
      `${settings.workload.warmups} warm-up, in ${workDir}; kcat ${machine.kcat}`,
  );
  let run: Awaited<ReturnType<typeof runAll>>;
  try {
    run = await runAll(settings, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const rows = run.results.map((result) => summarise(result, recordBytes));
  printTable(rows);
  warnAboutNoise(rows);
  const network = await networkCeiling(run.results, rows);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(import.meta.dirname, '..', 'results', stamp);
  await mkdir(resultsDir, { recursive: true });
  const report = {
    benchmark: 'broker-bench',
    machine,
    settings: { ...settings, megabyte: '1e6 bytes of record values' },
    brokerExitCode: run.brokerExitCode,
    rows,
    network,
    results: run.results,
  };
  await writeFile(join(resultsDir, 'broker-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${join(resultsDir, 'broker-bench.json')}`);
}

await main();
