/**
 * Runs one case on one target: prepare (durability, topic, untimed fill), warm up, then the
 * timed repetitions, each with the server's CPU time and the whole machine's beside it (a
 * shared machine's other load shows there). A repetition that fails or overruns
 * `runTimeoutMs` fails the case on that target, with the error kept for the report; the run
 * goes on with the next case.
 */
import { machineBusyCpuSeconds, processCpuSeconds } from '../cpu-time.js';
import { produceBytesPerRunMax, runTimeoutMs } from './constants.js';
import { LatencyRecorder, type LatencySummary, type PercentilePoint } from './stats.js';
import type { Target, Timed, Topic } from './target.js';
import type {
  ConsumeCase,
  FanOutCase,
  LatencyCase,
  ProduceCase,
  ReplayCase,
  Scale,
  WorkloadCase,
} from './workloads.js';

export interface LatencyResult {
  sent: number;
  received: number;
  corrected: LatencySummary;
  uncorrected: LatencySummary;
  curve: PercentilePoint[];
  /** The corrected histogram (HdrHistogram compressed base64). */
  histogram: string;
}

export interface Repetition {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** Record values only (recordBytes each), 1 MB = 1e6 bytes. */
  megabytesPerSecond: number;
  /** The server process's CPU seconds during the repetition. */
  serverCpuSeconds: number;
  /** Every CPU of the machine, busy seconds during the repetition (all processes). */
  machineBusyCpuSeconds: number;
  latency?: LatencyResult;
}

export interface CaseRun {
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed. */
  reason?: string;
  repetitions: Repetition[];
}

export interface RunnerHooks {
  /** Called after each warm-up or repetition, with what it was. */
  step(label: string): void;
}

let topicCount = 0;

function freshTopic(kind: string, partitions: number): Topic {
  return { name: `bench-${kind}-${process.pid}-${++topicCount}`, partitions };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} overran ${runTimeoutMs} ms`)), runTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `timed` with the CPU accounting around it. */
async function measured(
  target: Target,
  recordBytes: number,
  timed: () => Promise<Timed & { latency?: LatencyResult }>,
): Promise<Repetition> {
  const serverBefore = processCpuSeconds(target.serverPid);
  const machineBefore = machineBusyCpuSeconds();
  const result = await withTimeout(timed(), `${target.name}`);
  const recordsPerSecond = result.records / result.seconds;
  const repetition: Repetition = {
    records: result.records,
    seconds: result.seconds,
    recordsPerSecond,
    megabytesPerSecond: (recordsPerSecond * recordBytes) / 1e6,
    serverCpuSeconds: processCpuSeconds(target.serverPid) - serverBefore,
    machineBusyCpuSeconds: machineBusyCpuSeconds() - machineBefore,
  };
  if (result.latency !== undefined) repetition.latency = result.latency;
  return repetition;
}

export async function runCase(
  target: Target,
  workload: WorkloadCase,
  scale: Scale,
  hooks: RunnerHooks,
): Promise<CaseRun> {
  const reason = target.unsupported(workload);
  if (reason !== null) return { status: 'skipped', reason, repetitions: [] };
  const repetitions: Repetition[] = [];
  try {
    switch (workload.kind) {
      case 'produce':
        await runProduce(target, workload, scale, hooks, repetitions);
        break;
      case 'consume':
      case 'fanout':
      case 'replay':
        await runRead(target, workload, scale, hooks, repetitions);
        break;
      case 'latency':
        await runLatencyCase(target, workload, scale, hooks, repetitions);
        break;
    }
    return { status: 'ok', repetitions };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'failed', reason: message.slice(0, 2000), repetitions };
  }
}

async function runProduce(
  target: Target,
  workload: ProduceCase,
  scale: Scale,
  hooks: RunnerHooks,
  repetitions: Repetition[],
): Promise<void> {
  await target.setDurability(workload.acks);
  const topic = freshTopic('produce', workload.partitions);
  await target.createTopic(topic);
  try {
    const load = { ...workload, topic };
    const warmupCount = Math.max(1000, Math.ceil(scale.produceWarmupBytes / workload.recordBytes));
    let rate = 0;
    for (let warmup = 0; warmup < scale.warmups; warmup++) {
      const run = await withTimeout(
        target.produce({ ...load, recordCount: warmupCount }),
        'warm-up',
      );
      rate = run.records / run.seconds;
      hooks.step(`warm-up ${warmup + 1}`);
    }
    const cap = Math.floor(produceBytesPerRunMax / workload.recordBytes);
    const recordCount = Math.min(cap, Math.max(1000, Math.round(rate * scale.produceSeconds)));
    for (let index = 0; index < scale.repetitions; index++) {
      repetitions.push(
        await measured(target, workload.recordBytes, () =>
          target.produce({ ...load, recordCount }),
        ),
      );
      hooks.step(`repetition ${index + 1}`);
    }
  } finally {
    await target.deleteTopic(topic);
  }
}

async function runRead(
  target: Target,
  workload: ConsumeCase | FanOutCase | ReplayCase,
  scale: Scale,
  hooks: RunnerHooks,
  repetitions: Repetition[],
): Promise<void> {
  await target.setDurability('1');
  const partitions = workload.kind === 'consume' ? workload.partitions : 1;
  const topic = freshTopic(workload.kind, partitions);
  await target.createTopic(topic);
  try {
    await withTimeout(target.fill(topic, workload.recordBytes, workload.recordCount), 'fill');
    const read = (): Promise<Timed> => {
      const { recordCount } = workload;
      if (workload.kind === 'consume') {
        return target.consume({ topic, recordCount, consumers: workload.consumers });
      }
      if (workload.kind === 'fanout') {
        return target.fanOut({ topic, recordCount, groups: workload.groups });
      }
      return target.replay({ topic, recordCount, fromIndex: Math.floor(recordCount / 2) });
    };
    for (let warmup = 0; warmup < scale.warmups; warmup++) {
      await withTimeout(read(), 'warm-up');
      hooks.step(`warm-up ${warmup + 1}`);
    }
    for (let index = 0; index < scale.repetitions; index++) {
      repetitions.push(await measured(target, workload.recordBytes, read));
      hooks.step(`repetition ${index + 1}`);
    }
  } finally {
    await target.deleteTopic(topic);
  }
}

async function runLatencyCase(
  target: Target,
  workload: LatencyCase,
  scale: Scale,
  hooks: RunnerHooks,
  repetitions: Repetition[],
): Promise<void> {
  await target.setDurability(workload.acks);
  const once = async (seconds: number) => {
    const topic = freshTopic('latency', 1);
    await target.createTopic(topic);
    const recorder = new LatencyRecorder();
    const recordCount = Math.max(1, Math.round(workload.ratePerSecond * seconds));
    try {
      const start = performance.now();
      const received = await target.latency({ ...workload, topic, recordCount, recorder });
      const summary = recorder.summary();
      const latency: LatencyResult = {
        sent: recordCount,
        received,
        ...summary,
        curve: recorder.curve(),
        histogram: recorder.encoded(),
      };
      return { records: received, seconds: (performance.now() - start) / 1000, latency };
    } finally {
      recorder.destroy();
      await target.deleteTopic(topic);
    }
  };
  for (let warmup = 0; warmup < scale.warmups; warmup++) {
    await withTimeout(once(Math.min(1, workload.durationSeconds)), 'warm-up');
    hooks.step(`warm-up ${warmup + 1}`);
  }
  for (let index = 0; index < scale.repetitions; index++) {
    const repetition = await measured(target, workload.recordBytes, () =>
      once(workload.durationSeconds),
    );
    if (repetition.latency!.received < repetition.latency!.sent) {
      throw new Error(
        `${repetition.latency!.sent - repetition.latency!.received} of ` +
          `${repetition.latency!.sent} records did not arrive`,
      );
    }
    repetitions.push(repetition);
    hooks.step(`repetition ${index + 1}`);
  }
}

/** Steps `runCase` reports for `workload` when it runs to the end (for progress bars). */
export function stepsOf(scale: Scale): number {
  return scale.warmups + scale.repetitions;
}
