// Proves producer ids never repeat, across restarts of the id manager too, by handing out ids
// from a real `producer-id-block` file in a temporary data dir and reopening it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKafkaError } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProducerIdManager,
  producerIdBlockFileName,
} from '../../src/producers/producer-id-manager.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-producer-ids-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function generate(manager: ProducerIdManager, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) ids.push(await manager.generateProducerId());
  return ids;
}

describe('ProducerIdManager', () => {
  it('starts at 0 in a fresh dir and reserves a block before handing out ids', async () => {
    const manager = await ProducerIdManager.open(dataDir, 10);
    expect(await generate(manager, 3)).toEqual([0, 1, 2]);
    const text = await readFile(join(dataDir, producerIdBlockFileName), 'utf8');
    expect(text).toBe('0\n10\n');
  });

  it('never repeats an id across restarts, each run skipping the rest of its block', async () => {
    const seen = new Set<number>();
    for (let run = 0; run < 4; run += 1) {
      // A restart is a new manager on the same dir; the old one is dropped as a crash would.
      const manager = await ProducerIdManager.open(dataDir, 10);
      for (const id of await generate(manager, 7 + run * 5)) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect(seen.size).toBe(7 + 12 + 17 + 22);
    const text = await readFile(join(dataDir, producerIdBlockFileName), 'utf8');
    expect(text).toBe(`0\n${10 + 20 + 20 + 30}\n`);
  });

  it('gives concurrent callers distinct ids with one write per block', async () => {
    const manager = await ProducerIdManager.open(dataDir, 100);
    const ids = await Promise.all(Array.from({ length: 250 }, () => manager.generateProducerId()));
    expect(new Set(ids).size).toBe(250);
    expect(Math.max(...ids)).toBe(249);
    const reopened = await ProducerIdManager.open(dataDir, 100);
    expect(await reopened.generateProducerId()).toBe(300);
  });

  it('ignores a temporary file left by a crash before its rename', async () => {
    await writeFile(join(dataDir, `${producerIdBlockFileName}.tmp`), '0\n5');
    const manager = await ProducerIdManager.open(dataDir, 10);
    expect(await manager.generateProducerId()).toBe(0);
  });

  it('refuses a block file it cannot parse instead of guessing', async () => {
    await writeFile(join(dataDir, producerIdBlockFileName), '0\n12x\n');
    const error = await ProducerIdManager.open(dataDir).catch((caught: unknown) => caught);
    expect(isKafkaError(error) && error.errorName).toBe('KAFKA_STORAGE_ERROR');
  });
});
