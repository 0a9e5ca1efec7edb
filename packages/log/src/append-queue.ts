/**
 * The bounded queue in front of a partition's single writer. Appends take their offsets when
 * they are queued (synchronously, in call order) and are written in that order by one drain
 * loop, which hands the writer every queued task at once so it can join appends into one
 * writev. The queue is bounded by count and bytes (appendQueueLengthMax, appendQueueBytesMax):
 * a full queue refuses with a retriable error instead of growing (kafkajs's unbounded
 * `pending` array is the counter-example).
 *
 * Concurrency: any number of producers call `push`; exactly one drain loop runs. After a task
 * fails, every queued and later task fails with the same error (sticky, NATS's `werr`): the
 * log must be reopened, so the file never gets a hole.
 */
import { assert } from '@cairn/protocol';

export interface QueuedTask {
  readonly sizeBytes: number;
  /** Called once: null when the writer has done the task, else the failure. */
  settle(error: Error | null): void;
}

/** Does a prefix of `tasks` (at least one) and returns how many it did. */
export type TaskProcessor<Task extends QueuedTask> = (tasks: readonly Task[]) => Promise<number>;

export class AppendQueue<Task extends QueuedTask> {
  private tasks: Task[] = [];
  private queuedBytes = 0;
  private draining = false;
  private failure: Error | null = null;
  private idleWaiters: Array<() => void> = [];

  /** `onIdle` runs each time the drain loop finds the queue empty. */
  constructor(
    private readonly limits: { lengthMax: number; bytesMax: number },
    private readonly process: TaskProcessor<Task>,
    private readonly onIdle: () => void = () => {},
  ) {}

  get length(): number {
    return this.tasks.length;
  }

  get sizeBytes(): number {
    return this.queuedBytes;
  }

  get error(): Error | null {
    return this.failure;
  }

  hasRoomFor(sizeBytes: number): boolean {
    return (
      this.tasks.length < this.limits.lengthMax &&
      this.queuedBytes + sizeBytes <= this.limits.bytesMax
    );
  }

  /** Queues a task; the caller checked `hasRoomFor` and that the queue has not failed. */
  push(task: Task): void {
    assert(this.failure === null, 'push to a failed append queue');
    assert(this.hasRoomFor(task.sizeBytes), 'push to a full append queue');
    this.tasks.push(task);
    this.queuedBytes += task.sizeBytes;
    if (!this.draining) void this.drain();
  }

  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.draining && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails every queued task; `push` is refused from now on. */
  fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    const failed = this.tasks;
    this.tasks = [];
    this.queuedBytes = 0;
    for (const task of failed) task.settle(this.failure);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.tasks.length > 0 && this.failure === null) {
      let doneCount: number;
      try {
        doneCount = await this.process(this.tasks);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
        break;
      }
      // A failure reported meanwhile (an fsync) already settled every queued task.
      if (this.failure !== null) break;
      assert(doneCount >= 1 && doneCount <= this.tasks.length, 'processed a prefix of the tasks');
      const done = this.tasks.splice(0, doneCount);
      for (const task of done) {
        this.queuedBytes -= task.sizeBytes;
        task.settle(null);
      }
    }
    this.draining = false;
    this.onIdle();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
