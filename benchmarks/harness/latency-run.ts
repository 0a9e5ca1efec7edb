/**
 * One end-to-end latency run, the same for every target: open a channel (a producer and a
 * consumer of one fresh topic), send probes until the consumer sees one (both sides connected
 * and caught up), then send on the schedule and record each record's latency as it arrives,
 * until every record arrived or `latencyDrainMs` passed after the last send.
 *
 * The sender wakes every `latencyTickMs` and sends every record due by then in one batch,
 * each stamped with its intended time (stats.ts: coordinated omission) and the time it
 * actually left. Targets give their client no extra linger: a batch goes out when handed over.
 */
import { latencyDrainMs, latencyReadyTimeoutMs, latencyTickMs } from './constants.js';
import { latencyValue, parseLatencyValue } from './record-values.js';
import { clockMicros, SendSchedule } from './stats.js';
import type { LatencyLoad } from './target.js';

/** What a target opens for a latency run. */
export interface LatencyChannel {
  /** Hands these values to the producer now, as one batch, in order. */
  send(values: Buffer[]): void;
  /** Stops the consumer and the producer. */
  close(): Promise<void>;
}

/** Called by the channel's consumer for each value it receives, as soon as it has it. */
export type ValueSink = (value: Uint8Array) => void;

const probeIntervalMs = 100;
const probeValue = Buffer.from('probe');
/** The schedule starts this long after the probe came back, so the first batch is not late. */
const scheduleDelayMicros = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runLatency(
  load: LatencyLoad,
  openChannel: (sink: ValueSink) => Promise<LatencyChannel>,
): Promise<number> {
  let received = 0;
  let probeSeen = false;
  const channel = await openChannel((value) => {
    const receivedMicros = clockMicros();
    const times = parseLatencyValue(value);
    if (times === null) {
      probeSeen = true;
      return;
    }
    load.recorder.record(times.intendedMicros, times.sentMicros, receivedMicros);
    received++;
  });
  try {
    const readyBy = Date.now() + latencyReadyTimeoutMs;
    while (!probeSeen) {
      if (Date.now() > readyBy)
        throw new Error(`no probe came back in ${latencyReadyTimeoutMs} ms`);
      channel.send([probeValue]);
      await sleep(probeIntervalMs);
    }
    const schedule = new SendSchedule(
      load.ratePerSecond,
      clockMicros() + scheduleDelayMicros,
      load.recordCount,
    );
    await sendOnSchedule(schedule, load.recordBytes, channel);
    const drainBy = Date.now() + latencyDrainMs;
    while (received < load.recordCount && Date.now() < drainBy) await sleep(latencyTickMs);
  } finally {
    await channel.close();
  }
  return received;
}

async function sendOnSchedule(
  schedule: SendSchedule,
  recordBytes: number,
  channel: LatencyChannel,
) {
  let next = 0;
  while (next < schedule.recordCount) {
    const now = clockMicros();
    const due = schedule.dueCount(now);
    if (due > next) {
      const values: Buffer[] = [];
      for (; next < due; next++) {
        values.push(latencyValue(schedule.intendedMicros(next), now, recordBytes));
      }
      channel.send(values);
    }
    if (next >= schedule.recordCount) break;
    const waitMicros = schedule.intendedMicros(next) - clockMicros();
    await sleep(Math.max(latencyTickMs, Math.floor(waitMicros / 1000)));
  }
}
