// Proves the segment list's lookups and changes on real (empty) segment files: the segment
// holding an offset, the next one by baseOffset after the list changed, the closed prefix
// below an offset, the removal that never takes the active segment, and reads refused once
// the list is closed.
import { describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../src/file-system.js';
import { LogSegments } from '../src/log-segments.js';
import { Segment } from '../src/segment.js';
import { makeTempDir } from './helpers/temp-dir.js';

/** Segments starting at 0, 10 and 20 (the last one active). */
async function threeSegments(): Promise<LogSegments> {
  const dir = await makeTempDir();
  const segments: Segment[] = [];
  for (const baseOffset of [0, 10, 20]) {
    segments.push(await Segment.create(nodeFileSystem, dir, baseOffset, 0));
  }
  return new LogSegments(segments, 'test-0');
}

const baseOffsets = (segments: readonly Segment[]) => segments.map((s) => s.baseOffset);

describe('LogSegments', () => {
  it('finds the segment holding an offset: the last one starting at or below it', async () => {
    const segments = await threeSegments();
    const found = [0, 9, 10, 19, 20, 1_000].map((offset) => segments.segmentFor(offset));
    expect(baseOffsets(found)).toEqual([0, 0, 10, 10, 20, 20]);
    expect(segments.active.baseOffset).toBe(20);
    expect(segments.first.baseOffset).toBe(0);
    await segments.close();
  });

  it('finds the next segment by baseOffset, also after the ones before it were removed', async () => {
    const segments = await threeSegments();
    expect(segments.segmentAfter(0)?.baseOffset).toBe(10);
    expect(segments.segmentAfter(15)?.baseOffset).toBe(20);
    expect(segments.segmentAfter(20)).toBeUndefined();
    const removed = segments.removeOldest(1, 0);
    expect(baseOffsets(removed)).toEqual([0]);
    expect(segments.segmentAfter(0)?.baseOffset).toBe(10);
    for (const segment of removed) await segment.close();
    await segments.close();
  });

  it('gives the closed segments wholly below an offset, and where they end', async () => {
    const segments = await threeSegments();
    const below = (offset: number) => {
      const closed = segments.closedBelow(offset);
      return { baseOffsets: baseOffsets(closed.segments), endOffset: closed.endOffset };
    };
    expect(below(5)).toEqual({ baseOffsets: [], endOffset: 0 });
    expect(below(15)).toEqual({ baseOffsets: [0], endOffset: 10 });
    expect(below(1_000)).toEqual({ baseOffsets: [0, 10], endOffset: 20 });
    await segments.close();
  });

  it('removes the oldest segments and those below logStartOffset, never the active one', async () => {
    const segments = await threeSegments();
    const removed = segments.removeOldest(0, 1_000);
    expect(baseOffsets(removed)).toEqual([0, 10]);
    expect(segments.count).toBe(1);
    expect(segments.active.baseOffset).toBe(20);
    for (const segment of removed) await segment.close();
    await segments.close();
  });

  it('refuses reads once closed', async () => {
    const segments = await threeSegments();
    segments.checkOpen();
    await segments.close();
    expect(() => segments.checkOpen()).toThrow(/test-0: the log is closed/);
  });
});
