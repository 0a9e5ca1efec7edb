// Proves cairn-dump-log on a real partition directory: `dump` prints every batch (and with
// --records every record) and index entry, `verify` passes a healthy directory and reports a
// damaged index and a flipped byte with exit code 1, and `rebuild-index` repairs the index.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDumpLog } from '../../src/cli/dump-log.js';
import { defaultLogConfig } from '../../src/config.js';
import { silentLogLogger } from '../../src/logger.js';
import { PartitionLog } from '../../src/partition-log.js';
import { segmentFileName } from '../../src/segment-files.js';
import { makeBatch } from '../helpers/batches.js';
import { makeTempDir } from '../helpers/temp-dir.js';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDumpLog(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

async function partitionDir() {
  const dir = join(await makeTempDir(), 'topic-0');
  const log = await PartitionLog.open(
    dir,
    { ...defaultLogConfig, segmentBytes: 800, indexIntervalBytes: 50 },
    { logger: silentLogLogger },
  );
  for (let index = 0; index < 20; index++) {
    await log.append(makeBatch({ keys: [`key-${index}`], values: [`value-${index}`] }));
  }
  await log.close();
  return dir;
}

describe('cairn-dump-log', () => {
  it('dumps batches, records and index entries', async () => {
    const dir = await partitionDir();
    const dumped = await run('dump', join(dir, segmentFileName(0, 'log')), '--records');
    expect(dumped.code).toBe(0);
    expect(dumped.out.filter((line) => line.startsWith('baseOffset: ')).length).toBeGreaterThan(5);
    expect(dumped.out).toContain(
      '| offset: 0 timestamp: 1000 keySize: 5 valueSize: 7 sequence: -1 headerKeys: [] ' +
        'key: key-0 payload: value-0',
    );
    const index = await run('dump', join(dir, segmentFileName(0, 'index')));
    expect(index.out[1]).toMatch(/^offset: \d+ position: \d+$/);
  });

  it('verifies a healthy directory and reports damage', async () => {
    const dir = await partitionDir();
    expect((await run('verify', dir)).out.at(-1)).toBe('OK');
    const indexPath = join(dir, segmentFileName(0, 'index'));
    const index = await readFile(indexPath);
    index.writeInt32BE(index.readInt32BE(4) + 1, 4);
    await writeFile(indexPath, index);
    const badIndex = await run('verify', dir);
    expect(badIndex.code).toBe(1);
    expect(badIndex.out.join('\n')).toMatch(/names no batch end/);
    const logPath = join(dir, segmentFileName(0, 'log'));
    const log = await readFile(logPath);
    log[100]! ^= 0xff;
    await writeFile(logPath, log);
    const verified = await run('verify', dir);
    expect(verified.code).toBe(1);
    expect(verified.out.join('\n')).toMatch(/bad_crc/);
  });

  it('rebuilds indexes that verify then accepts', async () => {
    const dir = await partitionDir();
    await writeFile(join(dir, segmentFileName(0, 'index')), Buffer.alloc(16, 1));
    expect((await run('verify', dir)).code).toBe(1);
    expect((await run('rebuild-index', dir)).code).toBe(0);
    expect((await run('verify', dir)).out.at(-1)).toBe('OK');
  });

  it('prints usage for an unknown command', async () => {
    const result = await run('explode');
    expect(result.code).toBe(2);
    expect(result.err[0]).toMatch(/usage/);
  });
});
