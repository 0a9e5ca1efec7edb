// Proves the time index keeps only rising timestamps, finds the last entry at or below a
// timestamp, reserves room for the entry sealing adds, and that findTimeIndexProblem catches
// damage: partial entries, falling timestamps or offsets, offsets past the segment.
import { describe, expect, it } from 'vitest';
import {
  findTimeIndexProblem,
  NO_TIMESTAMP,
  TIME_INDEX_ENTRY_BYTES,
  TimeIndex,
} from '../src/time-index.js';

describe('TimeIndex', () => {
  it('appends only timestamps above the last one', () => {
    const index = new TimeIndex(10);
    index.maybeAppend(NO_TIMESTAMP, 10);
    expect(index.entryCount).toBe(0);
    index.maybeAppend(500, 12);
    index.maybeAppend(500, 14);
    index.maybeAppend(400, 15);
    index.maybeAppend(700, 20);
    expect(index.entryCount).toBe(2);
    expect(index.lastEntry()).toEqual({ timestamp: 700, offset: 20 });
  });

  it('looks up the last entry at or below the timestamp', () => {
    const index = new TimeIndex(10);
    index.maybeAppend(500, 12);
    index.maybeAppend(700, 20);
    expect(index.lookup(100)).toEqual({ timestamp: NO_TIMESTAMP, offset: 10 });
    expect(index.lookup(500)).toEqual({ timestamp: 500, offset: 12 });
    expect(index.lookup(699)).toEqual({ timestamp: 500, offset: 12 });
    expect(index.lookup(10_000)).toEqual({ timestamp: 700, offset: 20 });
  });

  it('round-trips its bytes', () => {
    const index = new TimeIndex(10);
    index.maybeAppend(2 ** 40, 11);
    const loaded = new TimeIndex(10, Buffer.from(index.bytes()));
    expect(loaded.lastEntry()).toEqual({ timestamp: 2 ** 40, offset: 11 });
  });
});

describe('findTimeIndexProblem', () => {
  const entries = (...pairs: Array<[number, number]>) => {
    const bytes = Buffer.alloc(pairs.length * TIME_INDEX_ENTRY_BYTES);
    pairs.forEach(([timestamp, relative], entryIndex) => {
      bytes.writeBigInt64BE(BigInt(timestamp), entryIndex * 12);
      bytes.writeInt32BE(relative, entryIndex * 12 + 8);
    });
    return bytes;
  };

  it('accepts rising entries inside the segment', () => {
    expect(findTimeIndexProblem(entries([5, 0], [9, 0], [12, 3]), 100, 104)).toBeNull();
  });

  it('names each kind of damage', () => {
    expect(findTimeIndexProblem(Buffer.alloc(13), 0, 10)).toMatch(/multiple/);
    expect(findTimeIndexProblem(entries([5, 0], [5, 1]), 0, 10)).toMatch(/does not increase/);
    expect(findTimeIndexProblem(entries([5, 3], [6, 1]), 0, 10)).toMatch(/decreases/);
    expect(findTimeIndexProblem(entries([5, 10]), 0, 10)).toMatch(/past the end/);
    expect(findTimeIndexProblem(entries([-7, 0]), 0, 10)).toMatch(/does not increase/);
  });
});
