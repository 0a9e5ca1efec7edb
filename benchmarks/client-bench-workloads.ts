/**
 * client-bench's workloads, one piece of application code over any client adapter
 * (client-bench-clients.ts). A job runs one workload for one client: `warmups` untimed passes,
 * then `repetitions` timed ones, in the process that calls `runJob` (the worker child in a
 * benchmark run, the test process in the smoke test).
 *
 *   produce   `recordCount` values of `recordBytes`, handed to the client in send calls of up
 *             to `sendBatchBytes`, at most `sendWindow` calls in flight (Kafka's
 *             max.in.flight.requests.per.connection); timed from the first call to the last
 *             acknowledgement. The messages are built before the clock starts.
 *   consume   a fresh consumer reads a pre-filled topic of `recordCount` records from its
 *             beginning; timed from the first record delivered to the last, so a group join (for
 *             clients that cannot consume without a group) is not counted.
 *   latency   client-bench-latency.ts.
 */
import { assert } from '@cairn/protocol';
import {
  type Acks,
  type BenchClient,
  type BenchProducer,
  type ClientName,
  type PreparedSend,
  recordsPerSend,
} from './client-bench-clients.js';
import {
  type LatencySample,
  type LatencySettings,
  measureLatency,
} from './client-bench-latency.js';
import { type CpuSample, startCpuMeter } from './client-bench-meter.js';
import { deferred } from './deferred.js';

export const workloadNames = [
  'produce-100b-acks1',
  'produce-1kib-acks1',
  'produce-100b-acksall',
  'consume-100b',
  'consume-1kib',
  'latency-100b',
] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type WorkloadSpec =
  | { kind: 'produce'; recordBytes: number; acks: Acks }
  | { kind: 'consume'; recordBytes: number }
  | { kind: 'latency'; recordBytes: number };

export const workloadSpecs: Record<WorkloadName, WorkloadSpec> = {
  'produce-100b-acks1': { kind: 'produce', recordBytes: 100, acks: 1 },
  'produce-1kib-acks1': { kind: 'produce', recordBytes: 1024, acks: 1 },
  'produce-100b-acksall': { kind: 'produce', recordBytes: 100, acks: -1 },
  'consume-100b': { kind: 'consume', recordBytes: 100 },
  'consume-1kib': { kind: 'consume', recordBytes: 1024 },
  'latency-100b': { kind: 'latency', recordBytes: 100 },
};

/** Send calls in flight at once: Kafka's max.in.flight.requests.per.connection default. */
export const sendWindow = 5;
/** linger.ms for clients that have one, in the throughput runs (Kafka 4's default). */
export const throughputLingerMs = 5;
/** A consume pass that has not seen every record by then has failed. */
const consumeTimeoutMs = 120_000;
/** Digits of the record index written at the start of each value, so records differ. */
const indexDigits = 12;

export interface Job {
  client: ClientName;
  workload: WorkloadName;
  bootstrap: string;
  /** The broker's pid when it runs as a process of its own, for its CPU time. */
  brokerPid?: number;
  topic: string;
  /** Records per produce pass, or in the pre-filled topic a consume pass reads. */
  recordCount: number;
  warmups: number;
  repetitions: number;
  latency: LatencySettings;
}

export interface ThroughputSample extends CpuSample {
  recordCount: number;
  seconds: number;
}

export type Sample = ThroughputSample | LatencySample;

export interface JobResult {
  client: ClientName;
  workload: WorkloadName;
  samples: Sample[];
}

export async function runJob(job: Job, client: BenchClient): Promise<JobResult> {
  assert(client.name === job.client, `job for ${job.client} given the ${client.name} adapter`);
  const spec = workloadSpecs[job.workload];
  const passes = job.warmups + job.repetitions;
  const samples: Sample[] = [];
  if (spec.kind === 'latency') {
    samples.push(...(await measureLatency(client, job, spec.recordBytes)));
  } else if (spec.kind === 'produce') {
    const producer = await client.producer({
      bootstrap: job.bootstrap,
      acks: spec.acks,
      lingerMs: throughputLingerMs,
    });
    try {
      const values = recordValues(job.recordCount, spec.recordBytes);
      for (let pass = 0; pass < passes; pass++) {
        const sample = await produceOnce(producer, job, values, recordsPerSend(spec.recordBytes));
        if (pass >= job.warmups) samples.push(sample);
      }
    } finally {
      await producer.close();
    }
  } else {
    for (let pass = 0; pass < passes; pass++) {
      const sample = await consumeOnce(client, job, `client-bench-${job.client}-${pass}`);
      if (pass >= job.warmups) samples.push(sample);
    }
  }
  return { client: job.client, workload: job.workload, samples };
}

/** `count` values of `recordBytes`, views of one buffer, each starting with its index. */
export function recordValues(count: number, recordBytes: number): Buffer[] {
  assert(recordBytes >= indexDigits, `values of ${recordBytes} bytes cannot hold their index`);
  const all = Buffer.alloc(count * recordBytes, 'x');
  const values: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const value = all.subarray(index * recordBytes, (index + 1) * recordBytes);
    value.write(String(index).padStart(indexDigits, '0'), 'latin1');
    values.push(value);
  }
  return values;
}

async function produceOnce(
  producer: BenchProducer,
  job: Job,
  values: readonly Buffer[],
  perSend: number,
): Promise<ThroughputSample> {
  const sends: PreparedSend[] = [];
  for (let first = 0; first < values.length; first += perSend) {
    sends.push(producer.prepare(job.topic, values.slice(first, first + perSend)));
  }
  const meter = startCpuMeter(job.brokerPid);
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < sends.length) await sends[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(sendWindow, sends.length) }, lane));
  const seconds = (performance.now() - start) / 1000;
  return { recordCount: values.length, seconds, ...meter.stop() };
}

async function consumeOnce(
  client: BenchClient,
  job: Job,
  groupId: string,
): Promise<ThroughputSample> {
  const { promise: done, resolve, reject } = deferred();
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  let meter = startCpuMeter(job.brokerPid);
  let cpu: CpuSample | undefined;
  const onValue = (value: Buffer) => {
    if (value.length === 0) reject(new Error(`${job.topic}: empty value at ${received}`));
    received++;
    if (received === 1) {
      firstAt = performance.now();
      meter = startCpuMeter(job.brokerPid);
    }
    if (received === job.recordCount) {
      lastAt = performance.now();
      cpu = meter.stop();
      resolve();
    }
  };
  const settings = {
    bootstrap: job.bootstrap,
    topic: job.topic,
    groupId,
    from: 'earliest' as const,
  };
  const consumer = await client.consumer(settings, onValue, reject);
  const timer = setTimeout(() => {
    reject(new Error(`${job.topic}: ${received} of ${job.recordCount} records consumed`));
  }, consumeTimeoutMs);
  try {
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  assert(cpu !== undefined, 'consumed every record without stopping the meter');
  // The first record starts the clock, so the records timed are the ones after it.
  return { recordCount: job.recordCount - 1, seconds: (lastAt - firstAt) / 1000, ...cpu };
}
