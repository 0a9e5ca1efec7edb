/**
 * The broker's CPU time per record, for comparing changes to its hot paths on a shared,
 * noisy machine where wall-clock rates swing by 2x: `node benchmarks/dist/broker-cpu-cost.js
 * [--records N] [--repetitions N] [--cpu-prof-dir DIR] [--broker-script PATH]`. The broker runs from its CLI in its
 * own process; the raw client (raw-client.ts) produces N records with acks=1 in ~1 MB batches,
 * then fetches them back (`--broker-script` runs another build of the broker's cli.js, for an
 * A/B comparison run back to back). Reported per workload: the broker's CPU microseconds per record
 * (every thread: libuv's pool, GC), and its user-mode part alone (the kernel's part, page-cache
 * and socket copies, swings with the machine's writeback), median and range over the
 * repetitions, and the client's.
 *
 * Back of the envelope: per 1 MB batch (~9,000 records of 100 bytes) the broker copies the
 * frame once (~0.1 ms), checks its CRC (~0.1 ms native) and writes it to the page cache
 * (~0.3-1 ms of kernel time): ~0.05-0.15 us per record to produce; to fetch, one pread into a
 * new buffer and one socket write (~0.3-0.6 ms per MB): ~0.04-0.07 us per record.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBrokerProcess } from './broker-process.js';
import { processCpuSplit } from './cpu-time.js';
import { rawFetchRun, rawProduceRun } from './raw-load.js';
import { spreadOf } from './sample-stats.js';

const shape = { recordsPerBatch: 9_000, recordBytes: 100 };
const produceWindow = 8;
const fetchWindow = 4;
const batchesPerFetch = 1;

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      records: { type: 'string' },
      repetitions: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      'broker-script': { type: 'string' },
    },
  });
  const batchCount = Math.ceil(Number(values.records ?? 4_000_000) / shape.recordsPerBatch);
  const repetitions = Number(values.repetitions ?? 5);
  const profileDir = values['cpu-prof-dir'];
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-cpu-cost-'));
  const root = join(import.meta.dirname, '..', '..');
  const broker = await startBrokerProcess({
    scriptPath: values['broker-script'] ?? join(root, 'packages', 'broker', 'dist', 'cli.js'),
    args: [
      ...['--data-dir', join(workDir, 'data'), '--kafka', '127.0.0.1:0'],
      ...['--http', '127.0.0.1:0', '--log-level', 'info'],
    ],
    nodeArgs: profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  const samples = { produce: [] as number[], fetch: [] as number[] };
  const userSamples = { produce: [] as number[], fetch: [] as number[] };
  const clientSamples = { produce: [] as number[], fetch: [] as number[] };
  try {
    for (let index = 0; index <= repetitions; index++) {
      const topic = `cpu-cost-${index}`;
      const measure = async (
        name: 'produce' | 'fetch',
        run: () => Promise<{ recordCount: number; cpuSeconds: number; seconds: number }>,
      ) => {
        const before = processCpuSplit(broker.pid);
        const result = await run();
        const after = processCpuSplit(broker.pid);
        const perRecord = (seconds: number) => (seconds / result.recordCount) * 1e6;
        const userMicros = perRecord(after.userSeconds - before.userSeconds);
        const brokerMicros = userMicros + perRecord(after.systemSeconds - before.systemSeconds);
        const clientMicros = (result.cpuSeconds / result.recordCount) * 1e6;
        // Repetition 0 is the warm-up (JIT, page cache): not counted.
        if (index > 0) {
          samples[name].push(brokerMicros);
          userSamples[name].push(userMicros);
          clientSamples[name].push(clientMicros);
        }
        console.error(
          `${index === 0 ? 'warm-up' : `${index}/${repetitions}`} ${name}: ` +
            `${(result.recordCount / result.seconds / 1e6).toFixed(2)}M records/s, broker ` +
            `${brokerMicros.toFixed(3)} us/record (user ${userMicros.toFixed(3)}), client ${clientMicros.toFixed(3)} us/record`,
        );
        return result;
      };
      const bootstrap = broker.bootstrap;
      const produced = await measure('produce', () =>
        rawProduceRun({ bootstrap, topic, shape, batchCount, window: produceWindow, acks: 1 }),
      );
      await measure('fetch', () =>
        rawFetchRun({
          bootstrap,
          topic,
          shape,
          endOffset: produced.recordCount,
          batchesPerFetch,
          window: fetchWindow,
        }),
      );
    }
  } finally {
    await broker.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  for (const name of ['produce', 'fetch'] as const) {
    const spread = spreadOf(samples[name]);
    const user = spreadOf(userSamples[name]);
    const client = spreadOf(clientSamples[name]);
    console.log(
      `${name}: broker ${spread.median.toFixed(3)} us/record ` +
        `(${spread.min.toFixed(3)}-${spread.max.toFixed(3)}), of which user ` +
        `${user.median.toFixed(3)} (${user.min.toFixed(3)}-${user.max.toFixed(3)}); ` +
        `client ${client.median.toFixed(3)}`,
    );
  }
}

await main();
