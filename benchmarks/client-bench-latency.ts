/**
 * End-to-end latency at a fixed rate: one producer and one consumer of the same client in one
 * process, so send and receive times are read on one clock. Record `index` is due at
 * `start + index / ratePerSecond`; every tick (~1 ms) sends the records that are due in one send
 * call, without waiting for earlier ones. A record's latency is its arrival at the consumer
 * minus the time it was due, not the time it was sent: when the client (or the event loop it
 * shares) falls behind, the records it delayed count the delay, so the percentiles are corrected
 * for coordinated omission. Kept in an HDR histogram (microseconds, 3 significant digits).
 *
 * Value layout (little-endian):
 *
 *   offset 0   float64  due time, ms on this process's performance.now() clock
 *   offset 8   uint32   phase: 0 readiness probe, 1 warm-up, 2 + r measured repetition r
 *   offset 12  filler up to recordBytes
 *
 * The consumer starts at the end of the topic; probes are sent until one arrives, so the group
 * join of clients that need one is over before the schedule starts. Then one continuous
 * schedule runs the warm-up and each repetition back to back; records of a phase land in that
 * phase's histogram. Linger is 0 for every client here: each tick's records go out at once.
 *
 * Each record's send lag (the tick that sent it minus its due time) is kept as well: at least
 * the wait for the next 1 ms tick, more when the process did not run on time (a GC pause, its
 * own work, or, on a busy machine, another process on the core). When the send lag's p99 is
 * close to the latency's, the tail happened before the client library was called.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { BenchClient } from './client-bench-clients.js';
import { type CpuMeter, type CpuSample, startCpuMeter } from './client-bench-meter.js';
import type { Job } from './client-bench-workloads.js';
import { deferred } from './deferred.js';

const DUE_TIME_OFFSET = 0;
const PHASE_OFFSET = DUE_TIME_OFFSET + 8;
const FILLER_OFFSET = PHASE_OFFSET + 4;

const probePhase = 0;
const warmupPhase = 1;
const firstMeasuredPhase = 2;

const tickMs = 1;
const probeIntervalMs = 50;
/** The consumer must see a probe by then (a group join included). */
const consumerReadyTimeoutMs = 30_000;
/** After the schedule ends, records still in flight have this long to arrive. */
const drainTimeoutMs = 10_000;
/** The histogram's range: 1 us to 60 s. */
const latencyUsMax = 60_000_000;

export interface LatencySettings {
  ratePerSecond: number;
  warmupSeconds: number;
  measureSeconds: number;
}

export interface LatencySample extends CpuSample {
  /** Records of the repetition that arrived. */
  recordCount: number;
  seconds: number;
  sentCount: number;
  lostCount: number;
  sendErrorCount: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Send lag (see above): how late the ticks were, at p99. */
  sendLagP99Ms: number;
}

interface PhaseCounts {
  sent: number;
  received: number;
  histogram: Histogram;
  sendLag: Histogram;
}

export async function measureLatency(
  client: BenchClient,
  job: Job,
  recordBytes: number,
): Promise<LatencySample[]> {
  const settings = job.latency;
  const phaseCount = firstMeasuredPhase + job.repetitions;
  const histogram = () => build({ lowestDiscernibleValue: 1, highestTrackableValue: latencyUsMax });
  const phases: PhaseCounts[] = Array.from({ length: phaseCount }, () => ({
    sent: 0,
    received: 0,
    histogram: histogram(),
    sendLag: histogram(),
  }));
  const ready = deferred();
  const failed = deferred();
  // Raced at every wait below; marked handled so a failure between waits is not fatal.
  failed.promise.catch(() => {});
  const onValue = (value: Buffer) => {
    const phase = phases[value.readUInt32LE(PHASE_OFFSET)]!;
    const latencyMs = performance.now() - value.readDoubleLE(DUE_TIME_OFFSET);
    phase.received++;
    phase.histogram.recordValue(microseconds(latencyMs));
    if (phase === phases[probePhase]) ready.resolve();
  };
  const consumer = await client.consumer(
    { bootstrap: job.bootstrap, topic: job.topic, groupId: 'client-bench-latency', from: 'latest' },
    onValue,
    failed.reject,
  );
  const producer = await client.producer({ bootstrap: job.bootstrap, acks: 1, lingerMs: 0 });
  let sendErrorCount = 0;
  const send = (values: Buffer[]) => {
    producer
      .prepare(job.topic, values)()
      .catch(() => {
        sendErrorCount++;
      });
  };
  const makeValue = (dueMs: number, phase: number) => {
    const value = Buffer.alloc(recordBytes, 'x');
    value.writeDoubleLE(dueMs, DUE_TIME_OFFSET);
    value.writeUInt32LE(phase, PHASE_OFFSET);
    value.fill('y', FILLER_OFFSET);
    return value;
  };
  try {
    await waitForProbe(send, makeValue, ready.promise, failed.promise);
    const meters = await runSchedule(settings, job, phases, send, makeValue, failed.promise);
    await drain(phases, failed.promise);
    return meters.map((cpu, repetition) =>
      latencySample(phases[firstMeasuredPhase + repetition]!, settings, cpu, sendErrorCount),
    );
  } finally {
    await producer.close();
    await consumer.close();
  }
}

async function waitForProbe(
  send: (values: Buffer[]) => void,
  makeValue: (dueMs: number, phase: number) => Buffer,
  ready: Promise<void>,
  failed: Promise<void>,
): Promise<void> {
  const timer = setInterval(
    () => send([makeValue(performance.now(), probePhase)]),
    probeIntervalMs,
  );
  const timeout = new Promise<void>((_, reject) => {
    setTimeout(
      () => reject(new Error('the consumer saw no probe')),
      consumerReadyTimeoutMs,
    ).unref();
  });
  send([makeValue(performance.now(), probePhase)]);
  try {
    await Promise.race([ready, failed, timeout]);
  } finally {
    clearInterval(timer);
  }
}

/** Sends on schedule; resolves with each measured repetition's CPU once all are sent. */
function runSchedule(
  settings: LatencySettings,
  job: Job,
  phases: PhaseCounts[],
  send: (values: Buffer[]) => void,
  makeValue: (dueMs: number, phase: number) => Buffer,
  failed: Promise<void>,
): Promise<CpuSample[]> {
  const intervalMs = 1000 / settings.ratePerSecond;
  const warmupCount = Math.round(settings.warmupSeconds * settings.ratePerSecond);
  const repetitionCount = Math.round(settings.measureSeconds * settings.ratePerSecond);
  const totalCount = warmupCount + repetitionCount * job.repetitions;
  const phaseOf = (index: number) =>
    index < warmupCount
      ? warmupPhase
      : firstMeasuredPhase + Math.floor((index - warmupCount) / repetitionCount);
  const cpu: CpuSample[] = [];
  let meter: CpuMeter | undefined;
  let currentPhase = warmupPhase;
  const startMs = performance.now();
  let next = 0;
  const { promise: sent, resolve } = deferred();
  const tick = () => {
    const now = performance.now();
    const due: Buffer[] = [];
    while (next < totalCount && startMs + next * intervalMs <= now) {
      const phase = phaseOf(next);
      if (phase !== currentPhase) {
        if (meter !== undefined) cpu.push(meter.stop());
        meter = startCpuMeter(job.brokerPid);
        currentPhase = phase;
      }
      const dueMs = startMs + next * intervalMs;
      due.push(makeValue(dueMs, phase));
      phases[phase]!.sent++;
      phases[phase]!.sendLag.recordValue(microseconds(now - dueMs));
      next++;
    }
    if (due.length > 0) send(due);
    if (next < totalCount) return;
    clearInterval(timer);
    if (meter !== undefined) cpu.push(meter.stop());
    resolve();
  };
  const timer = setInterval(tick, tickMs);
  return Promise.race([sent, failed]).then(() => cpu);
}

/** A histogram value: `ms` in whole microseconds, within the histogram's range. */
function microseconds(ms: number): number {
  return Math.min(Math.max(1, Math.round(ms * 1000)), latencyUsMax);
}

async function drain(phases: PhaseCounts[], failed: Promise<void>): Promise<void> {
  const deadline = performance.now() + drainTimeoutMs;
  const pending = () => phases.slice(warmupPhase).some((phase) => phase.received < phase.sent);
  while (pending() && performance.now() < deadline) {
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 10))]);
  }
}

function latencySample(
  phase: PhaseCounts,
  settings: LatencySettings,
  cpu: CpuSample,
  sendErrorCount: number,
): LatencySample {
  const ms = (percentile: number) => phase.histogram.getValueAtPercentile(percentile) / 1000;
  return {
    recordCount: phase.received,
    seconds: settings.measureSeconds,
    sentCount: phase.sent,
    lostCount: phase.sent - phase.received,
    sendErrorCount,
    p50Ms: ms(50),
    p99Ms: ms(99),
    p999Ms: ms(99.9),
    maxMs: phase.histogram.maxValue / 1000,
    sendLagP99Ms: phase.sendLag.getValueAtPercentile(99) / 1000,
    ...cpu,
  };
}
