/**
 * Runs async tasks one at a time in call order. A partition's maintenance (retention,
 * deleteRecordsBefore, compaction, close) goes through one, so two of them never interleave
 * their file changes or checkpoint writes.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it has settled, whatever their outcome. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
