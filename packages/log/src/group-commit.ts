/**
 * Group commit: callers wait until every offset below theirs is fsync'd, and callers that
 * arrive while an fsync runs share the next one. With N producers awaiting acks=-1 the log
 * pays about one fsync per fsync-duration, not one per append.
 *
 * The writer reports how far the file holds data (`written`); a sync started after that covers
 * every offset below the reported one, so the flushed offset (Kafka's recoveryPoint) moves to
 * it when the sync resolves.
 *
 * While the writer has more appends queued, a waiting caller's sync is held back for up to
 * groupCommitDeferredWritesMax writes: writes cost microseconds and an fsync milliseconds, so
 * letting the queued appends reach the file first lets one fsync cover them too.
 *
 * Concurrency: any number of callers, from any async context. At most one sync runs at a time.
 * A failed sync fails every waiter and every later call (sticky, like the log's writer).
 */
import { assert } from '@cairn/protocol';
import { groupCommitDeferredWritesMax } from './constants.js';

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class GroupCommit {
  private flushed: number;
  private writtenOffset: number;
  private waiters: Waiter[] = [];
  private syncing = false;
  private failure: Error | null = null;
  private deferredWriteCount = 0;
  /** Count of syncs run, for the log's probe. */
  syncCount = 0;

  /**
   * `syncTo(offset)` must make every offset below `offset` durable; `writerBusy()` says
   * whether the writer has appends queued beyond the one it is reporting.
   */
  constructor(
    initialOffset: number,
    private readonly syncTo: (offset: number) => Promise<void>,
    private readonly writerBusy: () => boolean = () => false,
  ) {
    this.flushed = initialOffset;
    this.writtenOffset = initialOffset;
  }

  /** Every offset below this one is fsync'd. */
  get flushedOffset(): number {
    return this.flushed;
  }

  /** The writer reports that every offset below `offset` is in the file (page cache). */
  written(offset: number): void {
    if (offset < this.writtenOffset) assert(false, `written offset moves back to ${offset}`);
    this.writtenOffset = offset;
    this.deferredWriteCount += 1;
    this.kick();
  }

  /** The writer has nothing queued: a sync held back for it may start. */
  writerIdle(): void {
    this.kick();
  }

  /**
   * Resolves once every offset below `offset` is fsync'd; at once when it already is. Rejects
   * with the sync's error once a sync failed.
   */
  waitFor(offset: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (offset <= this.flushed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.kick();
    });
  }

  /** Fails every waiter and every later call with `error`. */
  fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private kick(): void {
    if (this.syncing || this.failure !== null) return;
    if (!this.waiters.some((waiter) => waiter.offset <= this.writtenOffset)) return;
    if (this.writerBusy() && this.deferredWriteCount < groupCommitDeferredWritesMax) return;
    this.deferredWriteCount = 0;
    const target = this.writtenOffset;
    this.syncing = true;
    this.syncCount += 1;
    this.syncTo(target).then(
      () => {
        this.syncing = false;
        this.flushed = Math.max(this.flushed, target);
        const waiting: Waiter[] = [];
        for (const waiter of this.waiters) {
          if (waiter.offset <= this.flushed) waiter.resolve();
          else waiting.push(waiter);
        }
        this.waiters = waiting;
        this.kick();
      },
      (error: unknown) => {
        this.syncing = false;
        this.fail(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
