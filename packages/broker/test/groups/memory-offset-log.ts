/**
 * An in-memory OffsetLog for state-machine tests: batches get offsets as a log assigns them
 * and everything is "flushed" at once. Persistence is tested against the real PartitionLog.
 */
import { readLastOffsetDelta, writeBaseOffset } from '@cairn/protocol';
import type { OffsetLog } from '../../src/groups/offsets-topic.js';

export class MemoryOffsetLog implements OffsetLog {
  readonly batches: { baseOffset: number; lastOffset: number; bytes: Buffer }[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  /** When set, the next append rejects with it. */
  failNextAppend: Error | null = null;

  async append(records: Buffer): Promise<{ baseOffset: number; lastOffset: number }> {
    if (this.failNextAppend !== null) {
      const error = this.failNextAppend;
      this.failNextAppend = null;
      throw error;
    }
    const bytes = Buffer.from(records);
    const baseOffset = this.logEndOffset;
    writeBaseOffset(bytes, baseOffset);
    const lastOffset = baseOffset + readLastOffsetDelta(bytes);
    this.batches.push({ baseOffset, lastOffset, bytes });
    this.logEndOffset = lastOffset + 1;
    return { baseOffset, lastOffset };
  }

  /** While set, flushes wait until it resolves (a slow disk). */
  flushGate: Promise<void> | null = null;

  async flushedTo(_offset: number): Promise<void> {
    await this.flushGate;
  }

  async read(offset: number, maxBytes: number): Promise<{ records: Buffer }> {
    const chunks: Buffer[] = [];
    let size = 0;
    for (const batch of this.batches) {
      if (batch.lastOffset < offset) continue;
      if (chunks.length > 0 && size + batch.bytes.length > maxBytes) break;
      chunks.push(batch.bytes);
      size += batch.bytes.length;
    }
    return { records: Buffer.concat(chunks) };
  }
}
