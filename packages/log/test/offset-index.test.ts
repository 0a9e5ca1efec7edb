// Proves the offset index finds the last entry at or below any offset (checked against a
// linear scan by fast-check), refuses entries that do not increase, and that
// findOffsetIndexProblem catches every kind of damage recovery relies on it to catch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexBytesMax } from '../src/constants.js';
import {
  findOffsetIndexProblem,
  OFFSET_INDEX_ENTRY_BYTES,
  OffsetIndex,
} from '../src/offset-index.js';

describe('OffsetIndex', () => {
  it('looks up the last entry at or below the target', () => {
    const index = new OffsetIndex(100);
    index.append(105, 400);
    index.append(110, 900);
    expect(index.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(104)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(105)).toEqual({ offset: 105, position: 400 });
    expect(index.lookup(109)).toEqual({ offset: 105, position: 400 });
    expect(index.lookup(1_000)).toEqual({ offset: 110, position: 900 });
    expect(index.sizeBytes).toBe(2 * OFFSET_INDEX_ENTRY_BYTES);
  });

  it('agrees with a linear scan for any entries and target', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }),
        fc.integer({ min: -5, max: 10_100 }),
        (relativeOffsets, target) => {
          const sorted = [...relativeOffsets].sort((a, b) => a - b);
          const index = new OffsetIndex(1_000);
          sorted.forEach((relative, entryIndex) => {
            index.append(1_000 + relative, (entryIndex + 1) * 10);
          });
          let expected = { offset: 1_000, position: 0 };
          sorted.forEach((relative, entryIndex) => {
            if (1_000 + relative <= 1_000 + target) {
              expected = { offset: 1_000 + relative, position: (entryIndex + 1) * 10 };
            }
          });
          expect(index.lookup(1_000 + target)).toEqual(expected);
        },
      ),
    );
  });

  it('asserts that entries increase', () => {
    const index = new OffsetIndex(0);
    index.append(5, 100);
    expect(() => index.append(5, 200)).toThrow(/does not increase/);
    expect(() => index.append(6, 100)).toThrow(/does not increase/);
    expect(() => index.append(-1, 300)).toThrow(/does not increase or fit/);
  });

  it('finds the last entry at or before a position', () => {
    const index = new OffsetIndex(0);
    index.append(3, 100);
    index.append(9, 700);
    expect(index.floorPosition(99)).toBe(-1);
    expect(index.floorPosition(100)).toBe(100);
    expect(index.floorPosition(699)).toBe(100);
    expect(index.floorPosition(10_000)).toBe(700);
  });

  it('counts the entries left before segment.index.bytes', () => {
    const index = new OffsetIndex(0);
    expect(index.remainingEntryCount()).toBe(indexBytesMax / OFFSET_INDEX_ENTRY_BYTES);
    index.append(1, 1);
    expect(index.remainingEntryCount()).toBe(indexBytesMax / OFFSET_INDEX_ENTRY_BYTES - 1);
  });
});

describe('findOffsetIndexProblem', () => {
  const entries = (...pairs: Array<[number, number]>) => {
    const bytes = Buffer.alloc(pairs.length * OFFSET_INDEX_ENTRY_BYTES);
    pairs.forEach(([relative, position], entryIndex) => {
      bytes.writeInt32BE(relative, entryIndex * 8);
      bytes.writeInt32BE(position, entryIndex * 8 + 4);
    });
    return bytes;
  };

  it('accepts increasing entries inside the file', () => {
    expect(findOffsetIndexProblem(entries([1, 10], [5, 90]), 100)).toBeNull();
    expect(findOffsetIndexProblem(Buffer.alloc(0), 0)).toBeNull();
  });

  it('names partial entries, repeats, decreases and positions past the file', () => {
    expect(findOffsetIndexProblem(Buffer.alloc(7), 100)).toMatch(/multiple/);
    expect(findOffsetIndexProblem(entries([1, 10], [1, 20]), 100)).toMatch(/does not increase/);
    expect(findOffsetIndexProblem(entries([2, 10], [3, 5]), 100)).toMatch(/does not increase/);
    expect(findOffsetIndexProblem(entries([0, 0], [0, 0]), 100)).toMatch(/does not increase/);
    expect(findOffsetIndexProblem(entries([1, 100]), 100)).toMatch(/past the log/);
    expect(findOffsetIndexProblem(entries([-1, 10]), 100)).toMatch(/does not increase/);
  });
});
