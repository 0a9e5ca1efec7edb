/**
 * The offset index of one segment (Kafka's OffsetIndex): sparse, one entry after every
 * index.interval.bytes of batches, mapping an offset to the position of its batch in the .log
 * file. Each entry, big-endian:
 *
 *   offset  width  field
 *   0       4      relativeOffset   the batch's lastOffset minus the segment's baseOffset, int32
 *   4       4      position         byte position of that batch in the .log file, int32
 *
 * Both fields strictly increase from entry to entry. `lookup(target)` returns the last entry
 * whose offset is <= target: the batch holding the target starts at or after its position.
 * The entries are kept in memory in exactly this layout; the .index file is a copy of them.
 */
import { assert } from '@cairn/protocol';
import { indexBytesMax, relativeOffsetMax, segmentBytesMax } from './constants.js';

const RELATIVE_OFFSET_OFFSET = 0;
const POSITION_OFFSET = RELATIVE_OFFSET_OFFSET + 4;
export const OFFSET_INDEX_ENTRY_BYTES = POSITION_OFFSET + 4;

const initialEntryCount = 64;

export interface OffsetIndexEntry {
  offset: number;
  position: number;
}

export class OffsetIndex {
  private entries: Buffer;
  private count: number;

  /** `loaded` holds entries read from a file, already checked by `findOffsetIndexProblem`. */
  constructor(
    readonly baseOffset: number,
    loaded?: Buffer,
  ) {
    this.entries = loaded ?? Buffer.allocUnsafe(initialEntryCount * OFFSET_INDEX_ENTRY_BYTES);
    this.count = loaded === undefined ? 0 : loaded.length / OFFSET_INDEX_ENTRY_BYTES;
    assert(Number.isInteger(this.count), `offset index of ${loaded?.length} bytes`);
  }

  get entryCount(): number {
    return this.count;
  }

  get sizeBytes(): number {
    return this.count * OFFSET_INDEX_ENTRY_BYTES;
  }

  /** True when one more entry would pass Kafka's segment.index.bytes: the segment must roll. */
  isFull(): boolean {
    return this.sizeBytes + OFFSET_INDEX_ENTRY_BYTES > indexBytesMax;
  }

  remainingEntryCount(): number {
    return Math.floor((indexBytesMax - this.sizeBytes) / OFFSET_INDEX_ENTRY_BYTES);
  }

  append(offset: number, position: number): void {
    const relativeOffset = offset - this.baseOffset;
    const at = this.sizeBytes;
    // Hot path: messages are built only when a check fails.
    const increases =
      this.count === 0 ||
      (relativeOffset > this.entries.readInt32BE(at - OFFSET_INDEX_ENTRY_BYTES) &&
        position > this.entries.readInt32BE(at - OFFSET_INDEX_ENTRY_BYTES + POSITION_OFFSET));
    const fits =
      relativeOffset >= 0 &&
      relativeOffset <= relativeOffsetMax &&
      position >= 0 &&
      position <= segmentBytesMax &&
      !this.isFull();
    if (!increases || !fits) {
      assert(
        false,
        `index entry (${offset}, ${position}) after ${this.count} entries of ` +
          `segment ${this.baseOffset} does not increase or fit`,
      );
    }
    if (at === this.entries.length) this.grow();
    this.entries.writeInt32BE(relativeOffset, at + RELATIVE_OFFSET_OFFSET);
    this.entries.writeInt32BE(position, at + POSITION_OFFSET);
    this.count += 1;
    assert(this.count * OFFSET_INDEX_ENTRY_BYTES === at + OFFSET_INDEX_ENTRY_BYTES, 'index size');
  }

  /** The last entry with offset <= target; position 0 when there is none. */
  lookup(targetOffset: number): OffsetIndexEntry {
    const target = targetOffset - this.baseOffset;
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.relativeOffsetAt(middle) <= target) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(found);
  }

  /** The position of the last entry at or before `position`, or -1 (reads jump with it). */
  floorPosition(position: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entryPosition = this.entries.readInt32BE(
        middle * OFFSET_INDEX_ENTRY_BYTES + POSITION_OFFSET,
      );
      if (entryPosition <= position) {
        found = entryPosition;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  lastEntry(): OffsetIndexEntry | null {
    return this.count === 0 ? null : this.entryAt(this.count - 1);
  }

  entryAt(entryIndex: number): OffsetIndexEntry {
    assert(entryIndex >= 0 && entryIndex < this.count, `index entry ${entryIndex}`);
    const at = entryIndex * OFFSET_INDEX_ENTRY_BYTES;
    return {
      offset: this.baseOffset + this.entries.readInt32BE(at + RELATIVE_OFFSET_OFFSET),
      position: this.entries.readInt32BE(at + POSITION_OFFSET),
    };
  }

  /** The entries in the file layout, as a view (valid until the next append). */
  bytes(): Buffer {
    return this.entries.subarray(0, this.sizeBytes);
  }

  private relativeOffsetAt(entryIndex: number): number {
    return this.entries.readInt32BE(entryIndex * OFFSET_INDEX_ENTRY_BYTES + RELATIVE_OFFSET_OFFSET);
  }

  private grow(): void {
    const grown = Buffer.allocUnsafe(Math.max(this.entries.length * 2, OFFSET_INDEX_ENTRY_BYTES));
    this.entries.copy(grown, 0, 0, this.sizeBytes);
    this.entries = grown;
  }
}

/**
 * Checks bytes read from an .index file against its .log file: whole entries, offsets and
 * positions strictly increasing, positions inside the file. Returns the problem or null.
 */
export function findOffsetIndexProblem(bytes: Buffer, logSizeBytes: number): string | null {
  if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) {
    return `size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`;
  }
  if (bytes.length > indexBytesMax) return `size ${bytes.length} is over ${indexBytesMax}`;
  let previousOffset = -1;
  let previousPosition = -1;
  for (let at = 0; at < bytes.length; at += OFFSET_INDEX_ENTRY_BYTES) {
    const relativeOffset = bytes.readInt32BE(at + RELATIVE_OFFSET_OFFSET);
    const position = bytes.readInt32BE(at + POSITION_OFFSET);
    const entryIndex = at / OFFSET_INDEX_ENTRY_BYTES;
    if (relativeOffset <= previousOffset || position <= previousPosition) {
      return `entry ${entryIndex} (${relativeOffset}, ${position}) does not increase`;
    }
    if (position >= logSizeBytes) {
      return `entry ${entryIndex} points at ${position}, past the log's ${logSizeBytes} bytes`;
    }
    previousOffset = relativeOffset;
    previousPosition = position;
  }
  return null;
}
