/**
 * The raw client (raw-client.ts) as load: one child process per run (raw-client-cli.ts), as
 * kcat.ts runs kcat, with its CPU time. `seconds` and `cpuSeconds` are the client's own, from
 * its first request to its last answer: Node's start-up (~0.1 s, most of a short run) is in
 * neither, but it is in `processSeconds` and `processCpuSeconds` (spawn to exit).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { reapedChildrenCpuSeconds } from './cpu-time.js';

export interface RawLoadRun {
  seconds: number;
  recordCount: number;
  cpuSeconds: number;
  /** Spawn to exit, and the client process's whole CPU time (NaN off Linux). */
  processSeconds: number;
  processCpuSeconds: number;
}

export interface RawBatchShape {
  recordsPerBatch: number;
  recordBytes: number;
}

const cliPath = join(import.meta.dirname, 'raw-client-cli.js');

function runRawClient(args: string[]): Promise<RawLoadRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`raw client ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
        return;
      }
      const run = JSON.parse(stdout) as {
        seconds: number;
        cpuSeconds: number;
        recordCount: number;
      };
      resolve({
        ...run,
        processSeconds: Number(process.hrtime.bigint() - start) / 1e9,
        processCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
      });
    });
  });
}

function shapeArgs(shape: RawBatchShape): string[] {
  return [
    '--records-per-batch',
    String(shape.recordsPerBatch),
    '--record-bytes',
    String(shape.recordBytes),
  ];
}

export interface RawProduceOptions {
  bootstrap: string;
  topic: string;
  shape: RawBatchShape;
  batchCount: number;
  window: number;
  acks: 1 | -1;
}

/** Produces `batchCount` batches of `shape` to partition 0 of `topic` (auto-created). */
export function rawProduceRun(options: RawProduceOptions): Promise<RawLoadRun> {
  return runRawClient([
    'produce',
    '--bootstrap',
    options.bootstrap,
    '--topic',
    options.topic,
    ...shapeArgs(options.shape),
    '--batch-count',
    String(options.batchCount),
    '--window',
    String(options.window),
    // In one argument: parseArgs would take a separate "-1" for an option.
    `--acks=${options.acks}`,
  ]);
}

export interface RawFetchOptions {
  bootstrap: string;
  topic: string;
  shape: RawBatchShape;
  endOffset: number;
  batchesPerFetch: number;
  window: number;
}

/** Fetches partition 0 of `topic` (batches of `shape` only) from offset 0 to `endOffset`. */
export function rawFetchRun(options: RawFetchOptions): Promise<RawLoadRun> {
  return runRawClient([
    'fetch',
    '--bootstrap',
    options.bootstrap,
    '--topic',
    options.topic,
    ...shapeArgs(options.shape),
    '--end-offset',
    String(options.endOffset),
    '--batches-per-fetch',
    String(options.batchesPerFetch),
    '--window',
    String(options.window),
  ]);
}
