/**
 * Long-poll support for Fetch: a fetch that found too little data waits here until one of its
 * partitions receives an append, or its deadline passes. Appends call `notify`; a waiter is
 * woken at most once and removes itself from every partition it watched.
 */
export type Wake = () => void;

export class PartitionWaiters<Key extends object> {
  private readonly waiters = new Map<Key, Set<Wake>>();

  /**
   * Resolves on the first append to any of `keys`, after `timeoutMs`, or on `signal` (at once
   * when it is already aborted: an 'abort' listener added then would never run).
   */
  wait(keys: readonly Key[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake: Wake = () => {
        clearTimeout(timer);
        for (const key of keys) this.remove(key, wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      for (const key of keys) this.add(key, wake);
      timer = setTimeout(wake, timeoutMs);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  notify(key: Key): void {
    const set = this.waiters.get(key);
    if (set === undefined) return;
    for (const wake of [...set]) wake();
  }

  /** Wakes every waiter (shutdown). */
  notifyAll(): void {
    for (const key of [...this.waiters.keys()]) this.notify(key);
  }

  private add(key: Key, wake: Wake): void {
    let set = this.waiters.get(key);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(key, set);
    }
    set.add(wake);
  }

  private remove(key: Key, wake: Wake): void {
    const set = this.waiters.get(key);
    if (set === undefined) return;
    set.delete(wake);
    if (set.size === 0) this.waiters.delete(key);
  }
}
