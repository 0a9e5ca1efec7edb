/**
 * What this machine allows, measured in the same run as the workloads so every throughput can
 * be read as a fraction of it:
 *
 * - sequential disk write into the page cache (1 MiB writes, no fsync): the ceiling of a
 *   produce with acks=1, whose data is written and not yet synced;
 * - sequential disk write with an fsync after each 1 MiB: the ceiling of acks=all (Cairn
 *   fsyncs batches; group commit shares one fsync among several);
 * - fsync latency of a 4 KiB write (median and p99): the floor of an acks=all round trip;
 * - loopback TCP throughput from this process to a Node process (256 KiB writes, read into
 *   one reused buffer): the ceiling of moving bytes between a Node broker and a client, for
 *   consume, fan-out, replay.
 *
 * The files go where the targets keep their data (the run's work directory), so they meet
 * the same file system.
 */
import { spawn } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { diskProbeChunkBytes, fsyncProbeWriteBytes, tcpProbeChunkBytes } from './constants.js';
import { spreadOf } from './stats.js';

export interface MachineLimits {
  /** Sequential write to the page cache, bytes/s. */
  diskWriteBytesPerSecond: number;
  /** Sequential write with an fsync after each chunk, bytes/s. */
  diskWriteFsyncBytesPerSecond: number;
  fsyncMicros: { median: number; p99: number; count: number };
  /** Loopback TCP, one connection, bytes/s. */
  loopbackTcpBytesPerSecond: number;
}

export interface LimitProbeSizes {
  diskBytes: number;
  fsyncedBytes: number;
  fsyncCount: number;
  tcpSeconds: number;
}

export const quickProbeSizes: LimitProbeSizes = {
  diskBytes: 128 * 1024 * 1024,
  fsyncedBytes: 16 * 1024 * 1024,
  fsyncCount: 50,
  tcpSeconds: 0.5,
};

export const defaultProbeSizes: LimitProbeSizes = {
  diskBytes: 1024 * 1024 * 1024,
  fsyncedBytes: 128 * 1024 * 1024,
  fsyncCount: 200,
  tcpSeconds: 2,
};

async function writeSequentially(path: string, totalBytes: number, fsyncEach: boolean) {
  const chunk = Buffer.alloc(diskProbeChunkBytes, 0x61);
  const file = await open(path, 'w');
  try {
    const start = performance.now();
    for (let written = 0; written < totalBytes; written += chunk.length) {
      await file.write(chunk, 0, chunk.length);
      if (fsyncEach) await file.datasync();
    }
    return totalBytes / ((performance.now() - start) / 1000);
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
}

async function fsyncLatency(path: string, count: number) {
  const block = Buffer.alloc(fsyncProbeWriteBytes, 0x62);
  const file = await open(path, 'w');
  const micros: number[] = [];
  try {
    for (let index = 0; index < count; index++) {
      await file.write(block, 0, block.length);
      const start = performance.now();
      await file.datasync();
      micros.push((performance.now() - start) * 1000);
    }
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
  const sorted = [...micros].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
  return { median: spreadOf(micros).median, p99, count };
}

/**
 * The receiving end of the TCP probe, in its own process (as a broker is): prints its port,
 * counts bytes, and prints the count when the sender ends the connection.
 */
/**
 * The receiver connects and reads into one reused buffer (`onread`), as a lean client does,
 * so the figure is the socket's, not the allocation and GC of a new buffer per chunk.
 */
const tcpReceiverScript = `
const net = require('node:net');
let received = 0;
const onread = { buffer: Buffer.allocUnsafe(${tcpProbeChunkBytes}), callback: (n) => { received += n; return true; } };
const socket = net.connect({ port: Number(process.argv[1]), host: '127.0.0.1', onread });
socket.on('end', () => { process.stdout.write(received + '\\n'); process.exit(0); });
`;

/** Streams for `seconds` as fast as the socket drains; bytes/s the receiver counted. */
export async function loopbackTcp(seconds: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const receiver = spawn(process.execPath, ['-e', tcpReceiverScript, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: receiver.stdout! })[Symbol.asyncIterator]();
  const sender = await accepted;
  server.close();
  const chunk = Buffer.alloc(tcpProbeChunkBytes, 0x63);
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    if (!sender.write(chunk)) await new Promise<void>((resolve) => sender.once('drain', resolve));
  }
  sender.end();
  const received = Number((await lines.next()).value);
  const elapsedSeconds = (performance.now() - start) / 1000;
  receiver.kill();
  return received / elapsedSeconds;
}

export async function measureMachineLimits(
  workDir: string,
  sizes: LimitProbeSizes,
): Promise<MachineLimits> {
  const path = join(workDir, 'machine-limits.bin');
  return {
    diskWriteBytesPerSecond: await writeSequentially(path, sizes.diskBytes, false),
    diskWriteFsyncBytesPerSecond: await writeSequentially(path, sizes.fsyncedBytes, true),
    fsyncMicros: await fsyncLatency(path, sizes.fsyncCount),
    loopbackTcpBytesPerSecond: await loopbackTcp(sizes.tcpSeconds),
  };
}
