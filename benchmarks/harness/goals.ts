/**
 * The goals of issue 6 §4, measured against, never tuned to: on this machine, in one run,
 *
 * 1. produce, 100 B records, acks=1: Cairn >= 1.5x Redis Streams records/s
 * 2. the same: Cairn >= 3x NATS JetStream
 * 3. consume (one consumer, from the beginning): Cairn >= 1.5x Redis Streams
 * 4. produce with acks=all (fsync'd): Cairn >= 2x Redis with appendfsync always
 * 5. end-to-end p99 at 10k records/s: Cairn no worse than Redis Streams
 *
 * Each is judged for every Cairn target that ran (kcat measures the broker; Cairn's own client
 * is the like-for-like comparison with the peers' Node clients).
 */

import { type CaseSummary, cairnTargets, ratioOf } from './summary.js';
import type { TargetName } from './target.js';
import { baselineProduce, type WorkloadCase } from './workloads.js';

export type Verdict = 'PASS' | 'FALL SHORT' | 'NOT MEASURED';

export interface GoalResult {
  goal: string;
  cairn: TargetName;
  peer: TargetName;
  required: string;
  measured: string;
  verdict: Verdict;
  /** Why it was not measured. */
  note?: string;
}

interface Goal {
  goal: string;
  peer: TargetName;
  matches(workload: WorkloadCase): boolean;
  /** Throughput ratio at least this, or latency ratio at most this. */
  bound: number;
  kind: 'at least' | 'at most';
}

const isBaselineProduce = (workload: WorkloadCase, acks: '1' | 'all') =>
  workload.kind === 'produce' &&
  workload.recordBytes === baselineProduce.recordBytes &&
  workload.acks === acks &&
  workload.partitions === baselineProduce.partitions &&
  workload.producers === baselineProduce.producers &&
  workload.compression === 'none';

export const goals: readonly Goal[] = [
  {
    goal: 'produce 100 B, acks=1: records/s vs Redis Streams',
    peer: 'redis-streams',
    matches: (workload) => isBaselineProduce(workload, '1'),
    bound: 1.5,
    kind: 'at least',
  },
  {
    goal: 'produce 100 B, acks=1: records/s vs NATS JetStream',
    peer: 'nats-jetstream',
    matches: (workload) => isBaselineProduce(workload, '1'),
    bound: 3,
    kind: 'at least',
  },
  {
    goal: 'consume from the beginning, 1 consumer: records/s vs Redis Streams',
    peer: 'redis-streams',
    matches: (workload) => workload.kind === 'consume' && workload.consumers === 1,
    bound: 1.5,
    kind: 'at least',
  },
  {
    goal: 'produce 100 B, acks=all: records/s vs Redis appendfsync always',
    peer: 'redis-streams',
    matches: (workload) => isBaselineProduce(workload, 'all'),
    bound: 2,
    kind: 'at least',
  },
  {
    goal: 'end-to-end p99 at 10k records/s vs Redis Streams (ratio of p99s)',
    peer: 'redis-streams',
    matches: (workload) => workload.kind === 'latency' && workload.ratePerSecond === 10_000,
    bound: 1,
    kind: 'at most',
  },
];

export function evaluateGoals(summaries: readonly CaseSummary[]): GoalResult[] {
  const ran = new Set(
    summaries.flatMap((summary) => summary.targets.map((target) => target.target)),
  );
  const cairns = cairnTargets.filter((name) => ran.has(name));
  return goals.flatMap((goal) =>
    (cairns.length === 0 ? ['cairn-kcat' as const] : cairns).map((cairn) => {
      const required = `${goal.kind === 'at least' ? '>=' : '<='} ${goal.bound}x`;
      const base = { goal: goal.goal, cairn, peer: goal.peer, required };
      const summary = summaries.find((candidate) => goal.matches(candidate.case));
      const ratio = summary === undefined ? null : ratioOf(summary, cairn, goal.peer);
      if (ratio === null) {
        const note =
          summary === undefined
            ? 'the workload was not run'
            : `${cairn} or ${goal.peer} did not run it`;
        return { ...base, measured: '-', verdict: 'NOT MEASURED' as const, note };
      }
      const met = goal.kind === 'at least' ? ratio >= goal.bound : ratio <= goal.bound;
      return { ...base, measured: `${ratio.toFixed(2)}x`, verdict: met ? 'PASS' : 'FALL SHORT' };
    }),
  );
}
