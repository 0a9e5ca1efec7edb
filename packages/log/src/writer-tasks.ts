/**
 * What a partition's single writer is asked to do (append-queue.ts queues them): append
 * batches whose offsets are already assigned, or roll the active segment. And the two
 * decisions the writer takes for a queued append: whether the active segment must roll first
 * (Kafka's LogSegment.shouldRoll), and which queued appends join it in one writev.
 *
 * Concurrency: tasks are made by any caller and settled once, by the queue, after the writer
 * has done them or when the log fails.
 */
import type { QueuedTask } from './append-queue.js';
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import { coalescedAppendsMax, relativeOffsetMax } from './constants.js';
import type { Segment } from './segment.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The time written into the batches under LogAppendTime; -1 under CreateTime. */
  logAppendTime: number;
  logStartOffset: number;
}

export class AppendTask implements QueuedTask {
  readonly kind = 'append';
  constructor(
    readonly records: Buffer,
    readonly batchCount: number,
    readonly result: AppendResult,
    private readonly resolve: (result: AppendResult) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  get sizeBytes(): number {
    return this.records.length;
  }

  settle(error: Error | null): void {
    if (error === null) this.resolve(this.result);
    else this.reject(error);
  }
}

export class RollTask implements QueuedTask {
  readonly kind = 'roll';
  readonly sizeBytes = 0;
  constructor(
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  settle(error: Error | null): void {
    if (error === null) this.resolve();
    else this.reject(error);
  }
}

export type WriterTask = AppendTask | RollTask;

/** The queued appends, from the first, that fit the segment together (one writev). */
export function joinAppends(
  segment: Segment,
  tasks: readonly WriterTask[],
  segmentBytes: number,
): AppendTask[] {
  const group: AppendTask[] = [];
  let sizeBytes = segment.sizeBytes;
  let batchCount = 0;
  const indexRoom = segment.indexRoom();
  for (const task of tasks) {
    if (task.kind !== 'append' || group.length === coalescedAppendsMax) break;
    const fits =
      sizeBytes + task.sizeBytes <= segmentBytes &&
      batchCount + task.batchCount <= indexRoom &&
      task.result.lastOffset - segment.baseOffset <= relativeOffsetMax;
    if (!fits && group.length > 0) break;
    group.push(task);
    sizeBytes += task.sizeBytes;
    batchCount += task.batchCount;
  }
  return group;
}

/** Kafka's LogSegment.shouldRoll: size, age, relative offset or index space. */
export function shouldRoll(
  segment: Segment,
  task: AppendTask,
  config: Readonly<LogConfig>,
  clock: Clock,
): boolean {
  if (segment.sizeBytes === 0) return false;
  return (
    segment.sizeBytes + task.sizeBytes > config.segmentBytes ||
    clock.now() - segment.rollingBasedTimestamp > config.segmentMs ||
    task.result.lastOffset - segment.baseOffset > relativeOffsetMax ||
    segment.indexRoom() < task.batchCount
  );
}
