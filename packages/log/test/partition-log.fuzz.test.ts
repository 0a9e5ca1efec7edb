// Proves the engine agrees with a trivial in-memory model (Redpanda's opfuzz): a seeded fuzzer
// runs appends (some concurrent), reads, rolls, retention, deleteRecordsBefore, flushes, clean
// reopens and crashes that lose every unsynced byte (CrashableFileSystem) on real files, and
// after each step compares offsets and bytes. A failure names its seed and the steps so far.
import { readBaseOffset, readBatchSizeBytes, readLastOffset } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { silentLogLogger } from '../src/logger.js';
import { PartitionLog } from '../src/partition-log.js';
import { makeBatch } from './helpers/batches.js';
import { CrashableFileSystem } from './helpers/crash-file-system.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeTempDir } from './helpers/temp-dir.js';

const seedCount = 24;
const stepsPerSeed = 120;
const config: LogConfig = { ...defaultLogConfig, segmentBytes: 1500, indexIntervalBytes: 120 };

/** mulberry32: small, fast, and the same everywhere for a seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the log should hold: batches by baseOffset, where it starts, what is durable. */
class Model {
  batches: Buffer[] = [];
  logStartOffset = 0;
  durableOffset = 0;

  get endOffset(): number {
    const last = this.batches.at(-1);
    // A crash can lose data below a persisted logStartOffset: the log restarts there.
    return Math.max(last === undefined ? 0 : readLastOffset(last) + 1, this.logStartOffset);
  }

  /**
   * Batches from the one holding `offset`, as the log must return them for `maxBytes`: like
   * Kafka it reads one segment, so none at or past `segmentEndOffset`.
   */
  expectedRead(offset: number, maxBytes: number, segmentEnds: readonly number[]): Buffer[] {
    const first = this.batches.findIndex((batch) => readLastOffset(batch) >= offset);
    if (first < 0) return [];
    const result = [this.batches[first]!];
    const segmentEnd = segmentEnds.find((end) => end > readBaseOffset(result[0]!)) ?? Infinity;
    let sizeBytes = result[0]!.length;
    for (const batch of this.batches.slice(first + 1)) {
      if (sizeBytes + batch.length > maxBytes || readBaseOffset(batch) >= segmentEnd) break;
      result.push(batch);
      sizeBytes += batch.length;
    }
    return result;
  }

  truncateTo(endOffset: number): void {
    this.batches = this.batches.filter((batch) => readLastOffset(batch) < endOffset);
  }

  dropBefore(offset: number): void {
    this.logStartOffset = Math.max(this.logStartOffset, offset);
  }
}

interface World {
  log: PartitionLog;
  model: Model;
  fileSystem: CrashableFileSystem;
  clock: ManualClock;
  dir: string;
  next: () => number;
}

const pick = (next: () => number, count: number) => Math.floor(next() * count);

async function appendSome(world: World): Promise<void> {
  const { log, model, next, clock } = world;
  const appends = 1 + pick(next, 3);
  const pending: Array<Promise<unknown>> = [];
  for (let index = 0; index < appends; index++) {
    const batches = Array.from({ length: 1 + pick(next, 2) }, () =>
      makeBatch({
        recordCount: 1 + pick(next, 4),
        valueBytes: pick(next, 120),
        timestamp: clock.now(),
      }),
    );
    const records = Buffer.concat(batches);
    pending.push(log.append(records));
    for (let at = 0; at < records.length; at += readBatchSizeBytes(records, at)) {
      model.batches.push(records.subarray(at, at + readBatchSizeBytes(records, at)));
    }
  }
  await Promise.all(pending);
  expect(log.highWatermark).toBe(model.endOffset);
}

async function checkRead(world: World): Promise<void> {
  const { log, model, next } = world;
  const offset = model.logStartOffset + pick(next, model.endOffset - model.logStartOffset + 1);
  const maxBytes = 1 + pick(next, 1500);
  const { records } = await log.read(offset, maxBytes);
  const segmentEnds = log.segmentInfos().map((info) => info.nextOffset);
  expect(records).toEqual(Buffer.concat(model.expectedRead(offset, maxBytes, segmentEnds)));
}

async function crashAndReopen(world: World): Promise<void> {
  const { model } = world;
  world.fileSystem = await world.fileSystem.crash();
  const log = await PartitionLog.open(world.dir, config, {
    fileSystem: world.fileSystem,
    clock: world.clock,
    logger: silentLogLogger,
  });
  // Every acknowledged fsync survives; what was only written may or may not.
  expect(log.logEndOffset).toBeGreaterThanOrEqual(Math.min(model.durableOffset, model.endOffset));
  expect(log.logEndOffset).toBeLessThanOrEqual(Math.max(model.endOffset, log.logStartOffset));
  expect(log.logStartOffset).toBeGreaterThanOrEqual(model.logStartOffset);
  model.truncateTo(log.logEndOffset);
  model.dropBefore(log.logStartOffset);
  model.durableOffset = log.logEndOffset;
  world.log = log;
}

async function step(world: World): Promise<string> {
  const { model, next } = world;
  const choice = pick(next, 100);
  if (choice < 40) {
    await appendSome(world);
    return 'append';
  }
  if (choice < 60) {
    await checkRead(world);
    return 'read';
  }
  if (choice < 66) {
    await world.log.roll();
    return 'roll';
  }
  if (choice < 72) {
    world.log.updateConfig({ ...config, retentionBytes: 1500 + pick(next, 6000) });
    await world.log.applyRetention();
    model.dropBefore(world.log.logStartOffset);
    return 'retention';
  }
  if (choice < 78) {
    const target = model.logStartOffset + pick(next, model.endOffset - model.logStartOffset + 1);
    await world.log.deleteRecordsBefore(target);
    model.dropBefore(target);
    expect(world.log.logStartOffset).toBe(model.logStartOffset);
    return `deleteRecordsBefore(${target})`;
  }
  if (choice < 86) {
    const target = model.durableOffset + pick(next, model.endOffset - model.durableOffset + 1);
    await world.log.flushedTo(target);
    model.durableOffset = Math.max(model.durableOffset, target);
    return `flushedTo(${target})`;
  }
  if (choice < 92) {
    await world.log.close();
    world.log = await PartitionLog.open(world.dir, config, {
      fileSystem: world.fileSystem,
      clock: world.clock,
      logger: silentLogLogger,
    });
    expect(world.log.logEndOffset).toBe(model.endOffset);
    model.durableOffset = model.endOffset;
    return 'reopen';
  }
  await crashAndReopen(world);
  return 'crash';
}

async function runSeed(seed: number): Promise<void> {
  const fileSystem = new CrashableFileSystem();
  const clock = new ManualClock();
  const dir = await makeTempDir();
  const log = await PartitionLog.open(dir, config, { fileSystem, clock, logger: silentLogLogger });
  const world: World = { log, model: new Model(), fileSystem, clock, dir, next: random(seed) };
  const history: string[] = [];
  try {
    for (let index = 0; index < stepsPerSeed; index++) {
      history.push(await step(world));
      if (process.env.CAIRN_FUZZ_DEBUG) {
        console.log(
          history.at(-1),
          world.log.logStartOffset,
          world.log.highWatermark,
          JSON.stringify(
            world.log.segmentInfos().map((i) => [i.baseOffset, i.nextOffset, i.sizeBytes]),
          ),
          world.model.endOffset,
          world.model.durableOffset,
        );
      }
      clock.advance(pick(world.next, 50));
      expect(world.log.logStartOffset).toBe(world.model.logStartOffset);
      expect(world.log.highWatermark).toBe(world.model.endOffset);
    }
    const all = await world.log.read(world.model.logStartOffset, 1_000_000);
    expect(
      all.records.length === 0 || readBaseOffset(all.records) <= world.model.logStartOffset,
    ).toBe(true);
    await world.log.close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`op fuzzer seed ${seed} failed after [${history.join(', ')}]: ${message}`);
  }
}

describe('PartitionLog op fuzzer', () => {
  const baseSeed = Number(process.env.CAIRN_FUZZ_SEED ?? 20_241_123);
  for (let index = 0; index < seedCount; index++) {
    const seed = baseSeed + index;
    if (process.env.CAIRN_FUZZ_ONLY !== undefined && Number(process.env.CAIRN_FUZZ_ONLY) !== seed)
      continue;
    it(`agrees with the model for seed ${seed}`, () => runSeed(seed));
  }
});
