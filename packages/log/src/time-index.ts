/**
 * The time index of one segment (Kafka's TimeIndex): sparse, written with the offset index,
 * mapping the largest timestamp seen so far to the offset of the batch that carried it. Each
 * entry, big-endian:
 *
 *   offset  width  field
 *   0       8      timestamp        largest batch maxTimestamp so far in the segment, ms, int64
 *   8       4      relativeOffset   lastOffset of the batch with that timestamp minus baseOffset
 *
 * Timestamps strictly increase and offsets never decrease, so `lookup(t)` binary-searches the
 * last entry with timestamp <= t. Every batch before that entry's offset has a timestamp < t
 * (the entry holds the running maximum), so the first batch with maxTimestamp >= t is at or
 * after it: callers scan forward from there, as Kafka does. A closed segment's last entry is
 * its largest timestamp, which retention.ms compares with the clock.
 */
import { assert, readInt64At, writeInt64At } from '@cairn/protocol';
import { indexBytesMax, relativeOffsetMax } from './constants.js';

const TIMESTAMP_OFFSET = 0;
const RELATIVE_OFFSET_OFFSET = TIMESTAMP_OFFSET + 8;
export const TIME_INDEX_ENTRY_BYTES = RELATIVE_OFFSET_OFFSET + 4;

/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

const initialEntryCount = 16;

export interface TimeIndexEntry {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  private entries: Buffer;
  private count: number;

  /** `loaded` holds entries read from a file, already checked by `findTimeIndexProblem`. */
  constructor(
    readonly baseOffset: number,
    loaded?: Buffer,
  ) {
    this.entries = loaded ?? Buffer.allocUnsafe(initialEntryCount * TIME_INDEX_ENTRY_BYTES);
    this.count = loaded === undefined ? 0 : loaded.length / TIME_INDEX_ENTRY_BYTES;
    assert(Number.isInteger(this.count), `time index of ${loaded?.length} bytes`);
  }

  get entryCount(): number {
    return this.count;
  }

  get sizeBytes(): number {
    return this.count * TIME_INDEX_ENTRY_BYTES;
  }

  /** Entries appends may still add; one more is kept for the entry sealing adds. */
  remainingEntryCount(): number {
    return Math.floor((indexBytesMax - this.sizeBytes) / TIME_INDEX_ENTRY_BYTES) - 1;
  }

  /** Appends (timestamp, offset) when the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    if (timestamp <= (last?.timestamp ?? NO_TIMESTAMP)) return;
    const relativeOffset = offset - this.baseOffset;
    assert(
      relativeOffset >= 0 && relativeOffset <= relativeOffsetMax,
      `offset ${offset} does not fit the time index of segment ${this.baseOffset}`,
    );
    assert(last === null || offset >= last.offset, `time index offset ${offset} decreases`);
    const fits = this.sizeBytes + TIME_INDEX_ENTRY_BYTES <= indexBytesMax;
    assert(fits, `time index of ${this.baseOffset} is full`);
    if (this.sizeBytes === this.entries.length) this.grow();
    const at = this.sizeBytes;
    writeInt64At(this.entries, timestamp, at + TIMESTAMP_OFFSET);
    this.entries.writeInt32BE(relativeOffset, at + RELATIVE_OFFSET_OFFSET);
    this.count += 1;
    assert(this.count * TIME_INDEX_ENTRY_BYTES === at + TIME_INDEX_ENTRY_BYTES, 'time index size');
  }

  /** The last entry with timestamp <= target; (NO_TIMESTAMP, baseOffset) when there is none. */
  lookup(targetTimestamp: number): TimeIndexEntry {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.timestampAt(middle) <= targetTimestamp) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entryAt(found);
  }

  lastEntry(): TimeIndexEntry | null {
    return this.count === 0 ? null : this.entryAt(this.count - 1);
  }

  entryAt(entryIndex: number): TimeIndexEntry {
    assert(entryIndex >= 0 && entryIndex < this.count, `time index entry ${entryIndex}`);
    const at = entryIndex * TIME_INDEX_ENTRY_BYTES;
    return {
      timestamp: this.timestampAt(entryIndex),
      offset: this.baseOffset + this.entries.readInt32BE(at + RELATIVE_OFFSET_OFFSET),
    };
  }

  bytes(): Buffer {
    return this.entries.subarray(0, this.sizeBytes);
  }

  private timestampAt(entryIndex: number): number {
    return readInt64At(this.entries, entryIndex * TIME_INDEX_ENTRY_BYTES + TIMESTAMP_OFFSET);
  }

  private grow(): void {
    const grown = Buffer.allocUnsafe(Math.max(this.entries.length * 2, TIME_INDEX_ENTRY_BYTES));
    this.entries.copy(grown, 0, 0, this.sizeBytes);
    this.entries = grown;
  }
}

/**
 * Checks bytes read from a .timeindex file: whole entries, safe timestamps strictly
 * increasing, offsets never decreasing and below `nextOffset` (the segment's end).
 */
export function findTimeIndexProblem(
  bytes: Buffer,
  baseOffset: number,
  nextOffset: number,
): string | null {
  if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) {
    return `size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`;
  }
  if (bytes.length > indexBytesMax) return `size ${bytes.length} is over ${indexBytesMax}`;
  let previousTimestamp = NO_TIMESTAMP;
  let previousOffset = 0;
  for (let at = 0; at < bytes.length; at += TIME_INDEX_ENTRY_BYTES) {
    const entryIndex = at / TIME_INDEX_ENTRY_BYTES;
    const high = bytes.readInt32BE(at + TIMESTAMP_OFFSET);
    const timestamp = high * 2 ** 32 + bytes.readUInt32BE(at + TIMESTAMP_OFFSET + 4);
    const relativeOffset = bytes.readInt32BE(at + RELATIVE_OFFSET_OFFSET);
    if (!Number.isSafeInteger(timestamp) || timestamp <= previousTimestamp) {
      return `entry ${entryIndex} timestamp ${timestamp} does not increase`;
    }
    if (relativeOffset < previousOffset || baseOffset + relativeOffset >= nextOffset) {
      const offset = baseOffset + relativeOffset;
      return `entry ${entryIndex} offset ${offset} decreases or is past the end ${nextOffset}`;
    }
    previousTimestamp = timestamp;
    previousOffset = relativeOffset;
  }
  return null;
}
