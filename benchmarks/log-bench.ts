/**
 * Log engine throughput against a raw-file baseline, in one run: `pnpm bench:log`.
 *
 * Back of the envelope (2-core VM, page cache, Node 20): every awaited node:fs call is a libuv
 * threadpool round trip of ~10-40 us, and memcpy into the page cache runs at ~2-4 GB/s. Both
 * sides use the same calls (fs.write/fs.read/fs.fsync on a descriptor). So raw sequential
 * writes of a 170-byte batch (1 record) are syscall-bound at ~10-20 MB/s, 1.8 KiB batches
 * (16 records) at ~100-200 MB/s, and 55 KiB batches (512 records) at ~1-2 GB/s. The log adds,
 * per batch, a CRC-32C check (the protocol package's crc-32, JavaScript, ~1.5 GB/s: ~37 us for
 * 55 KiB), a few header reads and writes and ~5 us of promises and bookkeeping; nothing per
 * record. Expect ~70-90% of raw for small batches and, for batches >= 16 KiB,
 * raw / (raw + CRC): ~40-60% with the JavaScript CRC (~80% with a native one). Sequential
 * 1 MiB reads from the page cache run at ~1-3 GB/s raw; the log adds an index lookup and a
 * few header reads per read, so >= 80% of raw (both sides walk the batch headers they read,
 * as a consumer must to find its next offset). With fsync both sides pay one fsync per group
 * of `appenderCount` batches (raw: an fsync after every `appenderCount` writes; log: group
 * commit with `appenderCount` concurrent appenders), so the ratio should be near 100%.
 *
 * The machine is shared, so log and raw run in alternating chunks of the same work (paired
 * in time), and each figure is the median of the repetitions after a warm-up. Prints a table
 * and writes benchmarks/results/<timestamp>/log-bench.json.
 */
import fs from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig, type LogConfig, PartitionLog, silentLogLogger } from '@cairn/log';
import {
  encodeRecordBatch,
  readBatchSizeBytes,
  readLastOffset,
  validateBatch,
} from '@cairn/protocol';

const recordBytes = 100;
const repetitions = 7;
const chunkCount = 20;
const appenderCount = 8;
const readBytesMax = 1024 * 1024;
/** Batches per scenario, by records per batch: about 2-64 MB each. */
const scenarios = [
  { recordsPerBatch: 1, batchCount: 20_000, fsyncBatchCount: 4_000 },
  { recordsPerBatch: 16, batchCount: 10_000, fsyncBatchCount: 4_000 },
  { recordsPerBatch: 512, batchCount: 1_200, fsyncBatchCount: 1_200 },
];
const config: LogConfig = { ...defaultLogConfig };

type Scenario = (typeof scenarios)[number];

/** Time and work of one side of a paired measurement. */
class Tally {
  seconds = 0;
  bytes = 0;
  records = 0;

  async time(work: () => Promise<{ bytes: number; records: number }>): Promise<void> {
    const start = process.hrtime.bigint();
    const done = await work();
    this.seconds += Number(process.hrtime.bigint() - start) / 1e9;
    this.bytes += done.bytes;
    this.records += done.records;
  }

  get megabytesPerSecond(): number {
    return this.bytes / 1e6 / this.seconds;
  }

  get recordsPerSecond(): number {
    return this.records / this.seconds;
  }
}

interface Pair {
  log: Tally;
  raw: Tally;
}

/** Runs `chunkCount` chunks of each side, alternating which goes first. */
async function paired(
  logChunk: (chunk: number) => Promise<{ bytes: number; records: number }>,
  rawChunk: (chunk: number) => Promise<{ bytes: number; records: number }>,
): Promise<Pair> {
  const pair = { log: new Tally(), raw: new Tally() };
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    if (chunk % 2 === 0) {
      await pair.log.time(() => logChunk(chunk));
      await pair.raw.time(() => rawChunk(chunk));
    } else {
      await pair.raw.time(() => rawChunk(chunk));
      await pair.log.time(() => logChunk(chunk));
    }
  }
  return pair;
}

/** The raw baseline's I/O: fd calls of node:fs, the same primitives the log's files use. */
const rawIo = {
  write: (fd: number, buffer: Buffer, position: number) =>
    new Promise<number>((resolve, reject) =>
      fs.write(fd, buffer, 0, buffer.length, position, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    ),
  read: (fd: number, buffer: Buffer, position: number) =>
    new Promise<number>((resolve, reject) =>
      fs.read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
        error ? reject(error) : resolve(bytesRead),
      ),
    ),
  fsync: (fd: number) =>
    new Promise<void>((resolve, reject) =>
      fs.fsync(fd, (error) => (error ? reject(error) : resolve())),
    ),
};

function makeBatch(recordsPerBatch: number): Buffer {
  const records = Array.from({ length: recordsPerBatch }, (_, index) => ({
    value: Buffer.alloc(recordBytes, index % 251),
    timestamp: 1_700_000_000_000,
  }));
  return encodeRecordBatch({ records });
}

/** One appender awaiting each append, against sequential writes of the same batches. */
async function measureAppend(dir: string, scenario: Scenario, batch: Buffer) {
  const log = await PartitionLog.open(join(dir, 'log'), config, { logger: silentLogLogger });
  const fd = fs.openSync(join(dir, 'raw.dat'), 'w');
  const perChunk = Math.floor(scenario.batchCount / chunkCount);
  const work = { bytes: batch.length * perChunk, records: scenario.recordsPerBatch * perChunk };
  let position = 0;
  const pair = await paired(
    async () => {
      for (let index = 0; index < perChunk; index++) await log.append(batch);
      return work;
    },
    async () => {
      for (let index = 0; index < perChunk; index++) {
        position += await rawIo.write(fd, batch, position);
      }
      return work;
    },
  );
  fs.closeSync(fd);
  return { log, pair };
}

/**
 * Finds batch boundaries in bytes read from a .log file in arbitrary pieces, as a consumer must
 * to know where its next read starts: the raw side's share of the work the log side does.
 */
class BatchBoundaries {
  /** Absolute position of the next batch start. */
  next = 0;
  private previous: { buffer: Buffer; position: number } | null = null;
  count = 0;

  feed(buffer: Buffer, position: number): void {
    const end = position + buffer.length;
    // batchLength is the int32 at +8; a batch's size is batchLength + 12.
    while (this.next + 12 <= end) {
      this.next += this.int32At(this.next + 8, buffer, position) + 12;
      this.count += 1;
    }
    this.previous = { buffer, position };
  }

  private int32At(at: number, buffer: Buffer, position: number): number {
    if (at >= position) return buffer.readInt32BE(at - position);
    const previous = this.previous!;
    const joined = Buffer.concat([previous.buffer.subarray(at - previous.position), buffer]);
    return joined.readInt32BE(0);
  }
}

/**
 * Reads of 1 MiB through the log against reads of the file; both sides find the batch
 * boundaries in what they read (the log side to know its next offset).
 */
async function measureRead(dir: string, log: PartitionLog): Promise<Pair> {
  const fd = fs.openSync(join(dir, 'raw.dat'), 'r');
  const size = fs.fstatSync(fd).size;
  const readsPerChunk = Math.ceil(size / readBytesMax / chunkCount);
  const boundaries = new BatchBoundaries();
  let offset = 0;
  let position = 0;
  const pair = await paired(
    async () => {
      let bytes = 0;
      const from = offset;
      for (let index = 0; index < readsPerChunk && offset < log.highWatermark; index++) {
        const { records } = await log.read(offset, readBytesMax);
        let last = 0;
        for (let at = 0; at < records.length; at += readBatchSizeBytes(records, at)) last = at;
        offset = readLastOffset(records, last) + 1;
        bytes += records.length;
      }
      return { bytes, records: offset - from };
    },
    async () => {
      let bytes = 0;
      for (let index = 0; index < readsPerChunk && position < size; index++) {
        const buffer = Buffer.allocUnsafe(Math.min(readBytesMax, size - position));
        const bytesRead = await rawIo.read(fd, buffer, position);
        boundaries.feed(buffer.subarray(0, bytesRead), position);
        position += bytesRead;
        bytes += bytesRead;
      }
      return { bytes, records: 0 };
    },
  );
  fs.closeSync(fd);
  return pair;
}

/** `appenderCount` appenders awaiting fsync of each batch, against writes fsync'd per group. */
async function measureAppendFsync(dir: string, scenario: Scenario, batch: Buffer) {
  const log = await PartitionLog.open(join(dir, 'fsync'), config, { logger: silentLogLogger });
  const fd = fs.openSync(join(dir, 'raw-fsync.dat'), 'w');
  const perAppender = Math.max(
    1,
    Math.floor(scenario.fsyncBatchCount / chunkCount / appenderCount),
  );
  const batchesPerChunk = perAppender * appenderCount;
  const work = {
    bytes: batch.length * batchesPerChunk,
    records: scenario.recordsPerBatch * batchesPerChunk,
  };
  const buffers = Array.from({ length: appenderCount }, () => Buffer.from(batch));
  let position = 0;
  const pair = await paired(
    async () => {
      const appender = async (own: Buffer) => {
        for (let index = 0; index < perAppender; index++) {
          const { lastOffset } = await log.append(own);
          await log.flushedTo(lastOffset + 1);
        }
      };
      await Promise.all(buffers.map(appender));
      return work;
    },
    async () => {
      for (let index = 0; index < batchesPerChunk; index++) {
        position += await rawIo.write(fd, batch, position);
        if ((index + 1) % appenderCount === 0) await rawIo.fsync(fd);
      }
      return work;
    },
  );
  const batchesPerSync = (batchesPerChunk * chunkCount) / Math.max(log.probe.syncCount, 1);
  await log.close();
  fs.closeSync(fd);
  return { pair, batchesPerSync };
}

async function runRepetition(scenario: Scenario, batch: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-log-bench-'));
  try {
    const { log, pair: append } = await measureAppend(dir, scenario, batch);
    const read = await measureRead(dir, log);
    await log.close();
    const { pair: fsync, batchesPerSync } = await measureAppendFsync(dir, scenario, batch);
    return { append, read, fsync, batchesPerSync };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Row {
  operation: string;
  recordsPerBatch: number;
  batchBytes: number;
  logRecordsPerSecond: number;
  logMegabytesPerSecond: number;
  rawMegabytesPerSecond: number;
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function row(operation: string, recordsPerBatch: number, batchBytes: number, pairs: Pair[]): Row {
  return {
    operation,
    recordsPerBatch,
    batchBytes,
    logRecordsPerSecond: Math.round(median(pairs.map((pair) => pair.log.recordsPerSecond))),
    logMegabytesPerSecond: round(median(pairs.map((pair) => pair.log.megabytesPerSecond))),
    rawMegabytesPerSecond: round(median(pairs.map((pair) => pair.raw.megabytesPerSecond))),
    // The median of the paired ratios: each pair ran side by side under the same load.
    ratio: round(
      median(pairs.map((pair) => pair.log.megabytesPerSecond / pair.raw.megabytesPerSecond)),
    ),
  };
}

/** Microseconds the protocol's validateBatch (length, magic, CRC-32C) takes for `batch`. */
function crcMicroseconds(batch: Buffer): number {
  const count = Math.max(100, Math.floor(50_000_000 / batch.length));
  const start = process.hrtime.bigint();
  for (let index = 0; index < count; index++) validateBatch(batch);
  return Number(process.hrtime.bigint() - start) / 1e3 / count;
}

async function runScenario(scenario: Scenario): Promise<{ rows: Row[]; crcMicros: number }> {
  const { recordsPerBatch } = scenario;
  const batch = makeBatch(recordsPerBatch);
  await runRepetition(scenario, batch);
  const results = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    results.push(await runRepetition(scenario, batch));
  }
  const batchesPerSync = median(results.map((result) => result.batchesPerSync));
  const crcMicros = crcMicroseconds(batch);
  console.error(
    `  ${recordsPerBatch} records/batch (${batch.length} B): validateBatch ` +
      `${crcMicros.toFixed(1)} us per batch, median ${round(batchesPerSync)} batches per fsync`,
  );
  const rows = [
    row(
      'append',
      recordsPerBatch,
      batch.length,
      results.map((result) => result.append),
    ),
    row(
      'append+fsync',
      recordsPerBatch,
      batch.length,
      results.map((result) => result.fsync),
    ),
    row(
      'read',
      recordsPerBatch,
      batch.length,
      results.map((result) => result.read),
    ),
  ];
  return { rows, crcMicros };
}

function printTable(rows: Row[]): void {
  const header = ['operation', 'records/batch', 'batch B', 'log rec/s', 'log MB/s', 'raw MB/s'];
  header.push('log/raw');
  const lines = rows.map((entry) => [
    entry.operation,
    String(entry.recordsPerBatch),
    String(entry.batchBytes),
    entry.logRecordsPerSecond.toLocaleString('en-US'),
    entry.logMegabytesPerSecond.toFixed(1),
    entry.rawMegabytesPerSecond.toFixed(1),
    `${Math.round(entry.ratio * 100)}%`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  console.error(
    `log-bench: ${recordBytes}-byte records; median of ${repetitions} repetitions after a ` +
      `warm-up; log and raw alternate in ${chunkCount} chunks; ${appenderCount} appenders ` +
      `with fsync; reads of ${readBytesMax} bytes; files in ${tmpdir()}`,
  );
  const rows: Row[] = [];
  const validateMicrosByBatch: Record<string, number> = {};
  for (const scenario of scenarios) {
    const result = await runScenario(scenario);
    rows.push(...result.rows);
    validateMicrosByBatch[String(scenario.recordsPerBatch)] = round(result.crcMicros);
  }
  printTable(rows);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(import.meta.dirname, '..', 'results', stamp);
  await mkdir(resultsDir, { recursive: true });
  const report = {
    benchmark: 'log-bench',
    node: process.version,
    recordBytes,
    repetitions,
    chunkCount,
    appenderCount,
    validateMicrosByBatch,
    rows,
  };
  await writeFile(join(resultsDir, 'log-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${join(resultsDir, 'log-bench.json')}`);
}

await main();
