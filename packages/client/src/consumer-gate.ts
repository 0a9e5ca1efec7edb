/**
 * Keeps the application's processing and the consumer's exclusive sections apart. An
 * exclusive section (a revocation before a rebalance, a fencing, close) must not run while a
 * handler processes a message of a partition it is about to give away: that is how two live
 * members would process one record at once. So:
 *
 *   - the consumption loop marks each handler call (or, with the async iterator, the time from
 *     yielding a message to the next next() call) with begin() / end(), and checks `closed`
 *     before it starts the next one, waiting on opened() while it is set;
 *   - exclusive(fn) closes the gate, waits for the current handler to end, runs fn, and
 *     reopens the gate once no exclusive section is left. Sections run one at a time.
 *
 * A rebalance therefore waits for the handler in progress (bounded by the application, as
 * Java's max.poll.interval.ms bounds poll()); heartbeats go on meanwhile.
 */
export class ConsumerGate {
  private processing = false;
  private idleWaiters: Array<() => void> = [];
  private holders = 0;
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => undefined;
  private tail: Promise<unknown> = Promise.resolve();

  /** Set while an exclusive section waits or runs: do not start another handler. */
  get closed(): boolean {
    return this.gate !== null;
  }

  /** Resolves when no exclusive section is left. */
  opened(): Promise<void> {
    return this.gate ?? Promise.resolve();
  }

  get isProcessing(): boolean {
    return this.processing;
  }

  begin(): void {
    this.processing = true;
  }

  end(): void {
    this.processing = false;
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once no handler is running. */
  idle(): Promise<void> {
    if (!this.processing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Runs `fn` with the gate closed and no handler running. `onClose` runs at once (the
   * consumer uses it to wake a loop waiting for data, so it notices the gate).
   */
  exclusive<T>(fn: () => Promise<T>, onClose: () => void = () => undefined): Promise<T> {
    this.holders++;
    if (this.gate === null) {
      this.gate = new Promise((resolve) => {
        this.openGate = resolve;
      });
    }
    onClose();
    const run = this.tail.then(async () => {
      await this.idle();
      return fn();
    });
    this.tail = run.catch(() => undefined);
    return run.finally(() => {
      this.holders--;
      if (this.holders === 0) {
        this.gate = null;
        this.openGate();
      }
    });
  }
}
