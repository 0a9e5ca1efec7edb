#!/usr/bin/env node
/**
 * cairn-dump-log: look inside a partition's files, like Kafka's kafka-dump-log.sh.
 *
 *   cairn-dump-log dump <file> [--records]   batches of a .log (and with --records each
 *                                            record), or the entries of a .index / .timeindex
 *   cairn-dump-log verify <partition-dir>    every batch's CRC and offsets, every index entry
 *                                            against the batch it names; exit code 1 on a problem
 *   cairn-dump-log rebuild-index <partition-dir>
 *                                            rewrites every .index and .timeindex from the .log
 *                                            files; refuses while a live process holds the lock
 *
 * The byte layouts are drawn in offset-index.ts, time-index.ts and @cairn/protocol's
 * record-batch-header.ts. `dump` and `verify` never write.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  compressionName,
  decodeRecordBatch,
  isControl,
  isTransactional,
  readBaseSequence,
  readCompression,
  readCrc,
  readMagic,
  readPartitionLeaderEpoch,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
  readTimestampType,
} from '@cairn/protocol';
import { type ScannedBatch, scanBatches } from '../batch-scan.js';
import { readCheckpoint } from '../checkpoint-file.js';
import { defaultLogConfig } from '../config.js';
import { lockFileName } from '../constants.js';
import { type LogFile, nodeFileSystem } from '../file-system.js';
import { findOffsetIndexProblem, OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from '../offset-index.js';
import { emptySegmentState, Segment } from '../segment.js';
import {
  logStartOffsetCheckpointName,
  parseSegmentFileName,
  recoveryPointCheckpointName,
  segmentFilePath,
} from '../segment-files.js';
import { findTimeIndexProblem, TIME_INDEX_ENTRY_BYTES, TimeIndex } from '../time-index.js';

export interface DumpLogOutput {
  out(line: string): void;
  err(line: string): void;
}

const usage = [
  'usage: cairn-dump-log dump <segment.log|.index|.timeindex> [--records]',
  '       cairn-dump-log verify <partition-dir>',
  '       cairn-dump-log rebuild-index <partition-dir>',
];

/** Runs the command in `args` (argv without node and the script); returns the exit code. */
export async function runDumpLog(args: readonly string[], output: DumpLogOutput): Promise<number> {
  const [command, path, ...flags] = args;
  try {
    if (command === 'dump' && path !== undefined) return await dump(path, flags, output);
    if (command === 'verify' && path !== undefined) return await verify(path, output);
    if (command === 'rebuild-index' && path !== undefined)
      return await rebuildIndexes(path, output);
  } catch (error) {
    output.err(`cairn-dump-log: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  for (const line of usage) output.err(line);
  return 2;
}

async function dump(path: string, flags: readonly string[], output: DumpLogOutput) {
  output.out(`Dumping ${path}`);
  if (path.endsWith('.index')) return dumpOffsetIndex(path, output);
  if (path.endsWith('.timeindex')) return dumpTimeIndex(path, output);
  const withRecords = flags.includes('--records');
  const parsed = parseSegmentFileName(dirname(path), basename(path));
  output.out(`Log starting offset: ${parsed?.baseOffset ?? 'unknown'}`);
  const file = await nodeFileSystem.openFile(path, { create: false, readOnly: true });
  try {
    const end = await file.sizeBytes();
    const result = await scanBatches(file, { from: 0, end, verifyCrc: true }, (batch) => {
      output.out(describeBatch(batch));
      if (withRecords) for (const line of describeRecords(batch)) output.out(line);
      return 'accept';
    });
    if (result.problem === null) return 0;
    output.out(`invalid data at position ${result.endPosition}: ${result.problem}`);
    return 1;
  } finally {
    await file.close();
  }
}

function describeBatch(batch: ScannedBatch): string {
  const { chunk, chunkPosition: at } = batch;
  const baseSequence = readBaseSequence(chunk, at);
  const count = readRecordCount(chunk, at);
  const lastSequence = baseSequence < 0 ? -1 : baseSequence + count - 1;
  const timeName = readTimestampType(chunk, at) === 0 ? 'CreateTime' : 'LogAppendTime';
  return [
    `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${count}`,
    `baseSequence: ${baseSequence} lastSequence: ${lastSequence}`,
    `producerId: ${readProducerId(chunk, at)} producerEpoch: ${readProducerEpoch(chunk, at)}`,
    `partitionLeaderEpoch: ${readPartitionLeaderEpoch(chunk, at)}`,
    `isTransactional: ${isTransactional(chunk, at)} isControl: ${isControl(chunk, at)}`,
    `position: ${batch.position} ${timeName}: ${batch.maxTimestamp} size: ${batch.sizeBytes}`,
    `magic: ${readMagic(chunk, at)} compresscodec: ${compressionName(readCompression(chunk, at))}`,
    `crc: ${readCrc(chunk, at)} isvalid: true`,
  ].join(' ');
}

function describeRecords(batch: ScannedBatch): string[] {
  try {
    const decoded = decodeRecordBatch(batch.chunk, batch.chunkPosition);
    return decoded.records.map((record) => {
      const sequence = decoded.baseSequence < 0 ? -1 : decoded.baseSequence + record.offsetDelta;
      const headerKeys = record.headers.map((header) => header.key).join(',');
      return (
        `| offset: ${record.offset} timestamp: ${record.timestamp} ` +
        `keySize: ${record.key?.length ?? -1} valueSize: ${record.value?.length ?? -1} ` +
        `sequence: ${sequence} headerKeys: [${headerKeys}] ` +
        `key: ${printable(record.key)} payload: ${printable(record.value)}`
      );
    });
  } catch (error) {
    return [`| records not decodable: ${error instanceof Error ? error.message : String(error)}`];
  }
}

function printable(bytes: Buffer | null): string {
  if (bytes === null) return 'null';
  const text = bytes.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : `0x${bytes.toString('hex')}`;
}

async function dumpOffsetIndex(path: string, output: DumpLogOutput): Promise<number> {
  const bytes = await readFile(path);
  const baseOffset = parseSegmentFileName(dirname(path), basename(path))?.baseOffset ?? 0;
  for (let at = 0; at + OFFSET_INDEX_ENTRY_BYTES <= bytes.length; at += OFFSET_INDEX_ENTRY_BYTES) {
    const entry = new OffsetIndex(baseOffset, bytes.subarray(at, at + OFFSET_INDEX_ENTRY_BYTES));
    const { offset, position } = entry.entryAt(0);
    output.out(`offset: ${offset} position: ${position}`);
  }
  return bytes.length % OFFSET_INDEX_ENTRY_BYTES === 0 ? 0 : 1;
}

async function dumpTimeIndex(path: string, output: DumpLogOutput): Promise<number> {
  const bytes = await readFile(path);
  const baseOffset = parseSegmentFileName(dirname(path), basename(path))?.baseOffset ?? 0;
  for (let at = 0; at + TIME_INDEX_ENTRY_BYTES <= bytes.length; at += TIME_INDEX_ENTRY_BYTES) {
    const entry = new TimeIndex(baseOffset, bytes.subarray(at, at + TIME_INDEX_ENTRY_BYTES));
    const { timestamp, offset } = entry.entryAt(0);
    output.out(`timestamp: ${timestamp} offset: ${offset}`);
  }
  return bytes.length % TIME_INDEX_ENTRY_BYTES === 0 ? 0 : 1;
}

/** baseOffsets of the .log files in `dir`, ascending. */
async function segmentBaseOffsets(dir: string): Promise<number[]> {
  const baseOffsets: number[] = [];
  for (const name of await nodeFileSystem.listDirectory(dir)) {
    const parsed = parseSegmentFileName(dir, name);
    if (parsed?.kind === 'log' && parsed.stage === 'final') baseOffsets.push(parsed.baseOffset);
  }
  return baseOffsets.sort((left, right) => left - right);
}

async function verify(dir: string, output: DumpLogOutput): Promise<number> {
  let problems = 0;
  const report = (line: string) => {
    problems += 1;
    output.out(`PROBLEM ${line}`);
  };
  for (const name of [logStartOffsetCheckpointName, recoveryPointCheckpointName]) {
    const read = await readCheckpoint(nodeFileSystem, join(dir, name));
    if (read.kind === 'corrupt') report(`${name}: ${read.problem}`);
    else output.out(`${name}: ${read.kind === 'valid' ? read.offset : 'missing'}`);
  }
  let previousEnd = 0;
  for (const baseOffset of await segmentBaseOffsets(dir)) {
    const checked = await verifySegment(dir, baseOffset, previousEnd, report);
    output.out(
      `${segmentFilePath(dir, baseOffset, 'log')}: ${checked.batchCount} batches, ` +
        `offsets ${baseOffset}..${checked.nextOffset - 1}`,
    );
    previousEnd = checked.nextOffset;
  }
  output.out(problems === 0 ? 'OK' : `${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

interface VerifiedSegment {
  batchCount: number;
  nextOffset: number;
}

/** Checks one segment's batches and its index files against them. */
async function verifySegment(
  dir: string,
  baseOffset: number,
  previousEnd: number,
  report: (line: string) => void,
): Promise<VerifiedSegment> {
  const logPath = segmentFilePath(dir, baseOffset, 'log');
  const file = await nodeFileSystem.openFile(logPath, { create: false, readOnly: true });
  try {
    const end = await file.sizeBytes();
    const indexes = await readIndexes(dir, baseOffset, end, report);
    const offsetEntries = indexes.offsetIndex;
    const timeEntries = indexes.timeIndex;
    let entryIndex = 0;
    const wantedTimestamps = new Map<number, number>();
    for (let index = 0; index < (timeEntries?.entryCount ?? 0); index++) {
      const entry = timeEntries!.entryAt(index);
      wantedTimestamps.set(entry.offset, entry.timestamp);
    }
    let nextOffset = Math.max(baseOffset, previousEnd);
    let batchCount = 0;
    const result = await scanBatches(file, { from: 0, end, verifyCrc: true }, (batch) => {
      if (batch.baseOffset < nextOffset) {
        report(`${logPath} at ${batch.position}: baseOffset ${batch.baseOffset} < ${nextOffset}`);
      }
      while (offsetEntries !== null && entryIndex < offsetEntries.entryCount) {
        const entry = offsetEntries.entryAt(entryIndex);
        if (entry.position > batch.position) break;
        if (entry.position < batch.position || entry.offset !== batch.lastOffset) {
          report(`${logPath}.index entry (${entry.offset}, ${entry.position}) names no batch end`);
        }
        entryIndex += 1;
      }
      const timestamp = wantedTimestamps.get(batch.lastOffset);
      if (timestamp !== undefined && timestamp !== batch.maxTimestamp) {
        report(
          `timeindex entry (${timestamp}, ${batch.lastOffset}): batch has ${batch.maxTimestamp}`,
        );
      }
      nextOffset = batch.lastOffset + 1;
      batchCount += 1;
      return 'accept';
    });
    if (result.problem !== null) report(`${logPath} at ${result.endPosition}: ${result.problem}`);
    if (offsetEntries !== null && entryIndex < offsetEntries.entryCount) {
      report(`${logPath}.index has ${offsetEntries.entryCount - entryIndex} entries past the data`);
    }
    return { batchCount, nextOffset };
  } finally {
    await file.close();
  }
}

async function readIndexes(
  dir: string,
  baseOffset: number,
  logSizeBytes: number,
  report: (line: string) => void,
): Promise<{ offsetIndex: OffsetIndex | null; timeIndex: TimeIndex | null }> {
  const indexPath = segmentFilePath(dir, baseOffset, 'index');
  const timeIndexPath = segmentFilePath(dir, baseOffset, 'timeindex');
  let offsetIndex: OffsetIndex | null = null;
  let timeIndex: TimeIndex | null = null;
  if (!(await nodeFileSystem.exists(indexPath))) report(`${indexPath} is missing`);
  else {
    const bytes = await readFile(indexPath);
    const problem = findOffsetIndexProblem(bytes, logSizeBytes);
    if (problem === null) offsetIndex = new OffsetIndex(baseOffset, bytes);
    else report(`${indexPath}: ${problem}`);
  }
  if (!(await nodeFileSystem.exists(timeIndexPath))) report(`${timeIndexPath} is missing`);
  else {
    const bytes = await readFile(timeIndexPath);
    const problem = findTimeIndexProblem(bytes, baseOffset, Number.MAX_SAFE_INTEGER);
    if (problem === null) timeIndex = new TimeIndex(baseOffset, bytes);
    else report(`${timeIndexPath}: ${problem}`);
  }
  return { offsetIndex, timeIndex };
}

async function rebuildIndexes(dir: string, output: DumpLogOutput): Promise<number> {
  const owner = await liveLockOwner(dirname(dir));
  if (owner !== null) {
    output.err(`${dir} belongs to running process ${owner}: stop it first`);
    return 1;
  }
  let failures = 0;
  for (const baseOffset of await segmentBaseOffsets(dir)) {
    const logPath = segmentFilePath(dir, baseOffset, 'log');
    const file = await nodeFileSystem.openFile(logPath, { create: false, readOnly: true });
    const problem = await rebuildSegmentIndexes(dir, baseOffset, file);
    if (problem !== null) {
      failures += 1;
      output.out(`${logPath}: indexes cover the data before ${problem}`);
    }
    output.out(`rebuilt ${segmentFilePath(dir, baseOffset, 'index')} and .timeindex`);
  }
  return failures === 0 ? 0 : 1;
}

/** Rewrites both index files of one segment; returns the scan problem, if any. */
async function rebuildSegmentIndexes(dir: string, baseOffset: number, file: LogFile) {
  const intervalBytes = defaultLogConfig.indexIntervalBytes;
  const segment = new Segment(
    nodeFileSystem,
    dir,
    baseOffset,
    file,
    emptySegmentState(baseOffset, 0),
  );
  try {
    const end = await file.sizeBytes();
    const result = await scanBatches(file, { from: 0, end, verifyCrc: true }, (batch) => {
      const { position, sizeBytes, lastOffset, maxTimestamp } = batch;
      // Any interval gives a correct index; the log's own may differ from the default.
      segment.indexBatch(position, sizeBytes, lastOffset, maxTimestamp, intervalBytes);
      return 'accept';
    });
    segment.seal();
    await segment.persistIndexes();
    return result.problem === null ? null : `position ${result.endPosition}: ${result.problem}`;
  } finally {
    await segment.close();
  }
}

async function liveLockOwner(dataDir: string): Promise<number | null> {
  let text: string;
  try {
    text = (await readFile(join(dataDir, lockFileName), 'latin1')).trim();
  } catch {
    return null;
  }
  const pid = Number(text);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  const output: DumpLogOutput = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  // `cairn-dump-log dump x.log | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  runDumpLog(process.argv.slice(2), output).then((code) => {
    process.exitCode = code;
  });
}
