/**
 * The Cairn client's CPU time per consumed record, for comparing changes to its consume path on
 * a shared, noisy machine where wall-clock rates swing:
 *
 *   node benchmarks/dist/client-consume-cost.js [--records N] [--record-bytes N]
 *     [--repetitions N] [--styles batch,iterator,message] [--client-module PATH]
 *     [--broker-script PATH]
 *
 * The broker runs from its CLI in a process of its own (broker-process.ts), so this process's
 * CPU time (process.cpuUsage: every thread, GC helpers included) is the client's alone. N
 * records of `record-bytes` are produced once with the Cairn producer, then read back from
 * offset 0 by a group-less consumer (assign) under client-bench's settings
 * (client-bench-cairn.ts), in each style: run({ eachBatch }) (what client-bench measures),
 * `for await` over the consumer, and run({ eachMessage }). Reported per style: the client's
 * CPU microseconds per record, user and system apart, and records/s, median and range over the
 * repetitions (the first pass of each style is a warm-up, not counted). `--client-module` loads
 * another build of the client (a copy of packages/client/dist/index.js) for an A/B comparison;
 * `--broker-script` runs another build of the broker's cli.js (one that stays put while the
 * working tree's broker changes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { brokerCliArgs, startBrokerProcess } from './broker-process.js';
import {
  fetchBytes,
  fetchMaxWaitMs,
  partitionFetchBytes,
  recordsPerSend,
  sendBatchBytes,
} from './client-bench-clients.js';
import { spreadOf } from './sample-stats.js';

type ClientModule = typeof import('@cairn/client');
type Style = 'batch' | 'iterator' | 'message';
const styles: readonly Style[] = ['batch', 'iterator', 'message'];

interface Sample {
  userMicros: number;
  systemMicros: number;
  recordsPerSecond: number;
  /** Minor page faults per 1,000 records: fresh memory the kernel had to map and zero. */
  pageFaultsPerThousand: number;
}

async function produce(
  client: ClientModule,
  bootstrap: string,
  topic: string,
  recordCount: number,
  recordBytes: number,
): Promise<void> {
  const admin = new client.Admin({ bootstrap: [bootstrap] });
  await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const producer = new client.Producer({
    bootstrap: [bootstrap],
    acks: 1,
    lingerMs: 5,
    batchBytes: sendBatchBytes,
    compression: 'none',
  });
  await producer.connect();
  const value = Buffer.alloc(recordBytes, 'x');
  const perSend = recordsPerSend(recordBytes);
  for (let sent = 0; sent < recordCount; sent += perSend) {
    const count = Math.min(perSend, recordCount - sent);
    await producer.send(
      topic,
      Array.from({ length: count }, () => ({ value })),
    );
  }
  await producer.close();
}

/** Reads `recordCount` records from offset 0 in `style`; the client's CPU time for it. */
async function consume(
  client: ClientModule,
  bootstrap: string,
  topic: string,
  recordCount: number,
  style: Style,
): Promise<Sample> {
  const startCpu = process.cpuUsage();
  const startFaults = process.resourceUsage().minorPageFault;
  const startMs = performance.now();
  const consumer = new client.Consumer({
    bootstrap: [bootstrap],
    clusterOptions: { clientId: 'client-consume-cost' },
    maxWaitMs: fetchMaxWaitMs,
    partitionMaxBytes: partitionFetchBytes,
    maxBytes: fetchBytes,
  });
  await consumer.assign([{ topic, partition: 0, offset: 0 }]);
  let seen = 0;
  let valueBytes = 0;
  if (style === 'iterator') {
    for await (const message of consumer) {
      valueBytes += message.value!.length;
      if (++seen === recordCount) break;
    }
  } else {
    await new Promise<void>((done, fail) => {
      const onValue = (value: Buffer) => {
        valueBytes += value.length;
        if (++seen === recordCount) done();
      };
      const running =
        style === 'batch'
          ? consumer.run({
              eachBatch: (batch) => {
                for (const message of batch.messages) onValue(message.value!);
              },
            })
          : consumer.run({ eachMessage: (message) => onValue(message.value!) });
      running.catch(fail);
    });
  }
  const seconds = (performance.now() - startMs) / 1000;
  await consumer.close();
  const cpu = process.cpuUsage(startCpu);
  const faults = process.resourceUsage().minorPageFault - startFaults;
  if (valueBytes === 0) throw new Error('no bytes consumed');
  return {
    userMicros: cpu.user / recordCount,
    systemMicros: cpu.system / recordCount,
    recordsPerSecond: recordCount / seconds,
    pageFaultsPerThousand: (faults / recordCount) * 1000,
  };
}

function format(samples: readonly Sample[], pick: (sample: Sample) => number, digits: number) {
  const { median, min, max } = spreadOf(samples.map(pick));
  return `${median.toFixed(digits)} [${min.toFixed(digits)}-${max.toFixed(digits)}]`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      records: { type: 'string' },
      'record-bytes': { type: 'string' },
      repetitions: { type: 'string' },
      styles: { type: 'string' },
      'client-module': { type: 'string' },
      'broker-script': { type: 'string' },
    },
  });
  const recordCount = Number(values.records ?? 300_000);
  const recordBytes = Number(values['record-bytes'] ?? 1024);
  const repetitions = Number(values.repetitions ?? 5);
  const chosen = (values.styles?.split(',') ?? styles) as Style[];
  for (const style of chosen) if (!styles.includes(style)) throw new Error(`style ${style}`);
  const modulePath = values['client-module'];
  const client = (await import(
    modulePath === undefined ? '@cairn/client' : pathToFileURL(resolve(modulePath)).href
  )) as ClientModule;
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-consume-cost-'));
  const root = join(import.meta.dirname, '..', '..');
  const broker = await startBrokerProcess({
    scriptPath: values['broker-script'] ?? join(root, 'packages', 'broker', 'dist', 'cli.js'),
    args: brokerCliArgs(join(workDir, 'data')),
    nodeArgs: [],
  });
  try {
    const topic = 'consume-cost';
    await produce(client, broker.bootstrap, topic, recordCount, recordBytes);
    console.error(`produced ${recordCount} records of ${recordBytes} bytes`);
    for (const style of chosen) {
      const samples: Sample[] = [];
      for (let index = 0; index <= repetitions; index++) {
        const sample = await consume(client, broker.bootstrap, topic, recordCount, style);
        if (index > 0) samples.push(sample);
        console.error(
          `${index === 0 ? 'warm-up' : `${index}/${repetitions}`} ${style}: ` +
            `user ${sample.userMicros.toFixed(3)} + system ${sample.systemMicros.toFixed(3)} ` +
            `us/record, ${Math.round(sample.recordsPerSecond)} records/s, ` +
            `${sample.pageFaultsPerThousand.toFixed(1)} page faults/1k records`,
        );
      }
      console.log(
        `${style.padEnd(8)} us/record: total ${format(samples, (s) => s.userMicros + s.systemMicros, 3)}` +
          `  user ${format(samples, (s) => s.userMicros, 3)}` +
          `  system ${format(samples, (s) => s.systemMicros, 3)}` +
          `  records/s ${format(samples, (s) => s.recordsPerSecond, 0)}` +
          `  page faults/1k records ${format(samples, (s) => s.pageFaultsPerThousand, 1)}`,
      );
    }
  } finally {
    await broker.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
