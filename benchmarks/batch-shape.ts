/**
 * How a producer batched its records, read back from the batch headers in a partition's
 * segment files (layout in @cairn/protocol's record-batch-header.ts), and a batch of that
 * shape: the log engine and the null broker then work with batches of the size the broker was
 * given. Only headers are read, one per batch; call it when no append is in flight, or the
 * last batch may be partial.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeRecordBatch,
  RECORD_BATCH_OVERHEAD,
  readBatchSizeBytes,
  readRecordCount,
} from '@cairn/protocol';

export interface BatchShape {
  batchCount: number;
  recordCount: number;
  sizeBytes: number;
}

export async function readBatchShape(partitionDir: string): Promise<BatchShape> {
  const names = (await readdir(partitionDir)).filter((name) => name.endsWith('.log')).sort();
  const shape: BatchShape = { batchCount: 0, recordCount: 0, sizeBytes: 0 };
  const header = Buffer.alloc(RECORD_BATCH_OVERHEAD);
  for (const name of names) {
    const file = await open(join(partitionDir, name), 'r');
    try {
      const end = (await file.stat()).size;
      for (let position = 0; position + RECORD_BATCH_OVERHEAD <= end; ) {
        await file.read(header, 0, RECORD_BATCH_OVERHEAD, position);
        const sizeBytes = readBatchSizeBytes(header);
        shape.batchCount += 1;
        shape.recordCount += readRecordCount(header);
        shape.sizeBytes += sizeBytes;
        position += sizeBytes;
      }
    } finally {
      await file.close();
    }
  }
  return shape;
}

/** Records per batch, rounded; at least 1. */
export function recordsPerBatch(shape: BatchShape): number {
  return Math.max(1, Math.round(shape.recordCount / Math.max(shape.batchCount, 1)));
}

/** One v2 batch of `recordCount` records with values of `recordBytes` bytes and no keys. */
export function batchOfShape(recordCount: number, recordBytes: number): Buffer {
  const records = Array.from({ length: recordCount }, (_, index) => ({
    value: Buffer.alloc(recordBytes, 0x61 + (index % 26)),
  }));
  return encodeRecordBatch({ records });
}
