// Proves the chunked scanner visits every batch of a real file across chunk boundaries
// (including a batch larger than a chunk), reports a torn tail and a flipped byte as a problem
// at the last whole batch, and stops where the visitor says.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBaseOffset } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { scanBatches } from '../src/batch-scan.js';
import { scanChunkBytes } from '../src/constants.js';
import { nodeFileSystem } from '../src/file-system.js';
import { makeBatch } from './helpers/batches.js';
import { makeTempDir } from './helpers/temp-dir.js';

async function fileOf(batches: Buffer[]) {
  let offset = 0;
  for (const batch of batches) {
    writeBaseOffset(batch, offset);
    offset += batch.readInt32BE(23) + 1;
  }
  const path = join(await makeTempDir(), 'scan.log');
  const bytes = Buffer.concat(batches);
  await writeFile(path, bytes);
  return { file: await nodeFileSystem.openFile(path, { create: false }), bytes };
}

describe('scanBatches', () => {
  it('visits every batch across chunk boundaries', async () => {
    const batches = [
      ...Array.from({ length: 30 }, () => makeBatch({ valueBytes: 50_000 })),
      makeBatch({ valueBytes: scanChunkBytes + 1000 }),
      makeBatch(),
    ];
    const { file, bytes } = await fileOf(batches);
    const seen: number[] = [];
    const result = await scanBatches(
      file,
      { from: 0, end: bytes.length, verifyCrc: true },
      (batch) => {
        seen.push(batch.baseOffset);
        return 'accept';
      },
    );
    expect(result).toEqual({ endPosition: bytes.length, problem: null });
    expect(seen).toEqual(Array.from({ length: 32 }, (_, index) => index));
    await file.close();
  });

  it('reports a torn tail and a flipped byte at the last whole batch', async () => {
    const { file, bytes } = await fileOf([makeBatch(), makeBatch(), makeBatch()]);
    const third = bytes.length - makeBatch().length;
    const torn = await scanBatches(
      file,
      { from: 0, end: bytes.length - 3, verifyCrc: true },
      () => 'accept',
    );
    expect(torn.endPosition).toBe(third);
    expect(torn.problem).toMatch(/runs past the end/);
    await file.write([Buffer.from([bytes[third + 70]! ^ 0x40])], third + 70);
    const flipped = await scanBatches(
      file,
      { from: 0, end: bytes.length, verifyCrc: true },
      () => 'accept',
    );
    expect(flipped.endPosition).toBe(third);
    expect(flipped.problem).toMatch(/bad_crc/);
    await file.close();
  });

  it('stops before the batch the visitor refuses', async () => {
    const { file, bytes } = await fileOf([makeBatch(), makeBatch(), makeBatch()]);
    const result = await scanBatches(
      file,
      { from: 0, end: bytes.length, verifyCrc: false },
      (batch) => (batch.baseOffset === 1 ? 'stop' : 'accept'),
    );
    expect(result).toEqual({ endPosition: makeBatch().length, problem: null });
    await file.close();
  });
});
