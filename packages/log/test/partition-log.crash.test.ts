// Proves acknowledged data survives a real crash: a child process (fixtures/crash-child.mjs,
// on the built package) appends with an fsync per acknowledgement and prints each acknowledged
// batch; the parent SIGKILLs it at a random moment, reopens the log (recovery), and checks that
// every acknowledged batch reads back at its offsets and that offsets stay dense. 20 rounds on
// the same directory, so each recovery starts from the last one's result.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readBaseOffset, readBatchSizeBytes, readLastOffset } from '@cairn/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLogConfig } from '../src/config.js';
import { silentLogLogger } from '../src/logger.js';
import { PartitionLog } from '../src/partition-log.js';
import { makeTempDir } from './helpers/temp-dir.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childPath = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const roundCount = 20;
const config = { ...defaultLogConfig, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 };

beforeAll(() => {
  // The child runs the built package: build it (incremental, fast when up to date).
  execFileSync(`${repoRoot}node_modules/.bin/tsc`, ['-b', 'packages/log'], { cwd: repoRoot });
}, 120_000);

interface Round {
  acknowledged: Array<[number, number]>;
}

/** Runs the child until a random moment after its first acknowledgement, then SIGKILLs it. */
function runAndKill(dir: string, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: Array<[number, number]> = [];
    let pending = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, base, last] = line.split(' ');
        if (kind === 'ack') acknowledged.push([Number(base), Number(last)]);
        if (kind === 'ack' && timer === undefined) {
          timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself: ${stderr}`));
      else resolve({ acknowledged });
    });
  });
}

/** All batches from logStartOffset as [baseOffset, lastOffset], checking they are dense. */
async function denseBatches(log: PartitionLog): Promise<Map<number, number>> {
  const batches = new Map<number, number>();
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1024 * 1024);
    for (let at = 0; at < records.length; at += readBatchSizeBytes(records, at)) {
      expect(readBaseOffset(records, at)).toBe(offset);
      batches.set(offset, readLastOffset(records, at));
      offset = readLastOffset(records, at) + 1;
    }
  }
  return batches;
}

describe('PartitionLog crash', () => {
  it(`keeps every acknowledged batch across ${roundCount} SIGKILLs`, async () => {
    const dir = await makeTempDir();
    let acknowledgedTotal = 0;
    for (let round = 0; round < roundCount; round++) {
      const { acknowledged } = await runAndKill(dir, Math.floor(Math.random() * 150));
      acknowledgedTotal += acknowledged.length;
      const log = await PartitionLog.open(dir, config, { logger: silentLogLogger });
      try {
        const batches = await denseBatches(log);
        for (const [baseOffset, lastOffset] of acknowledged) {
          expect(batches.get(baseOffset), `round ${round}: batch ${baseOffset}`).toBe(lastOffset);
        }
      } finally {
        await log.close();
      }
    }
    expect(acknowledgedTotal).toBeGreaterThan(roundCount);
  }, 120_000);
});
