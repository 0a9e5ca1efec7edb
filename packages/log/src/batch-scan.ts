/**
 * Walks the record batches of a .log file from a position, reading the file in chunks of
 * `scanChunkBytes` so a 1 GiB segment never sits in memory. Recovery, index rebuilds,
 * compaction, timestamp lookups and the dump tool share it. The batch header layout is drawn
 * in @cairn/protocol's record-batch-header.ts.
 *
 * With `verifyCrc` each batch is checked by `findBatchProblem` (length, magic, CRC-32C, counts);
 * without it only the header's length and magic are, for data already verified on append. A
 * problem stops the scan and is reported, never thrown: the bytes come from a disk.
 */
import {
  CURRENT_MAGIC,
  findBatchProblem,
  RECORD_BATCH_OVERHEAD,
  readBaseOffset,
  readBatchSizeBytes,
  readLastOffsetDelta,
  readMagic,
  readMaxTimestamp,
} from '@cairn/protocol';
import { batchBytesMax, scanChunkBytes } from './constants.js';
import type { LogFile } from './file-system.js';

export interface ScannedBatch {
  /** Byte position of the batch in the file. */
  position: number;
  sizeBytes: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** The chunk holding the batch and where in it the batch starts; valid during the visit. */
  chunk: Buffer;
  chunkPosition: number;
}

/** 'accept' moves on; 'stop' ends the scan before this batch; a problem ends it as corrupt. */
export type ScanVerdict = 'accept' | 'stop' | { problem: string };

export interface ScanOptions {
  from: number;
  /** Exclusive end of the bytes to scan, usually the file size. */
  end: number;
  verifyCrc: boolean;
  /** Called after the batches of each chunk were visited, before the next read. */
  afterChunk?: () => Promise<void>;
}

export interface ScanResult {
  /** Position after the last accepted batch: where valid data ends. */
  endPosition: number;
  /** Why the scan stopped early at `endPosition`; null when it reached `end` or was stopped. */
  problem: string | null;
}

export async function scanBatches(
  file: LogFile,
  options: ScanOptions,
  visit: (batch: ScannedBatch) => ScanVerdict,
): Promise<ScanResult> {
  const { end } = options;
  let chunk: Buffer = Buffer.allocUnsafe(Math.min(scanChunkBytes, Math.max(end - options.from, 0)));
  let chunkStart = options.from;
  let chunkLength = 0;
  let position = options.from;
  while (position < end) {
    let at = position - chunkStart;
    const headerProblem = checkRemaining(end - position);
    if (headerProblem !== null) return { endPosition: position, problem: headerProblem };
    if (chunkLength - at < RECORD_BATCH_OVERHEAD) {
      await options.afterChunk?.();
      ({ chunk, chunkLength } = await load(file, chunk, position, RECORD_BATCH_OVERHEAD, end));
      chunkStart = position;
      at = 0;
    }
    const sizeBytes = readBatchSizeBytes(chunk, at);
    const sizeProblem = checkSize(sizeBytes, end - position);
    if (sizeProblem !== null) return { endPosition: position, problem: sizeProblem };
    if (chunkLength - at < sizeBytes) {
      await options.afterChunk?.();
      ({ chunk, chunkLength } = await load(file, chunk, position, sizeBytes, end));
      chunkStart = position;
      at = 0;
    }
    const batch = describeBatch(chunk, at, sizeBytes, position, options.verifyCrc);
    if (typeof batch === 'string') return { endPosition: position, problem: batch };
    const verdict = visit(batch);
    if (verdict === 'stop') return { endPosition: position, problem: null };
    if (verdict !== 'accept') return { endPosition: position, problem: verdict.problem };
    position += sizeBytes;
  }
  await options.afterChunk?.();
  return { endPosition: position, problem: null };
}

function checkRemaining(remainingBytes: number): string | null {
  return remainingBytes < RECORD_BATCH_OVERHEAD
    ? `${remainingBytes} bytes at the end, fewer than a batch header`
    : null;
}

function checkSize(sizeBytes: number, remainingBytes: number): string | null {
  if (sizeBytes < RECORD_BATCH_OVERHEAD) return `batch size ${sizeBytes} is below a header`;
  if (sizeBytes > batchBytesMax) return `batch size ${sizeBytes} is over ${batchBytesMax}`;
  if (sizeBytes > remainingBytes) {
    return `batch size ${sizeBytes} runs past the end (${remainingBytes} bytes remain)`;
  }
  return null;
}

/** Reads at least `needed` bytes (as many as a chunk holds) at `position` into a chunk. */
async function load(
  file: LogFile,
  chunk: Buffer,
  position: number,
  needed: number,
  end: number,
): Promise<{ chunk: Buffer; chunkLength: number }> {
  const length = Math.min(Math.max(scanChunkBytes, needed), end - position);
  const target = length > chunk.length ? Buffer.allocUnsafe(length) : chunk;
  const chunkLength = await file.read(target, 0, length, position);
  if (chunkLength < needed) {
    throw new Error(`short read of ${file.path}: ${chunkLength} of ${needed} bytes at ${position}`);
  }
  return { chunk: target, chunkLength };
}

function describeBatch(
  chunk: Buffer,
  at: number,
  sizeBytes: number,
  position: number,
  verifyCrc: boolean,
): ScannedBatch | string {
  if (verifyCrc) {
    const problem = findBatchProblem(chunk, at, at + sizeBytes);
    if (problem !== null) return `${problem} at position ${position}`;
  } else if (readMagic(chunk, at) !== CURRENT_MAGIC || readLastOffsetDelta(chunk, at) < 0) {
    return `bad header at position ${position}`;
  }
  try {
    const baseOffset = readBaseOffset(chunk, at);
    const lastOffset = baseOffset + readLastOffsetDelta(chunk, at);
    const maxTimestamp = readMaxTimestamp(chunk, at);
    return { position, sizeBytes, baseOffset, lastOffset, maxTimestamp, chunk, chunkPosition: at };
  } catch {
    // readInt64At refuses values beyond 2^53: a damaged baseOffset or timestamp.
    return `baseOffset or maxTimestamp beyond 2^53 at position ${position}`;
  }
}
