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
