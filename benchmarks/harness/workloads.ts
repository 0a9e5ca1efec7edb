/**
 * The workloads, as cases: one case is one set of parameters, run on every target.
 *
 * - produce: records of 100 B, 1 KiB, 10 KiB; acks 1 and all; 1 and 8 partitions; 1 and 4
 *   producers; no compression and lz4. The default run varies one parameter at a time from
 *   the baseline (100 B, acks=1, 1 partition, 1 producer, none): 7 cases. `--full` runs the
 *   cross product (48 cases).
 * - consume: a topic of 8 partitions read from the beginning by one consumer, and by a group
 *   of 4.
 * - latency: 100 B records at 1k, 10k and 100k records/s, acks=1, send to receive.
 * - fanout: one topic (1 partition) read at once by 1, 4 and 16 groups.
 * - replay: a 1-partition topic of `replayHistoryBytes` of 1 KiB records, read from the
 *   middle offset to the end.
 */
import type { Acks, Compression } from './target.js';

export const workloadKinds = ['produce', 'consume', 'latency', 'fanout', 'replay'] as const;
export type WorkloadKind = (typeof workloadKinds)[number];

export interface ProduceCase {
  kind: 'produce';
  id: string;
  recordBytes: number;
  acks: Acks;
  partitions: number;
  producers: number;
  compression: Compression;
}

export interface ConsumeCase {
  kind: 'consume';
  id: string;
  recordBytes: number;
  partitions: number;
  consumers: number;
  recordCount: number;
}

export interface LatencyCase {
  kind: 'latency';
  id: string;
  recordBytes: number;
  acks: Acks;
  ratePerSecond: number;
  durationSeconds: number;
}

export interface FanOutCase {
  kind: 'fanout';
  id: string;
  recordBytes: number;
  groups: number;
  recordCount: number;
}

export interface ReplayCase {
  kind: 'replay';
  id: string;
  recordBytes: number;
  recordCount: number;
}

export type WorkloadCase = ProduceCase | ConsumeCase | LatencyCase | FanOutCase | ReplayCase;

/** How big and how long: the default run, or `--quick` scaled down. */
export interface Scale {
  repetitions: number;
  warmups: number;
  /** Each produce repetition sends about this many seconds' worth (rate from the warm-up). */
  produceSeconds: number;
  /** Bytes of record values sent by a produce warm-up (it also estimates the rate). */
  produceWarmupBytes: number;
  consumeRecords: number;
  fanOutRecords: number;
  latencySeconds: number;
  replayHistoryBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const defaultScale: Scale = {
  repetitions: 5,
  warmups: 1,
  produceSeconds: 5,
  produceWarmupBytes: 32 * MiB,
  consumeRecords: 3_000_000,
  fanOutRecords: 500_000,
  latencySeconds: 10,
  replayHistoryBytes: GiB,
};

export const quickScale: Scale = {
  repetitions: 3,
  warmups: 1,
  produceSeconds: 1,
  produceWarmupBytes: 4 * MiB,
  consumeRecords: 300_000,
  fanOutRecords: 50_000,
  latencySeconds: 1.5,
  replayHistoryBytes: 32 * MiB,
};

export const baselineProduce: Omit<ProduceCase, 'id'> = {
  kind: 'produce',
  recordBytes: 100,
  acks: '1',
  partitions: 1,
  producers: 1,
  compression: 'none',
};

const recordSizes = [100, KiB, 10 * KiB];
const latencyRates = [1_000, 10_000, 100_000];
const fanOutGroups = [1, 4, 16];
const consumePartitions = 8;
const replayRecordBytes = KiB;

export function sizeLabel(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB}GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB}MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB}KiB`;
  return `${bytes}B`;
}

export function rateLabel(perSecond: number): string {
  return perSecond >= 1000 && perSecond % 1000 === 0 ? `${perSecond / 1000}k` : String(perSecond);
}

function produceCase(parameters: Omit<ProduceCase, 'id' | 'kind'>): ProduceCase {
  const { recordBytes, acks, partitions, producers, compression } = parameters;
  const id = `produce ${sizeLabel(recordBytes)} acks=${acks} p${partitions} x${producers} ${compression}`;
  return { kind: 'produce', id, ...parameters };
}

/** The produce cases: one parameter at a time from the baseline, or every combination. */
function produceCases(full: boolean): ProduceCase[] {
  const base = baselineProduce;
  if (!full) {
    return [
      produceCase(base),
      produceCase({ ...base, recordBytes: KiB }),
      produceCase({ ...base, recordBytes: 10 * KiB }),
      produceCase({ ...base, acks: 'all' }),
      produceCase({ ...base, partitions: 8 }),
      produceCase({ ...base, producers: 4 }),
      produceCase({ ...base, compression: 'lz4' }),
    ];
  }
  const cases: ProduceCase[] = [];
  for (const recordBytes of recordSizes) {
    for (const acks of ['1', 'all'] as const) {
      for (const partitions of [1, 8]) {
        for (const producers of [1, 4]) {
          for (const compression of ['none', 'lz4'] as const) {
            cases.push(produceCase({ recordBytes, acks, partitions, producers, compression }));
          }
        }
      }
    }
  }
  return cases;
}

/** Every case of the chosen kinds, in the order they run. */
export function planCases(
  scale: Scale,
  kinds: readonly WorkloadKind[],
  full: boolean,
): WorkloadCase[] {
  const cases: WorkloadCase[] = [];
  const wanted = new Set(kinds);
  if (wanted.has('produce')) cases.push(...produceCases(full));
  if (wanted.has('consume')) {
    for (const consumers of [1, 4]) {
      const who = consumers === 1 ? '1 consumer' : `group of ${consumers}`;
      cases.push({
        kind: 'consume',
        id: `consume 100B p${consumePartitions} ${who}`,
        recordBytes: 100,
        partitions: consumePartitions,
        consumers,
        recordCount: scale.consumeRecords,
      });
    }
  }
  if (wanted.has('latency')) {
    for (const ratePerSecond of latencyRates) {
      cases.push({
        kind: 'latency',
        id: `latency 100B acks=1 ${rateLabel(ratePerSecond)}/s`,
        recordBytes: 100,
        acks: '1',
        ratePerSecond,
        durationSeconds: scale.latencySeconds,
      });
    }
  }
  if (wanted.has('fanout')) {
    for (const groups of fanOutGroups) {
      cases.push({
        kind: 'fanout',
        id: `fanout 100B ${groups} group${groups === 1 ? '' : 's'}`,
        recordBytes: 100,
        groups,
        recordCount: scale.fanOutRecords,
      });
    }
  }
  if (wanted.has('replay')) {
    cases.push({
      kind: 'replay',
      id: `replay ${sizeLabel(scale.replayHistoryBytes)} of 1KiB from the middle`,
      recordBytes: replayRecordBytes,
      recordCount: Math.ceil(scale.replayHistoryBytes / replayRecordBytes),
    });
  }
  return cases;
}
