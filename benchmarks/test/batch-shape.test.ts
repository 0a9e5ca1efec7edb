// Proves readBatchShape counts the batches, records and bytes a partition's segment files hold,
// across a roll, by writing known batches through PartitionLog and reading the headers back;
// and that the record file kcat produces from has one line of the asked size per record.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig, PartitionLog, silentLogLogger } from '@cairn/log';
import { encodeRecordBatch } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBatchShape, recordsPerBatch } from '../batch-shape.js';
import { writeRecordFile } from '../record-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-batch-shape-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function batchOf(recordCount: number): Buffer {
  const records = Array.from({ length: recordCount }, () => ({ value: Buffer.alloc(100) }));
  return encodeRecordBatch({ records });
}

describe('readBatchShape', () => {
  it('sums every batch header of every segment', async () => {
    const log = await PartitionLog.open(dir, defaultLogConfig, { logger: silentLogLogger });
    const batches = [batchOf(3), batchOf(5), batchOf(7)];
    const sizeBytes = batches.reduce((sum, batch) => sum + batch.length, 0);
    await log.append(batches[0]!);
    await log.roll();
    await log.append(batches[1]!);
    await log.append(batches[2]!);
    await log.close();
    const shape = await readBatchShape(dir);
    expect(shape).toEqual({ batchCount: 3, recordCount: 15, sizeBytes });
    expect(recordsPerBatch(shape)).toBe(5);
  });

  it('reads an empty partition as no batches', async () => {
    expect(await readBatchShape(dir)).toEqual({ batchCount: 0, recordCount: 0, sizeBytes: 0 });
  });
});

describe('writeRecordFile', () => {
  it('writes one numbered line of recordBytes per record', async () => {
    const path = join(dir, 'records.txt');
    await writeRecordFile(path, 10_003, 100);
    const lines = (await readFile(path, 'latin1')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(10_003);
    expect(lines.every((line) => line.length === 100)).toBe(true);
    expect(lines[10_002]!.startsWith('000000010002x')).toBe(true);
  });
});
