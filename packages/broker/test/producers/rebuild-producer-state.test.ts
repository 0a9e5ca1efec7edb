// Proves producer state rebuilt from a log equals the state its appends built, by appending
// seeded random producer traffic (retries, epoch bumps, plain batches) through check/update
// into a log (in memory, and a real PartitionLog reopened from its files), then replaying that
// log's batch headers into a fresh ProducerState.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig, PartitionLog, silentLogLogger } from '@cairn/log';
import {
  isKafkaError,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  readBatchSizeBytes,
  readLastOffset,
  readLastOffsetDelta,
  writeBaseOffset,
} from '@cairn/protocol';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProducerState } from '../../src/producers/producer-state.js';
import {
  type ProducerStateLog,
  rebuildProducerState,
} from '../../src/producers/rebuild-producer-state.js';
import { idempotentBatch } from './batches.js';

/**
 * A log in memory with PartitionLog's read contract: whole batches from the one holding
 * `offset`, up to maxBytes, and at least the first one whole unless `cutShort` (then a first
 * batch over maxBytes comes back truncated, as a plain file slice would).
 */
class MemoryLog implements ProducerStateLog {
  readonly batches: Buffer[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  reads = 0;

  constructor(private readonly cutShort = false) {}

  append(batch: Buffer, recordCount: number): void {
    writeBaseOffset(batch, this.logEndOffset);
    this.batches.push(batch);
    this.logEndOffset += recordCount;
  }

  async read(offset: number, maxBytes: number): Promise<{ records: Buffer }> {
    this.reads += 1;
    const first = this.batches.findIndex((batch) => readLastOffset(batch) >= offset);
    if (first === -1) return { records: Buffer.alloc(0) };
    const taken: Buffer[] = [];
    let sizeBytes = 0;
    for (const batch of this.batches.slice(first)) {
      if (sizeBytes + batch.length > maxBytes) {
        if (taken.length === 0) taken.push(this.cutShort ? batch.subarray(0, maxBytes) : batch);
        break;
      }
      taken.push(batch);
      sizeBytes += batch.length;
    }
    return { records: Buffer.concat(taken) };
  }
}

interface Producer {
  producerId: number;
  producerEpoch: number;
  nextSequence: number;
}

/** Appends a batch that check() let through, and updates the state as the produce path does. */
type Appender = (batch: Buffer) => void;

function memoryAppender(log: MemoryLog, state: ProducerState): Appender {
  return (batch) => {
    const recordCount = readLastOffsetDelta(batch) + 1;
    log.append(batch, recordCount);
    state.update(batch, log.logEndOffset - recordCount, log.logEndOffset - 1);
  };
}

/** Seeded traffic: new batches of four producers, plain batches, retries, epoch bumps. */
function appendTraffic(log: MemoryLog, state: ProducerState, seed: number, count: number): void {
  sendTraffic(state, memoryAppender(log, state), seed, count);
}

function sendTraffic(state: ProducerState, append: Appender, seed: number, count: number): void {
  const producers: Producer[] = [1, 2, 3, 40_000_000_000].map((producerId) => ({
    producerId,
    producerEpoch: 0,
    nextSequence: 0,
  }));
  const sent: Buffer[] = [];
  const choices = fc.sample(fc.tuple(fc.nat(99), fc.nat(3), fc.integer({ min: 1, max: 20 })), {
    seed,
    numRuns: count,
  });
  for (const [kind, which, recordCount] of choices) {
    const producer = producers[which]!;
    let batch: Buffer;
    if (kind < 10 && sent.length > 0) {
      batch = sent[sent.length - 1 - (kind % Math.min(sent.length, 5))]!; // a retry
    } else if (kind < 15) {
      batch = idempotentBatch({
        producerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        baseSequence: NO_SEQUENCE,
        recordCount,
      });
    } else {
      if (kind < 18) {
        producer.producerEpoch += 1;
        producer.nextSequence = 0;
      }
      batch = idempotentBatch({ ...producer, baseSequence: producer.nextSequence, recordCount });
      producer.nextSequence += recordCount;
      sent.push(batch);
    }
    try {
      if (state.check(batch).kind === 'duplicate') continue;
    } catch (error) {
      // A retry from a fenced epoch, or older than the last 5 batches.
      if (!isKafkaError(error)) throw error;
      expect(['INVALID_PRODUCER_EPOCH', 'OUT_OF_ORDER_SEQUENCE_NUMBER']).toContain(error.errorName);
      continue;
    }
    append(Buffer.from(batch)); // the log owns what it appends; a retry resends the original
  }
}

function snapshot(state: ProducerState) {
  return [...state.entries()].map((entry) => ({
    producerId: entry.producerId,
    producerEpoch: entry.producerEpoch,
    batches: [...entry.batches],
  }));
}

describe('rebuildProducerState', () => {
  it('rebuilds the state the appends built, reading the log in small chunks', async () => {
    for (const seed of [1, 2, 3]) {
      const log = new MemoryLog();
      const before = new ProducerState('test-0');
      appendTraffic(log, before, seed, 300);
      const rebuilt = await rebuildProducerState(log, new ProducerState('test-0'), 4096);
      expect(snapshot(rebuilt), `seed ${seed}`).toEqual(snapshot(before));
      expect(before.producerCount).toBe(4);
      expect(log.reads).toBeGreaterThan(5);
    }
  });

  it('keeps the least-recent order, so a capped state forgets the same producers', async () => {
    const log = new MemoryLog();
    const before = new ProducerState('test-0', 2);
    appendTraffic(log, before, 7, 200);
    const rebuilt = await rebuildProducerState(log, new ProducerState('test-0', 2));
    expect(snapshot(rebuilt)).toEqual(snapshot(before));
  });

  it('reads a batch over the read size whole, even from a log that cuts it short', async () => {
    const log = new MemoryLog(true);
    const before = new ProducerState('test-0');
    appendTraffic(log, before, 11, 50);
    const largest = Math.max(...log.batches.map((batch) => readBatchSizeBytes(batch)));
    const rebuilt = await rebuildProducerState(log, new ProducerState('test-0'), largest - 1);
    expect(snapshot(rebuilt)).toEqual(snapshot(before));
  });

  it('starts at logStartOffset, so producers removed by retention are unknown', async () => {
    const log = new MemoryLog();
    const before = new ProducerState('test-0');
    const first = idempotentBatch({ producerId: 5, producerEpoch: 0, baseSequence: 0 });
    log.append(first, 1);
    before.update(first, 0, 0);
    const second = idempotentBatch({ producerId: 6, producerEpoch: 0, baseSequence: 0 });
    log.append(second, 1);
    log.logStartOffset = 1;
    const rebuilt = await rebuildProducerState(log, new ProducerState('test-0'));
    expect(rebuilt.entry(5)).toBeUndefined();
    expect(rebuilt.entry(6)?.lastSequence).toBe(0);
  });

  it('rebuilds nothing from an empty log', async () => {
    const rebuilt = await rebuildProducerState(new MemoryLog(), new ProducerState('test-0'));
    expect(rebuilt.producerCount).toBe(0);
  });
});

describe('rebuildProducerState from a PartitionLog', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-producer-state-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config = { ...defaultLogConfig, segmentBytes: 8 * 1024 };
  const options = { logger: silentLogLogger, name: 'test-0' };

  it('rebuilds, after a reopen, the state that pipelined appends built', async () => {
    // No append is awaited before the next check, as with five requests in flight: each check
    // must see the batches before it, so update runs as soon as the log has taken offsets.
    const log = await PartitionLog.open(dir, config, options);
    const before = new ProducerState('test-0');
    const appends: Promise<unknown>[] = [];
    sendTraffic(
      before,
      (batch) => {
        const endBefore = log.logEndOffset;
        appends.push(log.append(batch));
        if (log.logEndOffset > endBefore) before.update(batch, endBefore, log.logEndOffset - 1);
      },
      5,
      300,
    );
    await Promise.all(appends);
    await log.close();

    const reopened = await PartitionLog.open(dir, config, options);
    expect(reopened.segmentCount).toBeGreaterThan(3);
    const rebuilt = await rebuildProducerState(reopened, new ProducerState('test-0'), 2048);
    await reopened.close();
    expect(snapshot(rebuilt)).toEqual(snapshot(before));
    expect(rebuilt.producerCount).toBe(4);
  });

  it('records nothing for a batch the log refuses: its logEndOffset does not move', async () => {
    const log = await PartitionLog.open(dir, config, options);
    const state = new ProducerState('test-0');
    const batch = idempotentBatch({ producerId: 3, producerEpoch: 0, baseSequence: 0 });
    batch[batch.length - 1] = (batch[batch.length - 1] ?? 0) ^ 0xff; // the CRC no longer matches
    expect(state.check(batch).kind).toBe('append');
    const endBefore = log.logEndOffset;
    const appended = log.append(batch);
    if (log.logEndOffset > endBefore) state.update(batch, endBefore, log.logEndOffset - 1);
    await expect(appended).rejects.toThrow();
    expect(state.producerCount).toBe(0);
    await log.close();
  });
});
