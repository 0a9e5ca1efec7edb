// Proves a segment on a real file: appends index every index.interval.bytes, reads return
// whole batches from the one holding the offset (at least one, within maxBytes, below
// maxOffset), and close waits for reads in progress.
import { writeBaseOffset } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../src/file-system.js';
import { Segment } from '../src/segment.js';
import { makeBatch } from './helpers/batches.js';
import { makeTempDir } from './helpers/temp-dir.js';

async function segmentWith(batchCount: number, recordsPerBatch = 2) {
  const segment = await Segment.create(nodeFileSystem, await makeTempDir(), 100, 0);
  const batches: Buffer[] = [];
  for (let index = 0; index < batchCount; index++) {
    const batch = makeBatch({ recordCount: recordsPerBatch, valueBytes: 30 });
    writeBaseOffset(batch, 100 + index * recordsPerBatch);
    await segment.write([batch], segment.sizeBytes);
    segment.commitAppend(batch, 200);
    batches.push(batch);
  }
  return { segment, batches };
}

describe('Segment', () => {
  it('adds an index entry after every index.interval.bytes', async () => {
    const { segment, batches } = await segmentWith(20);
    const batchBytes = batches[0]!.length;
    const expectedEntries = Math.floor((20 - 1) / (Math.floor(200 / batchBytes) + 1));
    expect(segment.offsetIndex.entryCount).toBe(expectedEntries);
    expect(segment.nextOffset).toBe(140);
    expect(segment.sizeBytes).toBe(20 * batchBytes);
    await segment.close();
  });

  it('reads whole batches from the one holding the offset', async () => {
    const { segment, batches } = await segmentWith(20);
    const size = batches[0]!.length;
    for (let offset = 100; offset < 140; offset++) {
      const read = await segment.readBatches(offset, size * 3, 1_000, 200);
      const first = Math.floor((offset - 100) / 2);
      expect(read).toEqual(Buffer.concat(batches.slice(first, Math.min(first + 3, 20))));
    }
    expect((await segment.readBatches(140, 1000, 1_000, 200)).length).toBe(0);
    await segment.close();
  });

  it('returns one batch larger than maxBytes, and none at or past maxOffset', async () => {
    const { segment, batches } = await segmentWith(5);
    expect(await segment.readBatches(100, 1, 1_000, 200)).toEqual(batches[0]);
    expect(await segment.readBatches(102, 10_000, 106, 200)).toEqual(
      Buffer.concat(batches.slice(1, 3)),
    );
    expect((await segment.readBatches(102, 10_000, 103, 200)).length).toBe(0);
    await segment.close();
  });

  it('starts a sequential read where the last one ended, without the look-ahead', async () => {
    const { segment, batches } = await segmentWith(20);
    const size = batches[0]!.length;
    let offset = 100;
    const parts: Buffer[] = [];
    while (offset < 140) {
      // No slack: only a remembered position (or the index) can find the batch.
      const read = await segment.readBatches(offset, size * 4, 1_000, offset === 100 ? 200 : 0);
      parts.push(read);
      offset += (read.length / size) * 2;
    }
    expect(Buffer.concat(parts)).toEqual(Buffer.concat(batches));
    await segment.close();
  });

  /** 12 batches of 10 records, each larger than index.interval.bytes (200), reads counted. */
  async function countedSegmentOfLargeBatches() {
    const dir = await makeTempDir();
    const reads = { count: 0, bytes: 0 };
    const countingFileSystem = {
      ...nodeFileSystem,
      async openFile(path: string, options: { create: boolean; readOnly?: boolean }) {
        const file = await nodeFileSystem.openFile(path, options);
        const read = file.read.bind(file);
        file.read = (buffer, bufferOffset, length, position) => {
          reads.count += 1;
          reads.bytes += length;
          return read(buffer, bufferOffset, length, position);
        };
        return file;
      },
    };
    const segment = await Segment.create(countingFileSystem, dir, 0, 0);
    const batches: Buffer[] = [];
    for (let index = 0; index < 12; index++) {
      const batch = makeBatch({ recordCount: 10, valueBytes: 100 });
      writeBaseOffset(batch, index * 10);
      await segment.write([batch], segment.sizeBytes);
      segment.commitAppend(batch, 200);
      batches.push(batch);
    }
    return { segment, batches, reads };
  }

  it('reads once per sequential read when the budget ends exactly at a batch boundary', async () => {
    // Batches larger than index.interval.bytes: the index entry for an offset is a batch early,
    // so a read that lost its hint would read twice. Regression: every other read did.
    const { segment, batches, reads } = await countedSegmentOfLargeBatches();
    const readCount = () => reads.count;
    const size = batches[0]!.length;
    const parts: Buffer[] = [];
    const readsPerCall: number[] = [];
    for (let offset = 0; offset < 120; offset += 20) {
      const before = readCount();
      parts.push(await segment.readBatches(offset, size * 2, 1_000, 200));
      readsPerCall.push(readCount() - before);
    }
    expect(Buffer.concat(parts)).toEqual(Buffer.concat(batches));
    expect(readsPerCall).toEqual([1, 1, 1, 1, 1, 1]);
    await segment.close();
  });

  it('reaches a large batch without a hint by its header, not by reading the one before', async () => {
    // Out of order, as pipelined fetches arrive: no read hint, and the index entry is a batch
    // early. Regression: the batch before was read whole, then the wanted ones read again.
    const { segment, batches, reads } = await countedSegmentOfLargeBatches();
    const size = batches[0]!.length;
    for (let offset = 100; offset >= 20; offset -= 20) {
      const before = { ...reads };
      const read = await segment.readBatches(offset, size * 2, 1_000, 200);
      expect(read).toEqual(Buffer.concat(batches.slice(offset / 10, offset / 10 + 2)));
      // One header, then one window: the two batches, the look-ahead and a header.
      expect(reads.count - before.count).toBe(2);
      expect(reads.bytes - before.bytes).toBeLessThanOrEqual(2 * size + 200 + 2 * 61);
    }
    await segment.close();
  });

  it('closes only after the reads holding it release it', async () => {
    const { segment } = await segmentWith(2);
    segment.retain();
    let closed = false;
    const closing = segment.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(closed).toBe(false);
    segment.release();
    await closing;
    expect(closed).toBe(true);
  });
});
