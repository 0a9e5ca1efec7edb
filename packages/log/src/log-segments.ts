/**
 * The ordered segments of one partition (Kafka's LogSegments): ascending by baseOffset, never
 * empty, the last one active. Lookups by offset, the roll that starts a new active segment,
 * and the removals retention and compaction make; no file I/O but closing.
 *
 * Concurrency: owned by one PartitionLog. The list only changes synchronously (`add`,
 * `removeOldest`, `replace`), so a caller that awaits between two lookups must look up by
 * baseOffset again, not by position. Reads `checkOpen` before each segment they touch.
 */
import { assert, kafkaError } from '@cairn/protocol';
import type { Segment } from './segment.js';

export interface SegmentInfo {
  baseOffset: number;
  nextOffset: number;
  sizeBytes: number;
  maxTimestamp: number;
  sealed: boolean;
}

export class LogSegments {
  private readonly segments: Segment[];
  /** The last segment, kept as a field: the writer reads it on every write. */
  #active: Segment;
  private closed = false;

  /** `segments` ascending by baseOffset, at least one; `name` is how messages name the log. */
  constructor(
    segments: Segment[],
    private readonly name: string,
  ) {
    assert(segments.length > 0, `${name}: a log without segments`);
    this.segments = segments;
    this.#active = segments.at(-1)!;
  }

  /** The segment appends go to. */
  get active(): Segment {
    return this.#active;
  }

  /** The oldest segment. */
  get first(): Segment {
    return this.segments[0]!;
  }

  get count(): number {
    return this.segments.length;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
  }

  /** Bytes of the segments' offset and time indexes (what their files hold once sealed). */
  get indexSizeBytes(): number {
    let sizeBytes = 0;
    for (const segment of this.segments) {
      sizeBytes += segment.offsetIndex.sizeBytes + segment.timeIndex.sizeBytes;
    }
    return sizeBytes;
  }

  /** A snapshot, oldest first; the last one is active. */
  infos(): SegmentInfo[] {
    return this.segments.map((segment) => ({
      baseOffset: segment.baseOffset,
      nextOffset: segment.nextOffset,
      sizeBytes: segment.sizeBytes,
      maxTimestamp: segment.maxTimestamp,
      sealed: segment.isSealed,
    }));
  }

  /** A copy of the list, oldest first, for work that awaits between segments. */
  toArray(): Segment[] {
    return this.segments.slice();
  }

  /** The segment holding `offset`: the last one whose baseOffset is <= it (else the first). */
  segmentFor(offset: number): Segment {
    return this.segments[this.segmentIndexFor(offset)]!;
  }

  /** The first segment whose baseOffset is above `baseOffset`, in the current list. */
  segmentAfter(baseOffset: number): Segment | undefined {
    const floor = this.segmentIndexFor(baseOffset);
    const candidate = this.segments[floor];
    if (candidate !== undefined && candidate.baseOffset > baseOffset) return candidate;
    return this.segments[floor + 1];
  }

  /** Segments with data to fsync (or index files to write) that start below `offset`. */
  needingFlushBelow(offset: number): Segment[] {
    return this.segments.filter((segment) => segment.needsFlush() && segment.baseOffset < offset);
  }

  /**
   * The closed segments, oldest first, whose every offset is below `offset` (the next
   * segment starts at or below it), and the baseOffset of the segment after them.
   */
  closedBelow(offset: number): { segments: Segment[]; endOffset: number } {
    const segments: Segment[] = [];
    for (const [segmentIndex, segment] of this.segments.entries()) {
      const next = this.segments[segmentIndex + 1];
      if (next === undefined || next.baseOffset > offset) break;
      segments.push(segment);
    }
    return { segments, endOffset: this.segments[segments.length]!.baseOffset };
  }

  /** Seals the active segment and makes `next`, which starts where it ends, the active one. */
  roll(next: Segment): void {
    const sealed = this.#active;
    assert(
      next.baseOffset === sealed.nextOffset,
      `roll to ${next.baseOffset} after ${sealed.nextOffset}`,
    );
    sealed.seal();
    this.segments.push(next);
    this.#active = next;
  }

  /**
   * Takes the `count` oldest segments, and after them any that lie wholly below
   * `logStartOffset`, out of the list and returns them; never the active segment.
   */
  removeOldest(count: number, logStartOffset: number): Segment[] {
    while (
      count < this.segments.length - 1 &&
      this.segments[count + 1]!.baseOffset <= logStartOffset
    ) {
      count += 1;
    }
    const removed = this.segments.splice(0, count);
    assert(this.segments.length > 0, 'retention deleted the active segment');
    return removed;
  }

  /** Puts a compacted segment in place of a closed one; the caller closes the old one. */
  replace(old: Segment, replacement: Segment): void {
    const segmentIndex = this.segments.indexOf(old);
    assert(segmentIndex >= 0 && segmentIndex < this.segments.length - 1, 'replace active segment');
    this.segments[segmentIndex] = replacement;
  }

  /** Throws KAFKA_STORAGE_ERROR once `close` has begun. */
  checkOpen(): void {
    if (this.closed) throw kafkaError('KAFKA_STORAGE_ERROR', `${this.name}: the log is closed`);
  }

  /** Refuses reads from now on and closes every segment once its reads finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const segment of this.segments) await segment.close();
  }

  /** The index of the last segment whose baseOffset is <= `offset` (0 when none). */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.segments[middle]!.baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
